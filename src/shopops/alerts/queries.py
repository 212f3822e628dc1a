"""Reads of alerts: a store's (or a person's stores') alerts, their JSON shape for the CLI
and the API, and a person's unread notifications."""

from shopops.alerts.models import Alert, AlertRule, AlertState, Notification


def hidden_metrics(viewer) -> list[str]:
    """The catalog's metrics `viewer` may not receive (`analytics.queries.hidden_costs`):
    their rules and those rules' alerts are not shown to them. None: no person."""
    from shopops.analytics.catalog import CATALOG
    from shopops.analytics.queries import hidden_costs

    return hidden_costs(list(CATALOG), viewer)


def rules_of(store, viewer=None):
    """A store's rules that `viewer` may see."""
    return AlertRule.objects.filter(store=store).exclude(metric__in=hidden_metrics(viewer))


def alerts_of(stores, *, state: str = "", severity: str = "", viewer=None):
    """Alerts of the stores, newest first; `state` "open" means not resolved. A viewer who
    may not see costs never receives an alert of a cost metric's rule."""
    rows = Alert.objects.filter(store__in=stores).select_related("rule", "store")
    if state == "open":
        rows = rows.exclude(state=AlertState.RESOLVED)
    elif state:
        rows = rows.filter(state=state)
    if severity:
        rows = rows.filter(severity=severity)
    return rows.exclude(rule__metric__in=hidden_metrics(viewer))


def as_dict(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "store": alert.store.code,
        "rule": alert.rule.name,
        "rule_id": alert.rule_id,
        "scope": alert.scope,
        "state": alert.state,
        "severity": alert.severity,
        "title_zh": alert.title_zh,
        "title_en": alert.title_en,
        "value": None if alert.value is None else str(alert.value.normalize()),
        "day": alert.day.isoformat() if alert.day else None,
        "subject": alert.subject,
        "detail": alert.detail,
        "opened_at": alert.opened_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
    }


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
