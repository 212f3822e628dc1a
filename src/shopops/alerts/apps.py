from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "shopops.alerts"
    label = "alerts"
