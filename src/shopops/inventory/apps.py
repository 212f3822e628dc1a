from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "shopops.inventory"
    label = "inventory"
