"""Row locks of monitoring's models (see core.locks)."""


def report_settings(store):
    """A store's report settings (None when it has none yet), while the team changes them."""
    from shopops.monitoring.models import ReportSettings

    return ReportSettings.objects.select_for_update().filter(store=store).first()


def daily_report(pk: int):
    """A daily report while it is made again: two requests making the same report at once
    take turns instead of writing the same rows twice."""
    from shopops.monitoring.models import DailyReport

    return DailyReport.objects.select_for_update().get(pk=pk)
