"""Every write of the alerts: rules (validated, audited), the evaluation's alerts (opened,
kept, resolved), their state changes by people, and notifications.

An alert is open -> acknowledged -> resolved. At most one is not resolved per rule and
scope (a partial unique constraint: two evaluations at once still make one). A rule in
cooldown for a scope opens no new alert there until the cooldown since the last one has
passed. A condition that clears resolves its alert (auto_resolved)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shopops.alerts import defaults, delivery, evaluation, locks
from shopops.alerts.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertState,
    Channel,
    ChannelKind,
    Condition,
    Delivery,
    Event,
    Notification,
)
from shopops.analytics.catalog import UnknownMetric, lookup
from shopops.analytics.request import DIMENSIONS
from shopops.core import audit

RULE_FIELDS = (
    "name",
    "metric",
    "condition",
    "event",
    "filters",
    "threshold",
    "direction",
    "severity",
    "schedule",
    "daily_at",
    "cooldown_minutes",
    "enabled",
    "roles",
)
SHARES = (
    Condition.TARGET,
    Condition.BENCHMARK,
    Condition.DAY_CHANGE,
    Condition.WEEK_CHANGE,
    Condition.YEAR_CHANGE,
)


def _only(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({k: "This field cannot be set." for k in sorted(unknown)})


def ensure_default_rules(store) -> int:
    """The store's default rules it does not have yet (alerts.defaults)."""
    return defaults.ensure(store, AlertRule)


def clean_rule(rule: AlertRule) -> None:
    """ValidationError naming the field: an unknown metric or dimension, a condition without
    a metric (or both a metric and an event), an impossible threshold."""
    errors: dict[str, str] = {}
    if bool(rule.metric) == bool(rule.event):
        errors["metric"] = "A rule watches either a metric or an event."
    if rule.metric:
        try:
            lookup(rule.metric)
        except UnknownMetric as exc:
            errors["metric"] = str(exc)
        if rule.condition not in Condition.values:
            errors["condition"] = f"Choose one of {', '.join(Condition.values)}."
        elif rule.threshold is None:
            errors["threshold"] = "A metric rule needs a threshold."
        elif rule.condition in SHARES and not (0 < rule.threshold <= 10):
            errors["threshold"] = "A share: above 0 (0.2 is 20%) and at most 10 (1000%)."
        elif rule.condition == Condition.STATISTICAL and not (1 <= rule.threshold <= 20):
            errors["threshold"] = "A robust z-score cut-off between 1 and 20 (3.5 is usual)."
    elif rule.event:
        if rule.event not in Event.values:
            errors["event"] = f"Choose one of {', '.join(Event.values)}."
        if rule.condition:
            errors["condition"] = "An event rule has no condition."
        if rule.threshold is not None and rule.threshold <= 0:
            errors["threshold"] = "Hours or days: above 0."
    if not isinstance(rule.filters, dict) or any(
        k not in DIMENSIONS or not isinstance(v, list) or not all(isinstance(x, str) for x in v)
        for k, v in (rule.filters or {}).items()
    ):
        errors["filters"] = f"{{dimension: [values]}} with dimensions of {', '.join(DIMENSIONS)}."
    from shopops.core.roles import ROLES

    names = [r.group_name for r in ROLES]
    if not isinstance(rule.roles, list) or not all(r in names for r in rule.roles):
        errors["roles"] = f"A list of role names, of {', '.join(names)}."
    if rule.schedule == "daily" and rule.daily_at is None:
        errors["daily_at"] = "A daily rule needs its time."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_rule(
    actor, store, rule: AlertRule | None = None, *, via: str = "web", recipients=None, **fields
) -> AlertRule:
    """Create a rule (rule None) or change one; validated, audited."""
    _only(fields, RULE_FIELDS)
    before = None if rule is None else audit.snapshot(rule, RULE_FIELDS)
    if rule is None:
        rule = AlertRule(store=store)
    elif rule.store_id != store.pk:
        raise ValidationError({"rule": "Not a rule of this store."})
    for name, value in fields.items():
        setattr(rule, name, value)
    if isinstance(rule.threshold, (int, float, str)):
        rule.threshold = Decimal(str(rule.threshold))
    clean_rule(rule)
    rule.full_clean(exclude=["store"])
    rule.save()
    if recipients is not None:
        rule.recipients.set(recipients)
    audit.record(
        actor,
        rule,
        "create" if before is None else "update",
        before,
        audit.snapshot(rule, RULE_FIELDS),
        via=via,
    )
    return rule


@dataclass
class Round:
    """What one evaluation of a store did (or, dry, would do)."""

    opened: list[Alert] = field(default_factory=list)
    kept: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    cooling: list[tuple[AlertRule, str]] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    findings: dict[int, list] = field(default_factory=dict)


