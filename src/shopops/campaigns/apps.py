from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "shopops.campaigns"
    label = "campaigns"
