"""Which rules are due now: hourly ones an hour after their last evaluation, daily ones
once a store-local day at their time, after-import ones when an import of the store has
finished since they last ran."""

from datetime import datetime, timedelta

from django.db.models import Max

from shopops.alerts.models import AlertRule, Schedule


def due(store, now: datetime) -> list[AlertRule]:
    from shopops.ingest.models import ImportRun

    local = now.astimezone(store.zone)
    last_import = ImportRun.objects.filter(store=store, finished_at__isnull=False).aggregate(
        last=Max("finished_at")
    )["last"]
    out = []
    for rule in AlertRule.objects.filter(store=store, enabled=True):
        last = rule.last_evaluated_at
        if rule.schedule == Schedule.HOURLY:
            ready = last is None or last <= now - timedelta(hours=1)
        elif rule.schedule == Schedule.DAILY:
            at = rule.daily_at
            ready = (at is None or local.time() >= at) and (
                last is None or last.astimezone(store.zone).date() < local.date()
            )
        else:
            ready = last_import is not None and (last is None or last_import > last)
        if ready:
            out.append(rule)
    return out