def _recipients(rule: AlertRule, people=()) -> set[int]:
    """The rule's people and the members of its roles who hold the store; with neither, the
    store's members who may view alerts (superusers see every store's anyway); and the
    finding's own `people` who hold the store (a late task's owner). A role that must not
    see costs never gets an alert of a cost metric."""
    from shopops.analytics.queries import is_cost
    from shopops.core.access import can, can_see_costs

    holding = (
        get_user_model()
        .objects.filter(Q(grants__store=rule.store_id) | Q(is_superuser=True), is_active=True)
        .distinct()
    )
    members = {u.pk: u for u in holding}
    chosen = set(rule.recipients.values_list("pk", flat=True))
    if rule.roles:
        chosen |= set(holding.filter(groups__name__in=rule.roles).values_list("pk", flat=True))
    if not chosen and not rule.roles:
        chosen = {pk for pk, u in members.items() if can(u, "alerts")}
    chosen |= {pk for pk in people if pk in members}
    if rule.metric and is_cost(rule.metric):
        users = {**members, **{u.pk: u for u in rule.recipients.all()}}
        chosen = {pk for pk in chosen if can_see_costs(users[pk])}
    return chosen


def _open(rule: AlertRule, found: evaluation.Finding, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                store_id=rule.store_id,
                rule=rule,
                scope=found.scope,
                severity=rule.severity,
                title_zh=found.title_zh[:300],
                title_en=found.title_en[:300],
                value=found.value,
                day=found.day,
                subject=found.subject,
                detail=found.detail,
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:  # another evaluation opened it a moment ago
        return None
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.OPENED, at=now)
    Notification.objects.bulk_create(
        [
            Notification(user_id=pk, alert=alert, created_at=now)
            for pk in _recipients(rule, found.people)
        ],
        ignore_conflicts=True,
    )
    delivery.enqueue(alert, "opened", now)  # the worker sends it (alerts.tasks)
    return alert


def _cooling(rule: AlertRule, now: datetime) -> set[str]:
    """The scopes the rule opened an alert for within its cooldown: one query a rule."""
    if not rule.cooldown_minutes:
        return set()
    since = now - timedelta(minutes=rule.cooldown_minutes)
    return set(Alert.objects.filter(rule=rule, opened_at__gt=since).values_list("scope", flat=True))


SEEN = ("value", "detail", "day", "title_zh", "title_en")  # what a kept alert takes anew


def _keep(alerts_found: list[tuple[Alert, evaluation.Finding]], now: datetime) -> None:
    """Alerts found again: every one seen now (one UPDATE), and the ones whose value or
    words moved saved with them; an unchanged alert costs no write of its own."""
    if not alerts_found:
        return
    Alert.objects.filter(pk__in=[a.pk for a, _ in alerts_found]).update(last_seen_at=now)
    for alert, found in alerts_found:
        alert.last_seen_at = now
        fresh = (found.value, found.detail, found.day, found.title_zh[:300], found.title_en[:300])
        if tuple(getattr(alert, f) for f in SEEN) != fresh:
            for name, value in zip(SEEN, fresh, strict=True):
                setattr(alert, name, value)
            alert.save(update_fields=list(SEEN))


def run(
    store,
    *,
    rules=None,
    now: datetime | None = None,
    day: date | None = None,
    dry_run: bool = False,
) -> Round:
    """Evaluate the store's rules (its enabled ones unless given) and apply what they found.
    `dry_run`: say what would open and resolve, write nothing (the "test this rule" button
    and `./shopops alerts evaluate --dry-run`)."""
    now = now or timezone.now()
    if rules is None:
        ensure_default_rules(store)
        rules = list(AlertRule.objects.filter(store=store, enabled=True))
    result = Round()
    outcomes = evaluation.evaluate(store, rules, now=now, day=day)
    for rule in rules:
        outcome = outcomes[rule.pk]
        if isinstance(outcome, Exception):
            result.errors[rule.pk] = f"{type(outcome).__name__}: {outcome}"
            continue  # its open alerts stay as they are: nothing was judged
        if outcome.skipped:
            result.skipped[rule.pk] = outcome.skipped
        result.findings[rule.pk] = outcome.findings
        with transaction.atomic():
            unresolved = {a.scope: a for a in locks.unresolved(rule)}
            cooling = _cooling(rule, now) if outcome.findings else set()
            scopes, kept = set(), []
            for found in outcome.findings:
                scopes.add(found.scope)
                alert = unresolved.get(found.scope)
                if alert is not None:
                    result.kept.append(alert)
                    kept.append((alert, found))
                elif found.scope in cooling:
                    result.cooling.append((rule, found.scope))
                elif dry_run:
                    result.opened.append(
                        Alert(
                            rule=rule,
                            scope=found.scope,
                            title_zh=found.title_zh,
                            title_en=found.title_en,
                            value=found.value,
                            day=found.day,
                        )
                    )
                else:
                    alert = _open(rule, found, now)
                    if alert is not None:
                        result.opened.append(alert)
            if not dry_run:
                _keep(kept, now)
            for scope, alert in unresolved.items():
                if scope in scopes or outcome.skipped:
                    continue  # a rule that could not judge leaves its alerts open
                result.resolved.append(alert)
                if not dry_run:
                    _close(alert, None, AlertEvent.Action.AUTO_RESOLVED, "", now)
            if not dry_run:
                AlertRule.objects.filter(pk=rule.pk).update(last_evaluated_at=now)
    return result


