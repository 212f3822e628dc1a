"""The default rules on the demo store fire on what its data makes true and on nothing else,
each checked against numbers queried directly: the stock rows under their lines, the paid
orders past the 48-hour promise, the recent 1–2 star reviews; on a normal day no metric
rule; on a day whose conversion fell (the traffic export doubled that day, as a broken
tracking code would), the conversion rule."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import F

from shopops.alerts import services
from shopops.alerts.evaluation import UNSHIPPED_DAYS
from shopops.alerts.models import AlertRule
from shopops.analytics.cache import facts_changed
from shopops.analytics.queries import metrics
from shopops.core import services as core_services
from shopops.devtools import demo_data
from shopops.inventory.models import StockLevel
from shopops.inventory.queries import alert_state
from shopops.marketing.models import TrafficFact
from shopops.orders.queries import overdue
from shopops.service.models import Review

pytestmark = pytest.mark.django_db(transaction=True)  # the engine reads committed rows

END = date(2025, 9, 30)
NORMAL = date(2025, 9, 23)  # a Tuesday of September: no event, no holiday
FELL = date(2025, 9, 24)


@pytest.fixture
def demo_store():
    store = core_services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    demo_data.load(store, seed=3, months=4, end=END, target_orders=12000, progress=lambda m: None)
    services.ensure_default_rules(store)
    return store


def _fired(store, day) -> dict[str, list]:
    now = datetime.combine(day + timedelta(days=1), time(9), store.zone)
    result = services.run(store, now=now, day=day, dry_run=True)
    assert result.errors == {}
    out: dict[str, list] = {}
    for alert in result.opened:
        out.setdefault(alert.rule.default_key, []).append(alert)
    return out


def test_the_default_rules_fire_on_what_the_demo_makes_true(demo_store):
    store = demo_store
    fired = _fired(store, NORMAL)
    now = datetime.combine(NORMAL + timedelta(days=1), time(9), store.zone)
    # Stock: exactly the rows under their lines, by the inventory's own rule.
    rows = StockLevel.objects.filter(store=store).select_related("sku", "warehouse")
    states = {f"stock:{r.sku.code}@{r.warehouse.code}": alert_state(r) for r in rows}
    safety = {s for s, state in states.items() if state == "below_safety"}
    warning = {s for s, state in states.items() if state == "below_warning"}
    assert safety and warning  # the demo has both
    assert {a.scope for a in fired["stock_safety"]} == safety
    assert {a.scope for a in fired["stock_warning"]} == warning
    # The paid orders past the promise, paid in the last 30 days.
    late = overdue(store, now=now).filter(paid_at__gte=now - UNSHIPPED_DAYS).count()
    if late:
        (unshipped,) = fired["unshipped"]
        assert unshipped.value == late
    else:
        assert "unshipped" not in fired
    # The 1–2 star reviews of the last 7 days, one alert each.
    bad = Review.objects.filter(store=store, rating__lte=2, created_at__gte=now - timedelta(7))
    assert {a.scope for a in fired.get("bad_review", [])} == {f"review:{r.review_id}" for r in bad}
    # No metric rule fires on a normal day (the demo has no goals here, no benchmark).
    metric_keys = set(AlertRule.objects.filter(store=store).exclude(metric="").values_list(
        "default_key", flat=True))  # fmt: skip
    assert not metric_keys & set(fired), {k: fired[k] for k in metric_keys & set(fired)}
    assert set(fired) <= {"stock_safety", "stock_warning", "unshipped", "bad_review",
                          "no_tracking"}  # fmt: skip


def test_a_day_whose_conversion_fell_fires_the_conversion_rule(demo_store):
    store = demo_store
    TrafficFact.objects.filter(store=store, date=FELL).update(visitors=F("visitors") * 2)
    facts_changed(store.pk)
    (usual,) = metrics(["cvr"], store, FELL - timedelta(days=7), FELL - timedelta(days=7), "none")
    (fell,) = metrics(["cvr"], store, FELL, FELL, "none")
    assert fell["cvr"] < usual["cvr"] * 6 / 10  # the premise, read directly
    fired = _fired(store, FELL)
    (alert,) = fired["cvr_unusual"]
    assert alert.value == fell["cvr"] and alert.day == FELL
    assert "gmv_week" not in fired  # GMV itself did not fall
