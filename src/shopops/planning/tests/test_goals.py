"""Goal decomposition (template 1): parts add up, seasonality from last year, hand
adjustments, achievement and projection."""

from datetime import date
from decimal import Decimal
from statistics import median

import pytest
from django.core.exceptions import ValidationError

from shopops.analytics.tests.test_dimensions_costs_compare import FILES, load
from shopops.core import services
from shopops.planning import goals
from shopops.planning.models import GoalDay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def quarter_goal(store, **changes):
    fields = {
        "name": "Q4 销售额",
        "metric": "gmv",
        "target": Decimal("5000000.00"),
        "period": "quarter",
        "start": date(2026, 10, 1),
        "end": date(2026, 12, 31),
        "department": "运营部",
        "calculation_note": "日均 5.4 万 x 92 天",
        **changes,
    }
    return goals.create_goal(None, store, **fields)


@pytest.fixture
def history_store():
    from shopops.devtools import demo_data

    store = services.create_store(None, code="h", name="H", platform="tmall")
    demo_data.load(
        store,
        seed=11,
        months=3,
        end=date(2025, 12, 31),
        target_orders=6000,
        progress=lambda m: None,
    )
    return store


def test_quarter_days_add_up_and_double_eleven_weighs_more(history_store):
    goal = quarter_goal(history_store)
    goal.refresh_from_db()
    days = list(GoalDay.objects.filter(goal=goal))
    assert len(days) == 92 and goal.weighting == "last_year"
    assert sum(d.target for d in days) == goal.target
    by_day = {d.day: d.target for d in days}
    ordinary = median(by_day.values())
    assert by_day[date(2026, 11, 11)] > 2 * ordinary
    # Months and weeks are sums of days and add up too.
    months = goals.parts(goal, "month")
    assert [m for m, _ in months] == ["2026-10", "2026-11", "2026-12"]
    assert sum(v for _, v in months) == goal.target
    assert sum(v for _, v in goals.parts(goal, "week")) == goal.target


def test_hand_adjustment_keeps_the_quarter_whole(history_store):
    goal = quarter_goal(history_store)
    goals.adjust(goal, date(2026, 10, 1), date(2026, 10, 7), Decimal("700000.00"))
    days = {d.day: d for d in GoalDay.objects.filter(goal=goal)}
    golden_week = [days[date(2026, 10, d)] for d in range(1, 8)]
    assert sum(d.target for d in golden_week) == Decimal("700000.00")
    assert all(d.adjusted for d in golden_week)
    assert sum(d.target for d in days.values()) == goal.target
    # A later re-spread leaves the hand-set days alone.
    goals.decompose(goal)
    assert GoalDay.objects.get(goal=goal, day=date(2026, 10, 3)).target == golden_week[2].target
    with pytest.raises(ValidationError, match="not inside"):
        goals.adjust(goal, date(2026, 9, 30), date(2026, 10, 2), Decimal("1"))


def test_weekday_profile_without_last_year(history_store):
    # January 2026: no January 2025 in the history, but the eight weeks before it.
    goal = quarter_goal(
        history_store,
        start=date(2026, 1, 1),
        end=date(2026, 1, 28),
        period="month",
        target=Decimal("1000000.00"),
    )
    goal.refresh_from_db()
    assert goal.weighting == "weekday"
    days = {d.day: d.target for d in GoalDay.objects.filter(goal=goal)}
    assert sum(days.values()) == goal.target
    # The same weekday always gets the same share (up to a cent of rounding).
    assert abs(days[date(2026, 1, 5)] - days[date(2026, 1, 12)]) <= Decimal("0.01")


def test_ratio_goals_hold_every_day_and_bad_goals_are_refused(history_store):
    goal = quarter_goal(history_store, metric="repurchase_rate", target=Decimal("0.25"))
    assert set(GoalDay.objects.filter(goal=goal).values_list("target", flat=True)) == {
        Decimal("0.25")
    }
    with pytest.raises(ValidationError, match="unknown metric"):
        quarter_goal(history_store, metric="gvm")
    with pytest.raises(ValidationError):
        quarter_goal(history_store, end=date(2026, 9, 1))
    with pytest.raises(ValidationError, match="dimension"):
        quarter_goal(history_store, scope={"colour": ["red"]})


def test_progress_and_projection_at_the_current_pace(tmp_path):
    store = services.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path, {"orders": FILES["orders"]})  # 150 on the 18th, 40 on the 19th
    goal = goals.create_goal(
        None,
        store,
        name="十天",
        metric="gmv",
        target=Decimal("1000.00"),
        period="custom",
        start=date(2024, 6, 18),
        end=date(2024, 6, 27),
    )
    goal.refresh_from_db()
    assert goal.weighting == "flat"
    p = goals.progress(goal, today=date(2024, 6, 19))
    # Two days of ten: 200 was due, 190 came (pace 0.95); the rest at that pace: 760.
    assert (p["actual"], p["target_to_date"], p["pace"]) == (
        Decimal("190.00"),
        Decimal("200.00"),
        Decimal("0.9500"),
    )
    assert p["projection"] == Decimal("950.0000")
    assert p["achievement"] == Decimal("0.1900")
    assert p["projected_achievement"] == Decimal("0.9500")
    assert goals.progress(goal, today=date(2024, 6, 1))["actual"] is None  # not started