def _close(alert: Alert, actor, action: str, note: str, now: datetime) -> None:
    alert.state, alert.resolved_at = AlertState.RESOLVED, now
    alert.save(update_fields=["state", "resolved_at"])
    delivery.enqueue(alert, "resolved", now)
    AlertEvent.objects.create(
        alert=alert, action=action, actor=audit.acting_user(actor), note=note, at=now
    )


@transaction.atomic
def acknowledge(actor, alert: Alert, note: str = "") -> Alert:
    alert = locks.alert(alert.pk)
    if alert.state != AlertState.OPEN:
        raise ValidationError(
            {"state": f"The alert is {alert.state}: only an open one is acknowledged."}
        )
    now = timezone.now()
    alert.state = AlertState.ACKNOWLEDGED
    alert.save(update_fields=["state"])
    AlertEvent.objects.create(
        alert=alert,
        action=AlertEvent.Action.ACKNOWLEDGED,
        actor=audit.acting_user(actor),
        note=note,
        at=now,
    )
    return alert


@transaction.atomic
def resolve(actor, alert: Alert, note: str = "") -> Alert:
    alert = locks.alert(alert.pk)
    if alert.state == AlertState.RESOLVED:
        raise ValidationError({"state": "The alert is resolved already."})
    _close(alert, actor, AlertEvent.Action.RESOLVED, note, timezone.now())
    return alert


def mark_read(user, notifications=None) -> int:
    """Mark the user's notifications read (all unread ones unless given); returns how many."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=[n.pk if hasattr(n, "pk") else n for n in notifications])
    return rows.update(read_at=timezone.now())


CHANNEL_FIELDS = ("kind", "name", "url", "secret", "emails", "slack", "min_severity", "enabled",
                  "morning_report")  # fmt: skip
ROBOT_HOSTS = {"dingtalk": "dingtalk.com", "wecom": "qyapi.weixin.qq.com",
               "feishu": ("feishu.cn", "larksuite.com")}  # fmt: skip


def clean_channel(channel: Channel) -> None:
    """ValidationError naming the field: a malformed webhook URL, a robot URL of another
    platform's host (a loopback address is taken, for a relay or a test), bad addresses."""
    from urllib.parse import urlsplit

    from django.core.validators import URLValidator, validate_email

    errors: dict[str, str] = {}
    if channel.kind not in ChannelKind.values:
        errors["kind"] = f"Choose one of {', '.join(ChannelKind.values)}."
    elif channel.kind == ChannelKind.EMAIL:
        if not channel.emails or not isinstance(channel.emails, list):
            errors["emails"] = "At least one address."
        else:
            for address in channel.emails:
                try:
                    validate_email(address)
                except ValidationError:
                    errors["emails"] = f"Not an e-mail address: {address!r}."
    else:
        try:
            URLValidator(schemes=["https", "http"])(channel.url)
        except ValidationError:
            errors["url"] = "A full http(s) URL, as the platform gave it."
        else:
            host = urlsplit(channel.url).hostname or ""
            expected = ROBOT_HOSTS.get(channel.kind)
            local = host in ("127.0.0.1", "localhost", "::1")
            if expected and not local and not host.endswith(expected):
                errors["url"] = f"Not a {channel.get_kind_display()} address ({expected})."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_channel(actor, store, channel: Channel | None = None, *, via: str = "web",
                 **fields) -> Channel:  # fmt: skip
    """Create or change a channel. A secret or URL left empty on a change keeps the stored
    one (pages never show them back); the audit log records that they changed, not them."""
    _only(fields, CHANNEL_FIELDS)
    shown = [f for f in CHANNEL_FIELDS if f not in ("url", "secret")]
    before = None if channel is None else audit.snapshot(channel, shown)
    if channel is None:
        channel = Channel(store=store)
    elif channel.store_id != store.pk:
        raise ValidationError({"channel": "Not a channel of this store."})
    for name, value in fields.items():
        if name in ("url", "secret") and not value and channel.pk:
            continue
        setattr(channel, name, value)
    clean_channel(channel)
    channel.full_clean(exclude=["store"])
    channel.failing, channel.last_error = False, ""
    channel.save()
    after = audit.snapshot(channel, shown)
    if {"url", "secret"} & {k for k, v in fields.items() if v}:
        after["credentials"] = "changed"
    audit.record(actor, channel, "create" if before is None else "update", before, after,
                 via=via)  # fmt: skip
    return channel


def send_test_message(actor, channel: Channel) -> Delivery:
    """Queue a test message to the channel (the page's "send a test message")."""
    who = getattr(actor, "username", "") or "ShopOps"
    text = f"{channel.store.name} 的预警会发到这里（{who} 发送的测试消息）。"
    return delivery.queue_message(channel, "test", "【测试】ShopOps 预警通道", text)
