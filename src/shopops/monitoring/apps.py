from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "shopops.monitoring"
    label = "monitoring"
