from django.contrib import admin

from shopops.inventory.models import ChannelBuffer


@admin.register(ChannelBuffer)
class ChannelBufferAdmin(admin.ModelAdmin):
    """Units held back from a channel's available-to-sell: a channel default (no SKU) or
    one SKU's own."""

    list_display = ["store", "channel", "sku", "units"]
    list_filter = ["store", "channel"]
    raw_id_fields = ["sku"]
