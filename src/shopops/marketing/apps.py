from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "shopops.marketing"
    label = "marketing"
