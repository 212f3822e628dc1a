from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shopops.catalog"
    label = "catalog"
