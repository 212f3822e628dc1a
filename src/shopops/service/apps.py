from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "shopops.service"
    label = "service"
