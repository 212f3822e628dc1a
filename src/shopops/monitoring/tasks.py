"""The worker makes each store's daily report for yesterday every morning, at the store's
configured time in its own zone (default 08:30)."""

import logging
from datetime import datetime, time, timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

log = logging.getLogger(__name__)


def due_reports(now: datetime) -> list:
    """(store, day) pairs whose report for yesterday is due and not made yet."""
    from shopops.core.models import Store
    from shopops.monitoring.models import DailyReport, ReportSettings

    send_at = dict(ReportSettings.objects.values_list("store_id", "send_at"))
    out = []
    for store in Store.objects.filter(is_active=True):
        local = now.astimezone(store.zone)
        if local.time() < send_at.get(store.pk, time(8, 30)):
            continue
        day = local.date() - timedelta(days=1)
        if not DailyReport.objects.filter(store=store, day=day).exists():
            out.append((store, day))
    return out


@db_periodic_task(crontab(minute="*/5"))
@lock_task("daily-reports")
def make_daily_reports():
    from django.utils import timezone

    run_due(timezone.now())


def run_due(now: datetime) -> None:
    from shopops.monitoring.daily_report import build
    from shopops.monitoring.warmup import warm_store

    for store, day in due_reports(now):
        build(store, day)
        warm_store(store)
        log.info("daily report of %s for %s made, dashboard and forecast warmed", store.code, day)


@db_task(retries=0)
def after_new_facts(store_id: int):
    """After an import: the lake, the dashboard and the forecast, before anyone asks."""
    from shopops.core.models import Store
    from shopops.monitoring import warmup

    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        warmup.after_new_facts(store)
