from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shopops.web"
    label = "web"
