"""An alert's life against a store's real records: a stock row below its safety line opens
one alert (evaluating again opens nothing), notifies the people who may see alerts, clears
when the stock is back, does not re-fire inside its cooldown, and keeps who acknowledged
and resolved it. Rules are validated by field; a broken rule never stops the others."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shopops.alerts import services
from shopops.alerts.defaults import DEFAULT_RULES
from shopops.alerts.models import Alert, AlertEvent, AlertRule, AlertState, Notification
from shopops.catalog.models import Product, Sku
from shopops.core.access import can
from shopops.ingest.models import ImportRun
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(store_a):
    """Store A with one SKU at 30 units in one warehouse, its safety line at 20."""
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    sku = Sku.objects.create(store=store_a, product=product, code="CUP-1", price=Decimal("59"))
    wh = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    stock.receive(None, store_a, sku, wh, 30)
    StockLevel.objects.filter(sku=sku).update(safety_stock=20, warning_stock=40)
    return store_a, sku, wh


def _rule(store, key):
    return AlertRule.objects.get(store=store, default_key=key)


def _only(store, key, now):
    return services.run(store, rules=[_rule(store, key)], now=now)


def test_every_store_gets_the_default_rules_once(store_a):
    assert services.ensure_default_rules(store_a) == len(DEFAULT_RULES)
    assert services.ensure_default_rules(store_a) == 0
    assert AlertRule.objects.filter(store=store_a).count() == len(DEFAULT_RULES)


def test_stock_below_its_line_opens_one_alert_until_it_clears(shelf, role_users):
    store, sku, _ = shelf
    services.ensure_default_rules(store)
    now = timezone.now()
    # 30 available: under the warning line (40), over the safety line (20).
    assert _only(store, "stock_safety", now).opened == []
    warned = _only(store, "stock_warning", now)
    assert [a.scope for a in warned.opened] == ["stock:CUP-1@HZ"]
    assert "低于预警线 40" in warned.opened[0].title_zh
    # Reserve 15: 15 available, under the safety line: that rule's alert, and the warning
    # rule's stays the one alert it was (the row is now below safety, not just warning).
    StockLevel.objects.filter(sku=sku).update(reserved=15)
    first = _only(store, "stock_safety", now)
    (alert,) = first.opened
    assert alert.severity == "critical" and alert.value == 15
    assert alert.subject == {"kind": "sku", "sku": "CUP-1", "warehouse": "HZ"}
    # Evaluating twice in a row opens (and notifies) nothing new.
    again = _only(store, "stock_safety", now + timedelta(minutes=5))
    assert again.opened == [] and [a.pk for a in again.kept] == [alert.pk]
    assert Alert.objects.filter(rule=alert.rule).count() == 1
    # Everyone granted the store who may view alerts got it once; the others did not.
    notified = set(
        Notification.objects.filter(alert=alert).values_list("user__username", flat=True)
    )
    may_see = {name for name, user in role_users.items() if can(user, "alerts")}
    assert notified == may_see and "ops_lead" in notified and len(may_see) < len(role_users)
    assert Notification.objects.filter(alert=alert).count() == len(notified)
    # The stock is back: the alert resolves itself, with the reason in its history.
    StockLevel.objects.filter(sku=sku).update(reserved=0, on_hand=100)
    cleared = _only(store, "stock_safety", now + timedelta(minutes=10))
    assert [a.pk for a in cleared.resolved] == [alert.pk]
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert list(alert.events.values_list("action", flat=True)) == ["opened", "auto_resolved"]


def test_a_rule_in_cooldown_does_not_fire_again(shelf):
    store, sku, _ = shelf
    services.ensure_default_rules(store)
    rule = _rule(store, "stock_safety")
    assert rule.cooldown_minutes == 12 * 60
    now = timezone.now()
    StockLevel.objects.filter(sku=sku).update(reserved=15)
    assert len(_only(store, "stock_safety", now).opened) == 1
    StockLevel.objects.filter(sku=sku).update(reserved=0)
    assert len(_only(store, "stock_safety", now + timedelta(hours=1)).resolved) == 1
    StockLevel.objects.filter(sku=sku).update(reserved=15)  # down again within 12 h
    cooling = _only(store, "stock_safety", now + timedelta(hours=2))
    assert cooling.opened == [] and [s for _, s in cooling.cooling] == ["stock:CUP-1@HZ"]
    later = _only(store, "stock_safety", now + timedelta(hours=13))
    assert len(later.opened) == 1
    assert Alert.objects.filter(rule=rule).count() == 2


def test_who_acknowledged_and_resolved_is_kept(shelf, role_users):
    store, sku, _ = shelf
    services.ensure_default_rules(store)
    StockLevel.objects.filter(sku=sku).update(reserved=15)
    (alert,) = _only(store, "stock_safety", timezone.now()).opened
    lead = role_users["ops_lead"]
    services.acknowledge(lead, alert, "已联系供应商补货")
    with pytest.raises(ValidationError) as raised:
        services.acknowledge(lead, alert)
    assert "state" in raised.value.message_dict
    services.resolve(lead, alert, "补货到仓")
    history = list(alert.events.values_list("action", "actor__username", "note"))
    assert history == [
        ("opened", None, ""),
        ("acknowledged", "ops_lead", "已联系供应商补货"),
        ("resolved", "ops_lead", "补货到仓"),
    ]
    # Resolved by hand while the stock is still low: the next evaluation is in cooldown.
    assert _only(store, "stock_safety", timezone.now()).opened == []


def test_an_import_that_rejected_rows_is_an_alert_linking_its_run(store_a):
    services.ensure_default_rules(store_a)
    now = timezone.now()
    run = ImportRun.objects.create(
        store=store_a, kind="orders", format="csv", file_name="订单.csv",
        status=ImportRun.Status.DONE, rejected=3, finished_at=now,
    )  # fmt: skip
    (alert,) = _only(store_a, "import_failed", now).opened
    assert alert.subject == {"kind": "import", "run": run.pk}
    assert alert.title_zh == "导入有 3 行被拒：订单.csv"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"metric": "gmvv", "condition": "below", "threshold": 1}, "metric"),
        ({"metric": "gmv", "condition": "target", "threshold": 0}, "threshold"),
        ({"metric": "gmv", "condition": "sometimes", "threshold": 1}, "condition"),
        ({"metric": "gmv", "condition": "below"}, "threshold"),
        ({"metric": "cvr", "condition": "statistical", "threshold": 50}, "threshold"),
        ({"metric": "gmv", "event": "stock_safety", "condition": "below", "threshold": 1},
         "metric"),
        ({"metric": "gmv", "condition": "below", "threshold": 1, "filters": {"colour": ["red"]}},
         "filters"),
        ({"event": "unshipped", "schedule": "daily", "daily_at": None}, "daily_at"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_refused_naming_the_field(store_a, fields, named):
    with pytest.raises(ValidationError) as raised:
        services.save_rule(None, store_a, name="规则", **fields)
    assert named in raised.value.message_dict
    assert not AlertRule.objects.filter(store=store_a, name="规则").exists()


def test_one_broken_rule_never_stops_the_others(shelf):
    store, sku, _ = shelf
    services.ensure_default_rules(store)
    broken = services.save_rule(None, store, name="坏规则", metric="gmv", condition="below",
                                threshold=Decimal(1))  # fmt: skip
    AlertRule.objects.filter(pk=broken.pk).update(condition="nonsense")  # bypassing validation
    broken.refresh_from_db()
    StockLevel.objects.filter(sku=sku).update(reserved=15)
    result = services.run(store, rules=[broken, _rule(store, "stock_safety")])
    assert "nonsense" in result.errors[broken.pk]
    assert len(result.opened) == 1


def test_a_dry_run_writes_nothing(shelf):
    store, sku, _ = shelf
    services.ensure_default_rules(store)
    StockLevel.objects.filter(sku=sku).update(reserved=15)
    result = services.run(store, rules=[_rule(store, "stock_safety")], dry_run=True)
    assert [a.scope for a in result.opened] == ["stock:CUP-1@HZ"]
    assert not Alert.objects.exists() and not AlertEvent.objects.exists()
    assert _rule(store, "stock_safety").last_evaluated_at is None
