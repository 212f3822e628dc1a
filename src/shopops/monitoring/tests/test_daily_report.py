"""The daily report on a store with an injected cause: paid traffic of one ad plan collapses
on one day, everything else as usual. The cause is found; a normal Monday dip is not an
anomaly; measures are kept with their history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shopops.analytics.diagnosis import explain_gmv
from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.monitoring import daily_report
from shopops.monitoring.models import AdjustmentMeasure
from shopops.monitoring.tests.scene import import_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2024, 6, 24)  # a Monday: paid traffic of 春季上新 collapses
FIRST = DAY - timedelta(weeks=6)
SOURCES = {"natural_search": 1000, "paid": 1000, "campaign": 100, "member": 200}
WEEKDAY = [0.7, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5]  # Mondays are always low, weekends high


def traffic_of(day: date) -> dict:
    out = {s: int(v * WEEKDAY[day.weekday()]) for s, v in SOURCES.items()}
    if day == DAY:
        out["paid"] //= 10
    return out


@pytest.fixture
def store(tmp_path):
    store = services.create_store(None, code="inj", name="注入", platform="tmall")
    traffic, ads, orders, lines = [], [], [], []
    n = 0
    for i in range((DAY - FIRST).days + 1):
        day = FIRST + timedelta(days=i)
        visits = traffic_of(day)
        traffic += [f"{day},{s},{v}" for s, v in visits.items()]
        spring = "0,0,0.00,0,0.00" if day == DAY else "20000,900,300.00,12,1500.00"
        ads.append(f"{day},直通车,春季上新,{spring}")
        ads.append(f"{day},直通车,爆款,8000,300,100.00,5,500.00")
        for k in range(sum(visits.values()) * 3 // 100):  # 3% of visitors buy, 100 each
            n += 1
            orders.append(
                f"O{n},100.00,{day} 10:00,{day} 10:{k % 60:02d},c{n},{['浙江', '广东'][k % 2]}"
            )
            lines.append(f"O{n},S{k % 3},1,100.00,{['杯具', '家纺', '收纳'][k % 3]}")
    import_rows(store, tmp_path, traffic=traffic, ads=ads, orders=orders, order_lines=lines)
    return store


def test_the_injected_cause_is_the_top_explanation(store):
    result = explain_gmv(store, DAY, DAY - timedelta(days=7))
    ranked = {d["dimension"]: [e["element"] for e in d["elements"]] for d in result["drill_down"]}
    assert ranked["visitors:source"] == ["paid"]
    assert ranked["ad_cost:plan"] == ["春季上新"]
    assert result["drill_down"][0]["dimension"] in {"visitors:source", "ad_cost:plan"}
    (now,) = metrics(["gmv"], store, DAY, DAY, "none")
    (then,) = metrics(["gmv"], store, DAY - timedelta(days=7), DAY - timedelta(days=7), "none")
    assert sum(result["contributions"].values()) == now["gmv"] - then["gmv"]
    assert result["contributions"]["visitors"] < 0 and result["contributions"]["aov"] == 0
    # The visitors' change is the sum of the sources' changes; paid carries it.
    (v_now,) = metrics(["visitors"], store, DAY, DAY, "none")
    (v_then,) = metrics(["visitors"], store, DAY - timedelta(days=7), DAY - timedelta(days=7))
    assert sum(result["visitor_sources"].values()) == v_now["visitors"] - v_then["visitors"]
    assert min(result["visitor_sources"], key=result["visitor_sources"].get) == "paid"
    assert "付费流量" in result["zh"] and "计划「春季上新」花费降至 0" in result["zh"]
    assert "paid traffic" in result["en"]


def test_the_day_is_flagged_and_noted_a_normal_monday_is_not(store):
    report = daily_report.build(store, DAY)
    rows = {r.metric: r for r in report.rows.all()}
    assert rows["gmv"].anomaly and rows["gmv"].anomaly_reason == "statistical"
    assert "春季上新" in rows["gmv"].note_zh
    assert rows["visitors"].anomaly and "付费流量" in rows["visitors"].note_zh
    assert not rows["aov"].anomaly  # every order is 100: the price did not move
    normal = daily_report.build(store, DAY - timedelta(weeks=1))
    assert not [r.metric for r in normal.rows.all() if r.anomaly]
    # The Monday dip is large day over day, yet no alarm.
    assert normal.rows.get(metric="gmv").day_change < Decimal("-0.25")


def test_goal_based_flag_and_measures_keep_their_history(store, role_users):
    from shopops.planning import goals

    goals.create_goal(
        None,
        store,
        name="六月",
        metric="gmv",
        target=Decimal("300000.00"),
        period="month",
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
    )
    report = daily_report.build(store, DAY - timedelta(weeks=1))
    gmv = report.rows.get(metric="gmv")
    assert gmv.target is not None and gmv.achievement < Decimal("0.8")
    # Below target since the run began: an ongoing condition, flagged on its first day.
    assert not gmv.anomaly and gmv.ongoing_since is not None
    first = daily_report.build(store, gmv.ongoing_since).rows.get(metric="gmv")
    assert first.anomaly_reason == "goal" and "距目标 -" in first.note_zh
    lead = role_users["ops_lead"]
    daily_report.write_measure(lead, store, DAY, "gmv", "恢复「春季上新」预算", owner=lead)
    daily_report.write_measure(
        lead, store, DAY, "gmv", "恢复预算并加投 20%", owner=lead, due=DAY + timedelta(days=2)
    )
    versions = daily_report.latest_measures(store, DAY)["gmv"]
    assert [m.text for m in versions] == ["恢复预算并加投 20%", "恢复「春季上新」预算"]
    assert AdjustmentMeasure.objects.filter(store=store).count() == 2


def test_the_page_keeps_a_measure_and_the_xlsx_mirrors_template_3(
    store, role_users, tmp_path, client
):
    """The report page of the store, a measure written there, and the XLSX read back."""
    from io import BytesIO

    from openpyxl import load_workbook

    from shopops.core.models import StoreGrant

    lead = role_users["ops_lead"]
    StoreGrant.objects.create(user=lead, store=store)
    client.force_login(lead)
    client.post("/stores/switch/", {"store": store.code})
    page = client.get(f"/reports/daily/?date={DAY}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "春季上新" in html and "销售额" in html
    saved = client.post(
        "/reports/daily/",
        {"date": str(DAY), "metric": "gmv", "text": "恢复「春季上新」预算", "owner": lead.pk},
    )
    assert saved.status_code == 302
    assert "恢复「春季上新」预算" in client.get(f"/reports/daily/?date={DAY}").content.decode()
    download = client.get(f"/reports/daily/download.xlsx?date={DAY}")
    assert download.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    assert [c.value for c in sheet[1]] == [
        "日期", "核心指标", "目标值", "实际值", "达成率", "环比变化", "异常说明", "调整措施",
    ]  # fmt: skip
    gmv = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "销售额")
    (actual,) = metrics(["gmv"], store, DAY, DAY, "none")
    assert Decimal(str(gmv[3])) == actual["gmv"] and "春季上新" in gmv[6]
    assert gmv[7].startswith("恢复「春季上新」预算")
    assert sheet["D2"].number_format == '#,##0.00 "CNY"' and sheet["E2"].number_format == "0.0%"
    # Roles without the module get nothing.
    client.force_login(role_users["content_editor"])
    assert client.get(f"/reports/daily/?date={DAY}").status_code == 403


def test_the_morning_task_makes_yesterdays_report_once_and_warms_the_dashboard(store):
    from datetime import UTC, datetime

    from shopops.monitoring.models import DailyReport
    from shopops.monitoring.tasks import due_reports, run_due

    # 08:00 in Shanghai on the 25th: too early; 08:30: the 24th's report is due.
    assert due_reports(datetime(2024, 6, 25, 0, 0, tzinfo=UTC)) == []
    due = due_reports(datetime(2024, 6, 25, 0, 30, tzinfo=UTC))
    assert [(s.code, d) for s, d in due] == [("inj", DAY)]
    run_due(datetime(2024, 6, 25, 0, 30, tzinfo=UTC))
    assert DailyReport.objects.filter(store=store).count() == 1
    assert due_reports(datetime(2024, 6, 25, 0, 45, tzinfo=UTC)) == []


def test_explain_any_metric_over_any_periods_and_through_the_api(store, role_users, client):
    from shopops.analytics.diagnosis import explain
    from shopops.core.models import StoreGrant

    visitors = explain(store, "visitors", DAY, DAY - timedelta(weeks=1))
    assert visitors["drill_down"][0]["elements"][0]["element"] == "paid"
    week = (DAY - timedelta(days=6), DAY)
    before = (DAY - timedelta(days=13), DAY - timedelta(days=7))
    gmv = explain(store, "gmv", week, before)
    (a,) = metrics(["gmv"], store, *before, "none")
    (b,) = metrics(["gmv"], store, *week, "none")
    assert sum(gmv["contributions"].values()) == b["gmv"] - a["gmv"]
    lead = role_users["ops_lead"]
    StoreGrant.objects.create(user=lead, store=store)
    client.force_login(lead)
    response = client.get(
        f"/api/v1/metrics/explain?store=inj&metric=gmv&from={DAY}&to={DAY}"
        f"&base_from={DAY - timedelta(weeks=1)}&base_to={DAY - timedelta(weeks=1)}"
    )
    assert response.status_code == 200, response.content
    assert "付费流量" in response.json()["zh"] and "paid traffic" in response.json()["en"]
    assert (
        client.get(f"/api/v1/metrics/explain?store=inj&metric=gvm&from={DAY}&to={DAY}").status_code
        == 422
    )


def test_the_pdf_embeds_a_cjk_font(store, tmp_path):
    from shopops.monitoring import report_export

    path = report_export.write(daily_report.build(store, DAY), "pdf", tmp_path / "r.pdf")
    import re
    import zlib

    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    # WeasyPrint embeds the subset of the font it used for 销售额 and the notes; the font
    # objects sit in compressed object streams.
    objects = data
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            objects += zlib.decompress(stream)
        except zlib.error:
            continue
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", objects))
    assert any(b"+ShopOps-Noto-Sans-SC" in f for f in fonts), (
        fonts
    )  # the project's own font, a subset
