"""When a shortfall is one condition and when it is a new one (monitoring.conditions), and
the recent level the statistical test allows for (analytics.diagnosis.recent_level): the
rules that keep a steady store inside the report's noise budget."""

from datetime import date, timedelta
from decimal import Decimal

from shopops.analytics.diagnosis import ROBUST_Z, recent_level, robust_score, weekday_spread
from shopops.monitoring import conditions

START = date(2025, 10, 1)
SHARE = Decimal("0.8")


def _days(values: list[int]) -> tuple[dict, dict]:
    days = [START + timedelta(days=i) for i in range(len(values))]
    return (
        {d: Decimal(v) for d, v in zip(days, values, strict=True)},
        {d: Decimal(100) for d in days},
    )


def _run(values: list[int], neutral=frozenset()):
    got, targets = _days(values)
    return conditions.shortfall(max(got), got, targets, SHARE, neutral=neutral)


def test_a_day_back_on_target_does_not_end_a_run_while_its_week_is_below():
    run = _run([70, 90, 90, 90, 90, 105, 75])
    assert run.since == START and run.days == 7 and run.under == 6
    assert run.why == ""  # the same condition, not a new one
    assert conditions.run_words(run.days, run.under, False, "2025-10-01")[0] == (
        "自 2025-10-01 起 7 天中 6 天低于目标"
    )


def test_a_week_back_on_target_ends_it_and_the_next_shortfall_is_new():
    run = _run([70, 90, 90, 110, 110, 110, 110, 110, 110, 110, 75])
    assert run.since == START + timedelta(days=10) and run.days == 1 and run.why == "new"
    assert (
        conditions.run_words(1, 1, False, "2025-10-11")[0] == "连续 1 天低于目标（自 2025-10-11）"
    )


def test_an_event_day_does_not_swamp_the_week_that_tells_a_run_ended():
    values = [70, 90, 90, 90, 400, 90, 75]  # the fifth: a campaign day far over its target
    event = frozenset({START + timedelta(days=4)})
    assert _run(values).why == "new"  # its week, with the event, reads as back on target
    run = _run(values, neutral=event)
    assert run.since == START and run.why == "" and run.under == 6


def test_a_day_on_target_is_no_run():
    assert _run([70, 90, 100]) is None


def _weeks(last_week: float, weeks: int = 8) -> dict:
    """Eight ordinary weeks at 100 a day, the last of them at `last_week`."""
    day = START
    out = {}
    for i in range(7 * weeks):
        out[day + timedelta(days=i)] = 100 + (i % 7) - 3
    for i in range(7 * weeks - 7, 7 * weeks):
        out[day + timedelta(days=i)] *= last_week / 100
    return out


def _score(series: dict, value: float) -> float:
    day = max(series) + timedelta(days=1)
    history = [series[day - timedelta(weeks=k)] for k in range(1, 9)]
    level = recent_level(series, day, 8)
    return robust_score(value / level, history, weekday_spread(series, day, 8))


def test_a_store_that_grew_is_tested_at_its_recent_level():
    grown = _weeks(125)
    day = max(grown) + timedelta(days=1)
    assert abs(recent_level(grown, day, 8) - 1.25) < 0.02
    usual = grown[day - timedelta(weeks=1)]
    # A day like the last week's is not an anomaly; against the eight weeks' median it was.
    assert abs(_score(grown, usual)) < ROBUST_Z
    history = [grown[day - timedelta(weeks=k)] for k in range(1, 9)]
    assert robust_score(usual, history, weekday_spread(grown, day, 8)) > ROBUST_Z
    # A spike over the recent level still is, and so is a fall below it.
    assert _score(grown, usual * 1.6) > ROBUST_Z
    assert _score(grown, usual * 0.6) < -ROBUST_Z


def test_with_too_little_recent_data_the_level_is_the_medians():
    series = _weeks(100)
    day = max(series) + timedelta(days=1)
    for i in range(1, 7 * 8 - 2):  # all but the first two days left out
        series.pop(day - timedelta(days=i))
    assert recent_level(series, day, 8) == 1.0
