from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "shopops.analytics"
    label = "analytics"
