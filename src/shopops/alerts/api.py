"""/api/v1/alerts: alerts (list, one, acknowledge, resolve), rules and channels. Whoever
may view alerts sees its stores' alerts and acknowledges or resolves them; only those who
may change alerts (the ops lead, the admin) write rules and channels. Channel URLs and
secrets are never answered, only masked."""

from datetime import time
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from shopops.alerts import queries, services
from shopops.alerts.models import AlertRule, Channel
from shopops.core.access import can, get_scoped_or_404, granted_stores
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses

router = Router(tags=["alerts"], auth=ModuleAuth("alerts", "view"))


class AlertOut(Schema):
    id: int
    store: str
    rule: str
    rule_id: int
    scope: str
    state: str
    severity: str
    title_zh: str
    title_en: str
    value: str | None
    day: str | None
    subject: dict[str, Any]
    detail: dict[str, Any]
    opened_at: str
    last_seen_at: str
    resolved_at: str | None


class NoteIn(Schema):
    note: str = ""


class RuleIn(Schema):
    name: str | None = None
    metric: str | None = None
    condition: str | None = None
    event: str | None = None
    filters: dict[str, list[str]] | None = None
    threshold: Decimal | None = None
    direction: str | None = None
    severity: str | None = None
    schedule: str | None = None
    daily_at: time | None = None
    cooldown_minutes: int | None = None
    enabled: bool | None = None
    roles: list[str] | None = None


class RuleOut(Schema):
    id: int
    name: str
    metric: str
    condition: str
    event: str
    filters: dict[str, list[str]]
    threshold: str | None
    direction: str
    severity: str
    schedule: str
    daily_at: str | None
    cooldown_minutes: int
    enabled: bool
    roles: list[str]
    default_key: str
    last_evaluated_at: str | None


class ChannelIn(Schema):
    kind: str | None = None
    name: str | None = None
    url: str | None = None
    secret: str | None = None
    emails: list[str] | None = None
    slack: bool | None = None
    min_severity: str | None = None
    enabled: bool | None = None
    morning_report: bool | None = None


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    url: str  # masked
    signed: bool
    emails: list[str]
    slack: bool
    min_severity: str
    enabled: bool
    morning_report: bool
    failing: bool
    last_error: str


def _rule(rule: AlertRule) -> dict:
    return {
        "id": rule.pk, "name": rule.name, "metric": rule.metric, "condition": rule.condition,
        "event": rule.event, "filters": rule.filters,
        "threshold": None if rule.threshold is None else str(rule.threshold.normalize()),
        "direction": rule.direction, "severity": rule.severity, "schedule": rule.schedule,
        "daily_at": rule.daily_at.strftime("%H:%M") if rule.daily_at else None,
        "cooldown_minutes": rule.cooldown_minutes, "enabled": rule.enabled, "roles": rule.roles,
        "default_key": rule.default_key,
        "last_evaluated_at": rule.last_evaluated_at.isoformat() if rule.last_evaluated_at else None,
    }  # fmt: skip


def _channel(c: Channel) -> dict:
    return {"id": c.pk, "kind": c.kind, "name": c.name, "url": c.masked_url,
            "signed": bool(c.secret), "emails": c.emails, "slack": c.slack,
            "min_severity": c.min_severity, "enabled": c.enabled,
            "morning_report": c.morning_report, "failing": c.failing,
            "last_error": c.last_error}  # fmt: skip


def _may_change(request) -> None:
    if not can(request.auth, "alerts", "change"):
        raise HttpError(403, "Your role may not change alert rules or channels.")


def _alert(request, pk: int):
    return get_object_or_404(queries.alerts_of(granted_stores(request.auth), viewer=request.auth),
                             pk=pk)  # fmt: skip


@router.get("", response=responses({200: list[AlertOut]}, 404), summary="Alerts, newest first")
def list_alerts(request, store: str | None = None, state: str = "open", severity: str = ""):
    """`state`: open (not resolved yet, the default), acknowledged, resolved or all."""
    stores = [get_scoped_or_404(Store, request.auth, code=store)] if store else granted_stores(
        request.auth)  # fmt: skip
    rows = queries.alerts_of(stores, state="" if state == "all" else state, severity=severity,
                             viewer=request.auth)[:500]  # fmt: skip
    return [queries.as_dict(a) for a in rows]


@router.get("/{int:alert_id}", response=responses({200: AlertOut}, 404), summary="One alert")
def get_alert(request, alert_id: int):
    return queries.as_dict(_alert(request, alert_id))


@router.post("/{int:alert_id}/acknowledge", response=responses({200: AlertOut}, 400, 404),
             summary="Acknowledge an open alert")  # fmt: skip
def acknowledge(request, alert_id: int, payload: NoteIn):
    return queries.as_dict(services.acknowledge(request.auth, _alert(request, alert_id),
                                                payload.note))  # fmt: skip


@router.post("/{int:alert_id}/resolve", response=responses({200: AlertOut}, 400, 404),
             summary="Resolve an alert")  # fmt: skip
def resolve(request, alert_id: int, payload: NoteIn):
    return queries.as_dict(services.resolve(request.auth, _alert(request, alert_id), payload.note))


