from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shopops.orders"
    label = "orders"

    def ready(self) -> None:
        from shopops.inventory.signals import stock_arrived
        from shopops.orders.services import serve_stock_arrived

        # Goods in: queued stock-short orders of those SKUs are served, oldest first.
        stock_arrived.connect(serve_stock_arrived, dispatch_uid="orders-retry-stock-short")
