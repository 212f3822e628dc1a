from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "shopops.campaigns"
    label = "campaigns"

    def ready(self):
        # The daily checklist's promotion-price item is answered by the campaigns; the
        # checklists sit below this app, so the check is handed to them here.
        from shopops.campaigns.checks import campaign_prices
        from shopops.monitoring import checklists

        checklists.CHECKS["campaign_prices"] = campaign_prices
