from django.contrib import admin

from shopops.monitoring.models import ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    """Which core metrics a store's daily report reads (empty: the default seven) and when
    the worker makes it."""

    list_display = ["store", "core_metrics", "send_at"]
