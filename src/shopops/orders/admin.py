from django.contrib import admin

from shopops.orders.models import FulfilmentSettings


@admin.register(FulfilmentSettings)
class FulfilmentSettingsAdmin(admin.ModelAdmin):
    """A store's shipping and delivery promises, unpaid timeout and review thresholds."""

    list_display = [
        "store",
        "shipping_promise_hours",
        "delivery_promise_hours",
        "unpaid_timeout_minutes",
        "high_amount",
    ]
