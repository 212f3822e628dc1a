"""Row locks of monitoring's models (see core.locks)."""


def report_settings(store):
    """A store's report settings (None when it has none yet), while the team changes them."""
    from shopops.monitoring.models import ReportSettings

    return ReportSettings.objects.select_for_update().filter(store=store).first()
