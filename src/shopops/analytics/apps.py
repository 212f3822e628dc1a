from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "shopops.analytics"
    label = "analytics"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shopops.analytics.cache import facts_changed
        from shopops.catalog.models import Product, Sku
        from shopops.marketing.models import AdFact, TrafficFact
        from shopops.orders.models import Order, OrderLine

        def changed(sender, instance, **kwargs):
            facts_changed(instance.store_id)

        # ORM writes; the bulk import path calls facts_changed itself.
        for model in (Order, OrderLine, TrafficFact, AdFact, Sku, Product):
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"facts-{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"facts-del-{model.__name__}"
            )
