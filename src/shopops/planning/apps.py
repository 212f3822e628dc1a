from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "shopops.planning"
    label = "planning"
