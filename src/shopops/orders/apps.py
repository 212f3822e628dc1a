from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shopops.orders"
    label = "orders"
