from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "shopops.customers"
    label = "customers"
