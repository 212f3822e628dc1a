from django.contrib import admin

from shopops.alerts.models import Benchmark


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    """A store's benchmark values (an industry average, e.g. CTR) that `benchmark` rules
    compare a metric with. Rules and channels are edited on the 预警中心 pages, where their
    validation and masking live."""

    list_display = ["store", "metric", "value", "source", "updated_at"]
    list_filter = ["store"]
