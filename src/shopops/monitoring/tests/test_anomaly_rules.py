"""Anomaly rules that fit the store: a steady store (its days vary by ±3%) whose GMV falls
18% one weekday because one ad plan's paid traffic stopped is flagged, with no goal set, and
the note names the rule and the cause; its ordinary weekdays are not. Thresholds the team
sets in the store's report settings come before the statistical test and say so."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shopops.core import services
from shopops.monitoring import daily_report
from shopops.monitoring.models import ReportSettings, clean_thresholds
from shopops.monitoring.tests.scene import import_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2024, 6, 26)  # a Wednesday: plan 春季上新 stops, its paid traffic with it
FIRST = DAY - timedelta(weeks=9)
SOURCES = {"natural_search": 1200, "paid": 500, "campaign": 100, "member": 300}


@pytest.fixture
def steady(tmp_path):
    rng = random.Random(18)
    store = services.create_store(None, code="steady", name="稳定店", platform="tmall")
    traffic, ads, orders, lines = [], [], [], []
    n = 0
    for i in range((DAY - FIRST).days + 1):
        day = FIRST + timedelta(days=i)
        noise = 1 + rng.uniform(-0.03, 0.03)  # the store's usual day-to-day variation
        visits = {s: round(v * noise) for s, v in SOURCES.items()}
        if day == DAY:
            visits["paid"] = round(visits["paid"] * 0.14)  # 86% of paid traffic gone
        traffic += [f"{day},{s},{v}" for s, v in visits.items()]
        spring = "0,0,0.00,0,0.00" if day == DAY else "20000,900,300.00,12,1500.00"
        ads.append(f"{day},直通车,春季上新,{spring}")
        for k in range(sum(visits.values()) * 3 // 100):  # 3% of visitors buy, 100 each
            n += 1
            orders.append(f"O{n},100.00,{day} 10:00,{day} 10:{k % 60:02d},c{n},浙江")
            lines.append(f"O{n},S{k % 3},1,100.00,杯具")
    import_rows(store, tmp_path, traffic=traffic, ads=ads, orders=orders, order_lines=lines)
    return store


def _gmv(store, day):
    return daily_report.build(store, day).rows.get(metric="gmv")


def test_a_steady_stores_18_percent_fall_is_flagged_and_explained(steady):
    gmv = _gmv(steady, DAY)
    assert Decimal("-0.20") < gmv.week_change < Decimal("-0.15")
    assert gmv.anomaly and gmv.anomaly_reason == "statistical"
    assert gmv.note_zh.startswith("【偏离近 8 周同日的常态（稳健 z 分数 -")
    assert "付费流量" in gmv.note_zh and "春季上新" in gmv.note_zh
    assert gmv.note_en.startswith("[unusual for the weekday over 8 weeks (robust z-score -")
    # Every ordinary day of the last four weeks: no GMV alarm, and at most one day in ten
    # with any new flag at all (the noise budget, issue 23).
    flagged = []
    for back in range(1, 29):
        report = daily_report.build(steady, DAY - timedelta(days=back))
        assert not report.rows.get(metric="gmv").anomaly, back
        flagged += [back] if report.rows.filter(anomaly=True).exists() else []
    assert len(flagged) <= 28 // 10, flagged


def test_the_teams_threshold_comes_first_and_is_named(steady):
    ReportSettings.objects.create(store=steady, thresholds={"gmv": {"baseline": "0.15"}})
    gmv = _gmv(steady, DAY)
    assert gmv.anomaly_reason == "threshold"
    assert "超过设定阈值 15.0%" in gmv.note_zh and "beyond the threshold of 15.0%" in gmv.note_en
    ReportSettings.objects.filter(store=steady).update(thresholds={"gmv": {"baseline": "0.25"}})
    assert _gmv(steady, DAY).anomaly_reason == "statistical"  # past 25%? no; unusual still


def test_a_metrics_own_target_share(steady):
    from shopops.planning import goals

    goals.create_goal(
        None,
        steady,
        name="六月",
        metric="gmv",
        target=Decimal("210000.00"),  # about 7,000 a day; the store makes about 6,300
        period="month",
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
    )
    ordinary = DAY - timedelta(days=1)
    row = _gmv(steady, ordinary)
    assert Decimal("0.85") < row.achievement < Decimal("0.95") and not row.anomaly
    ReportSettings.objects.create(store=steady, thresholds={"gmv": {"target": "0.95"}})
    # Under 95% for days on end: flagged on the run's first day, an ongoing condition after.
    row = _gmv(steady, ordinary)
    since = row.ongoing_since
    assert not row.anomaly and since is not None and date(2024, 6, 1) <= since < ordinary
    days = (ordinary - since).days + 1
    assert row.note_zh.startswith(f"【持续：连续 {days} 天低于目标（自 {since}）")
    assert "距目标 -" in row.note_zh
    (item,) = [i for i in row.report.context["ongoing"] if i["metric"] == "gmv"]
    assert item["days"] == days and item["remaining_days"] == 5
    first = _gmv(steady, since)
    assert first.anomaly_reason == "goal" and "低于目标的 95.0%" in first.note_zh


def test_thresholds_are_checked():
    assert clean_thresholds({"gmv": {"baseline": 0.15, "target": ""}}) == {
        "gmv": {"baseline": "0.15"}
    }
    for bad in (
        {"nope": {"baseline": "0.1"}},
        {"gmv": {"sideways": "0.1"}},
        {"gmv": {"baseline": "1.5"}},
        {"gmv": {"baseline": "abc"}},
        {"gmv": {"baseline": "0"}},
        ["gmv"],
    ):
        with pytest.raises(ValidationError):
            clean_thresholds(bad)