@router.get("/rules", response=responses({200: list[RuleOut]}, 404), summary="A store's rules")
def list_rules(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    services.ensure_default_rules(target)
    return [_rule(r) for r in queries.rules_of(target, request.auth)]


@router.post("/rules", response=responses({201: RuleOut}, 400, 404), summary="Create a rule")
def create_rule(request, store: str, payload: RuleIn):
    _may_change(request)
    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = payload.dict(exclude_none=True)
    return Status(201, _rule(services.save_rule(request.auth, target, via="api", **fields)))


@router.patch("/rules/{int:rule_id}", response=responses({200: RuleOut}, 400, 404),
              summary="Change a rule (switch it on or off with enabled)")  # fmt: skip
def change_rule(request, rule_id: int, payload: RuleIn):
    _may_change(request)
    rule = get_object_or_404(AlertRule, pk=rule_id, store__in=granted_stores(request.auth))
    if not queries.rules_of(rule.store, request.auth).filter(pk=rule.pk).exists():
        raise HttpError(404, "Not found")
    fields = payload.dict(exclude_none=True)
    return _rule(services.save_rule(request.auth, rule.store, rule, via="api", **fields))


@router.get("/channels", response=responses({200: list[ChannelOut]}, 404),
            summary="A store's channels (URLs masked)")  # fmt: skip
def list_channels(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return [_channel(c) for c in Channel.objects.filter(store=target)]


@router.post("/channels", response=responses({201: ChannelOut}, 400, 404), summary="Add a channel")
def create_channel(request, store: str, payload: ChannelIn):
    _may_change(request)
    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = payload.dict(exclude_none=True)
    return Status(201, _channel(services.save_channel(request.auth, target, via="api", **fields)))


@router.patch("/channels/{int:channel_id}", response=responses({200: ChannelOut}, 400, 404),
              summary="Change a channel (an empty URL or secret keeps the stored one)")  # fmt: skip
def change_channel(request, channel_id: int, payload: ChannelIn):
    _may_change(request)
    channel = get_object_or_404(Channel, pk=channel_id, store__in=granted_stores(request.auth))
    fields = payload.dict(exclude_none=True)
    return _channel(services.save_channel(request.auth, channel.store, channel, via="api",
                                          **fields))  # fmt: skip


@router.post("/channels/{int:channel_id}/test", response=responses({202: dict[str, int]}, 404),
             summary="Queue a test message to a channel")  # fmt: skip
def test_channel(request, channel_id: int):
    _may_change(request)
    channel = get_object_or_404(Channel, pk=channel_id, store__in=granted_stores(request.auth))
    return Status(202, {"delivery": services.send_test_message(request.auth, channel).pk})


class BenchmarkIn(Schema):
    metric: str
    value: Decimal
    source: str = ""


class BenchmarksIn(Schema):
    items: list[BenchmarkIn]


class BenchmarkOut(Schema):
    metric: str
    value: str
    source: str
    updated_at: str


def _benchmarks(request, target) -> list[dict]:
    from shopops.alerts import benchmarks

    hidden = set(queries.hidden_metrics(request.auth))
    return [
        {"metric": b.metric, "value": str(b.value), "source": b.source,
         "updated_at": b.updated_at.isoformat()}
        for b in benchmarks.of_store(target, hidden)
    ]  # fmt: skip


@router.get("/benchmarks", response=responses({200: list[BenchmarkOut]}, 404),
            summary="A store's benchmarks (行业基准) for its benchmark rules")  # fmt: skip
def list_benchmarks(request, store: str):
    return _benchmarks(request, get_scoped_or_404(Store, request.auth, code=store))


@router.put("/benchmarks", response=responses({200: list[BenchmarkOut]}, 400, 404),
            summary="Set benchmarks of a store, all or none; the others are kept")  # fmt: skip
def set_benchmarks(request, store: str, payload: BenchmarksIn):
    from django.core.exceptions import ValidationError

    from shopops.alerts import benchmarks

    _may_change(request)
    target = get_scoped_or_404(Store, request.auth, code=store)
    hidden = set(queries.hidden_metrics(request.auth))
    rows = [benchmarks.BenchmarkRow(i.metric, i.value, i.source) for i in payload.items]
    for n, row in enumerate(rows):  # each refusal named by its item
        try:
            key = benchmarks.check(row).metric
        except ValidationError as exc:
            raise ValidationError(
                {f"items[{n}].{k}": v for k, v in exc.message_dict.items()}
            ) from None
        if key in hidden:
            raise ValidationError({f"items[{n}].metric": f"unknown metric {row.metric!r}"})
    benchmarks.set_benchmarks(request.auth, target, rows, via="api")
    return _benchmarks(request, target)


@router.delete("/benchmarks/{metric}", response=responses({204: None}, 404),
               summary="Remove a store's benchmark of a metric")  # fmt: skip
def remove_benchmark(request, metric: str, store: str):
    from shopops.alerts import benchmarks

    _may_change(request)
    target = get_scoped_or_404(Store, request.auth, code=store)
    if metric in queries.hidden_metrics(request.auth) or not benchmarks.remove(
        request.auth, target, metric, via="api"
    ):
        raise HttpError(404, "Not found")
    return Status(204, None)
