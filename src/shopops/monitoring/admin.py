from django.contrib import admin

from shopops.monitoring.models import CalendarEvent, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    """Which core metrics a store's daily report reads (empty: the default seven) and when
    the worker makes it."""

    list_display = ["store", "core_metrics", "send_at"]


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    """The platforms' event days the daily report compares year over year (38节, 618, 双11,
    双12 are seeded for 2015-2035); add a store's own (店庆) or change a period here. Public
    holidays come from the `holidays` package and are not listed."""

    list_display = ["name", "kind", "start", "end"]
    list_filter = ["kind", "name"]
    date_hierarchy = "start"
