"""The daily report on the data teams actually have (issue 20): the real Tmall 订单报表 alone
(no traffic, no buyer ids, a week of almost no orders), and stores made here, one per case:
a province shift in order-only data, one order making most of a day, a closed week, a store
of ten days."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import TMALL_REPORT

from shopops.core import services
from shopops.ingest.pipeline import run_import
from shopops.monitoring import daily_report, report_export
from shopops.monitoring.tests.scene import import_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tmall(shared_file):
    store = services.create_store(None, code="tm", name="天猫店", platform="tmall")
    made = run_import(store=store, kind="orders", path=shared_file(TMALL_REPORT), fmt="taobao")
    assert made.rejected == 0
    return store


def test_the_tmall_report_explains_its_days_with_the_orders_alone(tmall):
    report = daily_report.build(tmall, date(2020, 2, 25))
    gmv = report.rows.get(metric="gmv")
    assert gmv.day_change.quantize(Decimal("0.001")) == Decimal("0.596")
    assert "销售额环比 +59.6%：支付订单数 +72.3%，客单价 -7.4%" in gmv.note_zh
    assert "orders +72.3%, AOV -7.4%" in gmv.note_en
    diagnosis = gmv.diagnosis
    assert diagnosis["identity"] == "orders"
    # The contributions add up to the change, to the cent.
    change = Decimal(diagnosis["after"]) - Decimal(diagnosis["before"])
    assert sum(Decimal(v) for v in diagnosis["contributions"].values()) == change
    provinces = diagnosis["drivers"]["province"]
    assert sum(Decimal(e["contribution"]) for e in provinces) == change
    # No province is a tenth of the rise: the note says it is broad, naming the largest.
    first = provinces[0]["element"]
    assert Decimal(provinces[0]["side_share"]) < Decimal("0.1")
    assert f"变化分散：最大的省份{first}也只占增长 9.9%" in gmv.note_zh

    # No traffic, ads or buyer ids were imported: unknown, not 0, and which import says.
    rows = {r["metric"]: r for r in report_export.rows(report)}
    for key, source in (("visitors", "traffic"), ("cvr", "traffic"), ("roi", "ads"),
                        ("repurchase_rate", "buyer_ids")):  # fmt: skip
        assert report.rows.get(metric=key).actual is None
        assert rows[key]["actual_text"] == "无数据" and rows[key]["missing"], key
        assert report.context["missing"][key] == [source]
    assert report.context["has"] == {
        "orders": True, "traffic": False, "ads": False, "buyer_ids": False, "lines": False,
    }  # fmt: skip
    header = report_export.context_lines(report)
    assert header[0].startswith("本日数据：") and "基线不含 2020-02-10…2020-02-16" in header[1]
    exported = report_export.to_json(report)
    visitors = next(r for r in exported["rows"] if r["metric"] == "visitors")
    assert visitors["actual"] is None and visitors["missing"] == ["traffic"]
    assert exported["context_text"] == header


def test_the_xlsx_says_no_data_and_carries_the_notes(tmall, tmp_path):
    from openpyxl import load_workbook

    report = daily_report.build(tmall, date(2020, 2, 25))
    book = load_workbook(report_export.to_xlsx(report, tmp_path / "r.xlsx"))
    sheet = book["核心数据监控日报"]
    actual = {row[1]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert actual["访客数"] == "无数据" and actual["销售额"] == pytest.approx(299421.2)
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert notes == report_export.context_lines(report)


def test_after_the_closed_week_the_baseline_leaves_it_out(tmall):
    report = daily_report.build(tmall, date(2020, 2, 18))
    assert report.context["left_out"] == [["2020-02-10", "2020-02-16"]]
    gmv = report.rows.get(metric="gmv")
    # A week ago (02-11) the store was closed: no week-over-week change against it, and
    # no anomaly from comparing with the closed days.
    assert gmv.week_change is None and not gmv.anomaly
    assert any("基线不含 2020-02-10…2020-02-16" in line
               for line in report_export.context_lines(report))  # fmt: skip
    # The report says its history is short (the data begins 2020-02-01).
    assert report.context["begins"] == "2020-02-01" and report.context["short_history"]


DAY = date(2024, 6, 26)


def _orders(days, per_day, amount="100.00", province=lambda day, k: "浙江", prefix="O"):
    rows, n = [], 0
    for day in days:
        for k in range(per_day(day)):
            n += 1
            rows.append(
                f"{prefix}{n},{amount},{day} 10:00,{day} 10:{k % 60:02d},,{province(day, k)}"
            )
    return rows


def _span(first, last):
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_an_order_only_province_shift_is_named(tmp_path):
    store = services.create_store(None, code="p", name="P", platform="tmall")
    # Eight weeks: the 618 window (06-01…06-20) stays out of the baseline.
    days = _span(DAY - timedelta(days=60), DAY)

    def province(day, k):
        if day == DAY and k >= 20:
            return "广东省"  # the day's extra orders all come from one province
        return ("浙江省", "江苏省", "上海")[k % 3]

    import_rows(
        store, tmp_path, orders=_orders(days, lambda d: 50 if d == DAY else 20, province=province)
    )
    gmv = daily_report.build(store, DAY).rows.get(metric="gmv")
    assert gmv.note_zh.startswith("【") and "支付订单数 +150.0%" in gmv.note_zh
    assert "贡献最大：广东省 +¥3,000.00（占增长 100.0%）" in gmv.note_zh


def test_one_order_making_most_of_a_day_is_flagged_and_named(tmp_path):
    store = services.create_store(None, code="w", name="W", platform="tmall")
    days = _span(DAY - timedelta(days=40), DAY)
    rows = _orders(days, lambda d: 20)
    rows.append(f"BULK1,3000.00,{DAY} 11:00,{DAY} 11:00,,北京")  # 3,000 of a 5,000 day: 60%
    import_rows(store, tmp_path, orders=rows)
    gmv = daily_report.build(store, DAY).rows.get(metric="gmv")
    assert gmv.anomaly and gmv.anomaly_reason == "concentration"
    assert "BULK1" in gmv.note_zh and "占销售额 60.0%" in gmv.note_zh
    assert gmv.diagnosis["top_order"]["order_id"] == "BULK1"
    # An ordinary day of the same store is not.
    assert not daily_report.build(store, DAY - timedelta(days=7)).rows.get(metric="gmv").anomaly


def test_a_closed_week_and_a_short_history_are_said(tmp_path):
    store = services.create_store(None, code="c", name="C", platform="tmall")
    closed = set(_span(DAY - timedelta(days=14), DAY - timedelta(days=8)))
    days = _span(DAY - timedelta(days=50), DAY)
    import_rows(store, tmp_path, orders=_orders(days, lambda d: 1 if d in closed else 30))
    report = daily_report.build(store, DAY)
    first, last = min(closed).isoformat(), max(closed).isoformat()
    assert report.context["left_out"] == [[first, last]]
    assert not report.context["short_history"]
    gmv = report.rows.get(metric="gmv")
    assert gmv.week_change == 0 and not gmv.anomaly  # a week ago was open again

    young = services.create_store(None, code="y", name="Y", platform="tmall")
    import_rows(
        young,
        tmp_path,
        orders=_orders(_span(DAY - timedelta(days=9), DAY), lambda d: 10, prefix="Y"),
    )
    report = daily_report.build(young, DAY)
    assert report.context["short_history"] and report.context["history_days"] == 9
    assert any("历史不足 4 周" in line for line in report_export.context_lines(report))
    assert report.rows.get(metric="gmv").score is None  # too little to judge a weekday


def test_a_cluster_of_new_buyers_on_one_phone_is_flagged_to_check(tmp_path):
    from datetime import datetime

    from shopops.analytics.cache import facts_changed
    from shopops.orders.models import Order

    store = services.create_store(None, code="s", name="S", platform="tmall")
    import_rows(store, tmp_path, orders=_orders(_span(DAY - timedelta(days=40), DAY), lambda d: 20))
    at = datetime(2024, 6, 26, 21, 0, tzinfo=store.zone)
    for i in range(6):  # six guest orders to one phone within ten minutes
        moment = at + timedelta(minutes=2 * i)
        Order.objects.create(
            store=store, order_id=f"F{i}", created_at=moment, paid_at=moment,
            paid_amount=Decimal("59.90"), receiver_phone="13800000000",
        )  # fmt: skip
    facts_changed(store.pk)
    gmv = daily_report.build(store, DAY).rows.get(metric="gmv")
    assert gmv.anomaly and gmv.anomaly_reason == "pattern"
    assert "疑似刷单" in gmv.note_zh and "F0、F1、F2、F3、F4…" in gmv.note_zh
    (cluster,) = [c for c in gmv.diagnosis["suspect"] if c["by"] == "phone"]
    assert cluster["orders"] == [f"F{i}" for i in range(6)] and "13800000000" not in str(
        gmv.diagnosis
    )
    assert not daily_report.build(store, DAY - timedelta(days=1)).rows.get(metric="gmv").anomaly


def test_a_double_eleven_is_compared_with_last_years(tmp_path):
    store = services.create_store(None, code="e", name="E", platform="tmall")
    days = _span(date(2023, 10, 1), date(2024, 11, 18))
    peak = {date(2023, 11, 11), date(2024, 11, 11)}
    import_rows(store, tmp_path, orders=_orders(days, lambda d: 110 if d in peak else 20))
    report = daily_report.build(store, date(2024, 11, 11))
    event = report.context["event"]
    assert (event["name"], event["compared_with"]) == ("双11", "2023-11-11")
    assert Decimal(event["changes"]["gmv"]) == 0  # as big as last year's: nothing unusual
    gmv = report.rows.get(metric="gmv")
    assert gmv.score is None and not gmv.anomaly
    assert any("与去年同一活动日 2023-11-11 比较" in line
               for line in report_export.context_lines(report))  # fmt: skip
    # A week later the 双11 Monday is not part of the Mondays' baseline; the fall from it
    # is still told, week over week, and is no anomaly.
    after = daily_report.build(store, date(2024, 11, 18))
    assert ["双11", "2024-11-11", "2024-11-11"] in after.context["events_left_out"]
    gmv = after.rows.get(metric="gmv")
    assert gmv.week_change < 0 and not gmv.anomaly

    # A store whose data begins after last year's 双11 says it has nothing to compare with.
    young = services.create_store(None, code="e2", name="E2", platform="tmall")
    rows = _orders(_span(date(2024, 9, 1), date(2024, 11, 11)), lambda d: 20, prefix="Y")
    import_rows(young, tmp_path, orders=rows)
    report = daily_report.build(young, date(2024, 11, 11))
    assert report.context["event"]["compared_with"] is None
    assert any("没有去年的同一活动日" in line for line in report_export.context_lines(report))


def test_public_holidays_come_from_the_calendar_and_match_last_year():
    from shopops.monitoring.calendar import same_day_last_year

    event, then = same_day_last_year(date(2024, 2, 11))  # 春节's second day, 2024
    assert (event.name, event.kind, then) == ("春节", "holiday", date(2023, 1, 23))
    assert same_day_last_year(date(2024, 3, 12)) is None  # an ordinary Tuesday


def test_new_and_returning_buyers_contributions(tmp_path):
    store = services.create_store(None, code="b", name="B", platform="tmall")
    rows, n = [], 0
    for day in _span(DAY - timedelta(days=20), DAY):
        regulars = [f"r{i}" for i in range(10)]
        newcomers = [f"n{i}" for i in range(10)] if day == DAY else []
        for buyer in regulars + newcomers:
            n += 1
            rows.append(f"O{n},100.00,{day} 10:00,{day} 10:00,{buyer},浙江")
    import_rows(store, tmp_path, orders=rows)
    gmv = daily_report.build(store, DAY).rows.get(metric="gmv")
    assert gmv.diagnosis["identity"] == "buyers"
    groups = {
        e["element"]: Decimal(e["contribution"]) for e in gmv.diagnosis["drivers"]["buyer_type"]
    }
    assert groups == {"new": Decimal("1000.00")}  # returning buyers spent as the day before
    assert "支付买家数 +100.0%，人均订单数 +0.0%，笔单价 +0.0%" in gmv.note_zh
    assert "新买家 +¥1,000.00（占增长 100.0%）" in gmv.note_zh


def test_two_requests_making_the_same_report_take_turns(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    store = services.create_store(None, code="t", name="T", platform="tmall")
    import_rows(store, tmp_path, orders=_orders(_span(DAY - timedelta(days=30), DAY), lambda d: 5))

    def make(_):
        try:
            return daily_report.build(store, DAY).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(make, range(4)))
    assert len(set(made)) == 1
    report = daily_report.report_for(store, DAY)
    assert report.rows.count() == len(daily_report.core_metrics(store))


def test_the_drill_down_names_the_largest_contribution_not_the_largest_rise(tmp_path):
    """Issue 23, point 4: a small province going from 3 to 9 orders while a large one falls
    by 20% — the large one leads the note, with its share of the change."""
    store = services.create_store(None, code="d", name="D", platform="tmall")

    def per_day(day):
        return 103 if day != DAY else 89  # 100 + 3 every day; on DAY 80 + 9

    def province(day, k):
        big = 100 if day != DAY else 80
        return "广东省" if k < big else "西藏自治区"

    rows = _orders(_span(DAY - timedelta(days=60), DAY), per_day, province=province)
    import_rows(store, tmp_path, orders=rows)
    report = daily_report.build(store, DAY)
    orders = report.rows.get(metric="orders")
    assert orders.anomaly, orders.note_zh
    assert "；广东省 -20（占下降 100.0%，-20.0%）" in orders.note_zh
    assert "西藏" not in orders.note_zh  # it went against the change
    gmv = report.rows.get(metric="gmv")
    assert "贡献最大：广东省 -¥2,000.00" in gmv.note_zh and "西藏" not in gmv.note_zh
    assert any("近 30 天" in line for line in report_export.context_lines(report)) is False
    daily_report.build(store, DAY - timedelta(days=1))
    again = daily_report.build(store, DAY)
    assert again.context["reports_last_30"] == 1
    assert any("近 30 天：0 天有异常（共 1 份日报）" in line
               for line in report_export.context_lines(again))  # fmt: skip
