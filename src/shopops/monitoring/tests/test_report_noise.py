"""The report does not cry wolf (issue 23): over the demo store's last 90 days (its goals
set as `./shopops demo` sets them, a quarter ahead of its pace) few days carry a new GMV
anomaly, a shortfall against target that lasts all October is one ongoing item with its
day count, the 双11 build-up is compared with the plan (not with ordinary weeks), and every
flagged row's note explains the condition that flagged it. A build-up day that falls short
of last year's same day (grown by the store's year-over-year) is flagged, and said so."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.devtools import demo, demo_data
from shopops.monitoring import calendar, daily_report, report_export
from shopops.monitoring.tests.scene import import_rows
from shopops.planning import goals

END = date(2025, 11, 30)
DAYS = [END - timedelta(days=i) for i in range(89, -1, -1)]
BUILD_UP = (date(2025, 10, 20), date(2025, 11, 10))  # the seeded 双11预热 window

# What each rule's note explains after naming the rule (monitoring.daily_report._note).
EXPLAINS = {
    "goal": "距目标",
    "threshold": "较近 8 周同日中位数",
    "statistical": "较近 8 周同日中位数",
    "event": "较去年同期",
    "concentration": "占销售额",
    "pattern": "疑似刷单",
}


pytestmark = pytest.mark.django_db(transaction=True)  # the engine reads committed rows


@pytest.fixture
def demo_reports():
    store = services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    # The demo's density (`./shopops demo`: 60,000 orders a year, about 165 a day).
    demo_data.load(store, seed=7, months=5, end=END, target_orders=25000, progress=lambda m: None)
    assert demo.demo_goals(store, today=END + timedelta(days=1)) > 0
    # On the full demo year the quarter's GMV goal runs ahead of October by itself; on
    # these five months the team's October goal does: 50% over September's pace.
    (september,) = metrics(["gmv"], store, date(2025, 9, 1), date(2025, 9, 30), "none")
    goals.create_goal(
        None, store, name="十月销售额", metric="gmv", period="month",
        target=(september["gmv"] / 30 * 31 * Decimal("1.5")).quantize(Decimal("1")),
        start=date(2025, 10, 1), end=date(2025, 10, 31),
    )  # fmt: skip
    made = {day: daily_report.build(store, day) for day in DAYS}
    return store, {
        day: (report, {r.metric: r for r in report.rows.all()}) for day, report in made.items()
    }


def test_the_demos_last_90_days(demo_reports):
    """One store made once (a few minutes of data): each check below on its 90 reports."""
    _few_days_carry_a_new_gmv_anomaly(demo_reports)
    _ordinary_days_stay_within_the_noise_budget(demo_reports)
    _the_octobers_shortfall_is_one_ongoing_item_with_its_day_count(demo_reports)
    _every_flagged_row_explains_its_condition(demo_reports)
    _the_build_up_is_compared_with_the_plan_not_ordinary_weeks(demo_reports)


def _few_days_carry_a_new_gmv_anomaly(demo_reports):
    _, made = demo_reports
    flagged = [d for d, (_, rows) in made.items() if rows["gmv"].anomaly]
    assert len(flagged) <= 0.15 * len(DAYS), flagged
    # The last report states the noise budget of the 30 days before it.
    last, _ = made[END]
    assert last.context["reports_last_30"] == 30
    assert last.context["flagged_last_30"] <= 30
    assert any("近 30 天：" in line for line in report_export.context_lines(last))


def _ordinary_days_stay_within_the_noise_budget(demo_reports):
    """Outside its event windows and holidays the demo is a steady store: at most one day
    in ten flags anything new (a row of any metric)."""
    _, made = demo_reports
    ordinary = [d for d in DAYS if d not in calendar.days_of(DAYS[0], DAYS[-1])]
    assert len(ordinary) >= 50
    flagged = {
        d: sorted(f"{k}:{r.anomaly_reason}" for k, r in made[d][1].items() if r.anomaly)
        for d in ordinary
    }
    flagged = {d: f for d, f in flagged.items() if f}
    assert len(flagged) <= 0.1 * len(ordinary), "; ".join(f"{d} {f}" for d, f in flagged.items())


def _the_octobers_shortfall_is_one_ongoing_item_with_its_day_count(demo_reports):
    _, made = demo_reports
    runs = {}
    for day, (report, rows) in made.items():
        gmv = rows["gmv"]
        if gmv.ongoing_since is None:
            continue
        (item,) = [i for i in report.context["ongoing"] if i["metric"] == "gmv"]
        assert item["since"] == gmv.ongoing_since.isoformat()
        assert item["days"] == (day - gmv.ongoing_since).days + 1
        runs.setdefault(gmv.ongoing_since, []).append(day)
    longest = max(runs.values(), key=len)
    assert len(longest) >= 10, runs
    # Each day of the run is one item; a new red row only where it began or worsened.
    flagged = [d for d in longest if made[d][1]["gmv"].anomaly]
    assert len(flagged) <= len(longest) // 5, flagged
    report, rows = made[longest[-1]]
    line = next(x for x in report_export.ongoing_lines(report) if x.startswith("销售额："))
    since = rows["gmv"].ongoing_since
    days = (longest[-1] - since).days + 1
    # A day back on target inside the run does not end it while its week is still below:
    # the line counts the days below target among the run's.
    under = sum(
        1 for d, (_, r) in made.items() if since <= d <= longest[-1] and r["gmv"].achievement < 1
    )
    assert under == len(longest) + 1 and under >= 0.8 * days  # + its first day, flagged new
    said = (
        f"连续 {days} 天低于目标"
        if under == days
        else f"自 {since} 起 {days} 天中 {under} 天低于目标"
    )
    assert said in line and "本月累计达成" in line and "预计月末" in line, line


def _every_flagged_row_explains_its_condition(demo_reports):
    _, made = demo_reports
    seen = set()
    for day, (_, rows) in made.items():
        for row in rows.values():
            if row.anomaly:
                seen.add(row.anomaly_reason)
                assert row.note_zh.startswith("【"), (day, row.metric, row.note_zh)
                explained = row.note_zh.split("】", 1)[1]
                assert EXPLAINS[row.anomaly_reason] in row.note_zh, (day, row.metric, row.note_zh)
                assert explained, (day, row.metric)
            elif row.ongoing_since is not None:
                assert row.note_zh.startswith("【持续："), (day, row.metric, row.note_zh)
                assert "天低于目标" in row.note_zh, (day, row.metric, row.note_zh)
                assert "距目标" in row.note_zh, (day, row.metric, row.note_zh)
    assert "goal" in seen


def _the_build_up_is_compared_with_the_plan_not_ordinary_weeks(demo_reports):
    _, made = demo_reports
    first, last = BUILD_UP
    for day in (d for d in DAYS if first <= d <= last):
        report, rows = made[day]
        event = report.context["event"]
        assert event and event["name"] == "双11预热" and event["has_plan"], day
        for row in rows.values():
            assert row.anomaly_reason not in ("statistical", "threshold"), (day, row.metric)
        assert rows["gmv"].target is not None  # the plan it is compared with
    # The days after the window leave it out of their baselines.
    after, _ = made[date(2025, 11, 20)]
    assert any(name == "双11预热" for name, *_ in after.context["events_left_out"])


def test_a_build_up_day_short_of_last_years_is_flagged(tmp_path):
    rng = random.Random(11)
    store = services.create_store(None, code="yoy", name="同比", platform="tmall")
    short = date(2024, 11, 5)
    orders, n = [], 0
    spans = ((date(2023, 9, 1), date(2023, 11, 13)), (date(2024, 8, 20), date(2024, 11, 13)))
    for first, last in spans:
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            count = 20 if day.year == 2023 else 24  # this year runs 20% ahead of last
            if date(day.year, 10, 20) <= day <= date(day.year, 11, 10):
                count *= 2  # the build-up doubles the orders, both years
            if day == short:
                count = 18  # this build-up day falls far short of last year's, grown
            for _ in range(count):
                n += 1
                amount = f"{100 + rng.randint(-5, 5)}.00"
                orders.append(f"O{n},{amount},{day} 10:00,{day} 10:00,,浙江")
    import_rows(store, tmp_path, orders=orders)
    row = daily_report.build(store, short).rows.get(metric="gmv")
    assert row.anomaly and row.anomaly_reason == "event", row.note_zh
    assert row.note_zh.startswith("【双11预热：较去年同期（2023-11-05，按近 4 周同比 +")
    assert "推算）-6" in row.note_zh.split("】")[0]  # about -62%: 18 orders against 48
    assert "销售额较去年同期（2023-11-05）" in row.note_zh
    # An ordinary build-up day of the same year is not flagged: it is what last year says.
    normal = daily_report.build(store, short + timedelta(days=2)).rows.get(metric="gmv")
    assert not normal.anomaly, normal.note_zh
