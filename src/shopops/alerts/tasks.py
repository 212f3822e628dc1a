"""The worker evaluates each store's due rules every few minutes (alerts.schedule): after
an import within that time, hourly and daily rules on their schedule."""

import logging
from contextlib import suppress

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

log = logging.getLogger(__name__)


def evaluate_due(now) -> int:
    """Evaluate every store's due rules; returns the alerts opened and resolved. One store's
    failure is logged and the others go on."""
    from shopops.alerts import schedule, services
    from shopops.core.models import Store

    opened = 0
    for store in Store.objects.filter(is_active=True):
        services.ensure_default_rules(store)
        rules = schedule.due(store, now)
        if not rules:
            continue
        try:
            result = services.run(store, rules=rules, now=now)
        except Exception:
            log.exception("alert evaluation of %s failed", store.code)
            continue
        opened += len(result.opened) + len(result.resolved)
        for rule_id, error in result.errors.items():
            log.warning("alert rule %s of %s failed: %s", rule_id, store.code, error)
    return opened


@db_periodic_task(crontab(minute="*/2"))
@lock_task("alert-evaluation")
def evaluate_alerts():
    from django.utils import timezone

    if evaluate_due(timezone.now()):
        deliver_alerts_now()  # what opened or resolved goes out now, not at the next minute


@db_periodic_task(crontab(minute="*"))
@lock_task("alert-delivery")
def deliver_alerts():
    """Send the due deliveries: retries come due, and a minute's limit frees up."""
    from shopops.alerts import delivery

    delivery.dispatch()


@db_task(retries=0)
def deliver_alerts_now():
    from huey.exceptions import TaskLockedException

    with suppress(TaskLockedException):  # the minute's run is sending already
        deliver_alerts.call_local()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("morning-report-push")
def push_morning_reports():
    """Yesterday's report to the channels that take it, once the report is made."""
    from django.utils import timezone

    from shopops.alerts import morning

    if morning.push(timezone.now()):
        deliver_alerts_now()
