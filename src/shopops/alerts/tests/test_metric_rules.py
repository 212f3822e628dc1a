"""Metric rules against a store's imported files, each checked with numbers queried
directly: a steady store whose conversion falls one Wednesday (visitors as usual, a third
of the buyers) fires the default conversion and week-over-week GMV rules on that day and
nothing on the ordinary day before; a goal's target, an industry benchmark, an absolute
value and a filtered slice are judged the same way, and the day after clears the alerts."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from shopops.alerts import services
from shopops.alerts.models import Alert, AlertRule, AlertState, Benchmark
from shopops.analytics.queries import metrics
from shopops.core import services as core_services
from shopops.monitoring.tests.scene import import_rows
from shopops.planning import goals

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2024, 6, 26)  # a Wednesday: a third of the usual buyers
FIRST = DAY - timedelta(weeks=9)
LAST = DAY + timedelta(days=1)  # back to usual


@pytest.fixture
def store(tmp_path):
    rng = random.Random(15)
    made = core_services.create_store(None, code="cvr", name="转化店", platform="tmall")
    traffic, orders = [], []
    n = 0
    for i in range((LAST - FIRST).days + 1):
        day = FIRST + timedelta(days=i)
        noise = 1 + rng.uniform(-0.03, 0.03)
        traffic.append(f"{day},natural_search,{round(2000 * noise)}")
        buyers = round(60 * noise) // (3 if day == DAY else 1)
        for k in range(buyers):
            n += 1
            province = "浙江" if k % 2 else "广东"
            orders.append(f"O{n},100.00,{day} 10:00,{day} 10:{k % 60:02d},c{n},{province}")
    import_rows(made, tmp_path, traffic=traffic, orders=orders)
    services.ensure_default_rules(made)
    return made


def _at(store, day):
    """The morning after `day`, when daily rules judge it."""
    return datetime.combine(day + timedelta(days=1), time(9), store.zone)


def _run(store, day, keys=None):
    rules = AlertRule.objects.filter(store=store, enabled=True).exclude(metric="")
    if keys:
        rules = rules.filter(default_key__in=keys)
    return services.run(store, rules=list(rules), now=_at(store, day), day=day)


def _opened(result) -> dict[str, str]:
    return {a.rule.default_key or a.rule.name: a.title_zh for a in result.opened}


def test_a_day_whose_conversion_fell_fires_its_rules_and_an_ordinary_day_nothing(store):
    (before,) = metrics(["gmv", "cvr"], store, DAY - timedelta(days=7), DAY - timedelta(days=7),
                        "none")  # fmt: skip
    (day,) = metrics(["gmv", "cvr"], store, DAY, DAY, "none")
    fell = day["gmv"] / before["gmv"] - 1
    assert fell < Decimal("-0.6")  # the premise, read directly
    # The ordinary day before: no metric rule fires.
    assert _opened(_run(store, DAY - timedelta(days=1))) == {}
    fired = _opened(_run(store, DAY))
    assert set(fired) == {"cvr_unusual", "gmv_week"}, fired
    assert fired["gmv_week"].startswith(f"销售额较上周同日 {fell * 100:+.1f}%")
    assert "转化率" in fired["cvr_unusual"] and "稳健 z 分数 -" in fired["cvr_unusual"]
    (alert,) = Alert.objects.filter(rule__default_key="cvr_unusual")
    assert alert.day == DAY and alert.subject["kind"] == "metric"
    assert alert.value == day["cvr"]
    # The next day is usual again: both alerts resolve themselves.
    cleared = _run(store, LAST)
    assert {a.rule.default_key for a in cleared.resolved} == {"cvr_unusual", "gmv_week"}
    assert not Alert.objects.exclude(state=AlertState.RESOLVED).exists()


def test_the_days_target_a_benchmark_a_value_and_a_slice(store):
    (day,) = metrics(["gmv", "cvr"], store, DAY, DAY, "none")
    june = (date(2024, 6, 1), date(2024, 6, 30))
    goals.create_goal(None, store, name="六月销售额", metric="gmv", period="month",
                      target=Decimal(6000 * 30), start=june[0], end=june[1])  # fmt: skip
    target = goals.targets(store, ["gmv"], DAY, DAY)[("gmv", DAY)]
    Benchmark.objects.create(store=store, metric="cvr", value=Decimal("0.05"), source="行业均值")
    under = services.save_rule(None, store, name="销售额低于 3000", metric="gmv", condition="below",
                               threshold=Decimal(3000))  # fmt: skip
    guangdong = services.save_rule(None, store, name="广东销售额低于 1500", metric="gmv",
                                   condition="below", threshold=Decimal(1500),
                                   filters={"province": ["广东"]})  # fmt: skip
    cvr_bench = services.save_rule(None, store, name="转化率低于行业 20%", metric="cvr",
                                   condition="benchmark", threshold=Decimal("0.2"))  # fmt: skip
    rules = [AlertRule.objects.get(store=store, default_key="gmv_target"), under, guangdong,
             cvr_bench]  # fmt: skip
    result = services.run(store, rules=rules, now=_at(store, DAY), day=DAY)
    fired = {a.rule.name: a for a in result.opened}
    achieved = day["gmv"] / target
    assert achieved < Decimal("0.8")
    assert f"达成率 {achieved * 100:.1f}%" in fired["销售额达成率低于 80%"].title_zh
    assert fired["销售额低于 3000"].value == day["gmv"] < 3000
    (gd,) = metrics(["gmv"], store, DAY, DAY, "none", filters={"province": ["广东"]})
    assert (fired["广东销售额低于 1500"].value == gd["gmv"] < 1500) and gd["gmv"] < day["gmv"]
    assert fired["广东销售额低于 1500"].scope == "gmv|province=广东"
    assert day["cvr"] < Decimal("0.04")  # 20% under the 5% benchmark
    assert "较行业基准 5.00%" in fired["转化率低于行业 20%"].title_zh
    # On the ordinary day before, with the same rules: on target and over both values
    # (those alerts resolve), and conversion still 20% under the benchmark (kept).
    prior = DAY - timedelta(days=1)
    (usual,) = metrics(["gmv", "cvr"], store, prior, prior, "none")
    assert usual["gmv"] / goals.targets(store, ["gmv"], prior, prior)[("gmv", prior)] >= Decimal(
        "0.8"
    )
    assert usual["gmv"] >= 3000 and usual["cvr"] < Decimal("0.04")
    before = services.run(store, rules=rules, now=_at(store, prior), day=prior)
    resolved = {a.rule.name for a in before.resolved}
    assert resolved == {"销售额达成率低于 80%", "销售额低于 3000", "广东销售额低于 1500"}
    assert [a.rule.name for a in before.kept] == ["转化率低于行业 20%"]


def test_a_rule_that_cannot_judge_says_why_and_leaves_its_alerts(store):
    ctr = AlertRule.objects.get(store=store, default_key="ctr_benchmark")
    result = services.run(store, rules=[ctr], now=_at(store, DAY), day=DAY)
    assert result.skipped[ctr.pk] == f"ctr: no data on {DAY}"  # no impressions imported
    rule = services.save_rule(None, store, name="转化率低于行业", metric="cvr",
                              condition="benchmark", threshold=Decimal("0.2"))  # fmt: skip
    Benchmark.objects.create(store=store, metric="cvr", value=Decimal("0.05"))
    (alert,) = services.run(store, rules=[rule], now=_at(store, DAY), day=DAY).opened
    Benchmark.objects.filter(store=store).delete()
    later = services.run(store, rules=[rule], now=_at(store, LAST), day=LAST)
    assert later.skipped[rule.pk] == "cvr: no benchmark entered"
    assert later.resolved == [] and later.errors == {}
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN  # nothing was judged: it is not resolved
