"""数据指标: the explorer's table, chart data and downloads are the engine's numbers; its URL
reproduces the question; the diagnosis page's parts add up to the change it shows."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shopops.analytics.queries import metrics
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FIRST = date(2024, 6, 1)
DAYS = 21


@pytest.fixture
def shop(store_a, tmp_path):
    orders, traffic = [], []
    n = 0
    for i in range(DAYS):
        day = FIRST + timedelta(days=i)
        traffic += [f"{day},natural_search,{300 + i * 7}", f"{day},paid,{200 - i * 5}"]
        for k in range(10 + i % 5):
            n += 1
            province = ["浙江", "广东", "江苏"][k % 3]
            orders.append(f"O{n},{50 + k * 3}.50,{day} 10:00,{day} 11:{k:02d},c{n % 40},{province}")
    for kind, head, rows in (
        ("orders", "order_id,paid_amount,created_at,paid_at,customer_id,province", orders),
        ("traffic", "date,source,visitors", traffic),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(head + "\n" + "\n".join(rows) + "\n")
        assert run_import(store=store_a, kind=kind, path=path).rejected == 0
    return store_a


URL = "/metrics/?metric=gmv&metric=orders&metric=cvr&start=2024-06-01&end=2024-06-21&by=week"


def test_the_table_and_downloads_are_the_engines_numbers(shop, as_role):
    lead = as_role("ops_lead")
    page = lead.get(URL)
    assert page.status_code == 200
    answer = page.context["answer"]
    expected = metrics(["gmv", "orders", "cvr"], shop, FIRST, date(2024, 6, 21), "week")
    assert [{k: r[k] for k in ("period", "gmv", "orders", "cvr")} for r in answer.rows] == [
        {k: r[k] for k in ("period", "gmv", "orders", "cvr")} for r in expected
    ]
    assert page.context["chart"]["series"][0]["data"] == [float(r["gmv"]) for r in expected]
    html = page.content.decode()
    assert f"¥{expected[0]['gmv']:,.2f}" in html
    # 为什么变化 from a cell: that period's value is the diagnosis' "after".
    cell = answer.shown[1][1]
    assert cell["text"] == f"¥{expected[1]['gmv']:,.2f}" and cell["url"]
    diagnosis = lead.get(f"/metrics/explain/{cell['url']}").context["result"]
    assert Decimal(diagnosis["after"]) == expected[1]["gmv"]
    # The shared URL is the question: asked again, the same table.
    query = page.context["query"]
    again = lead.get(f"/metrics/?{query}")
    assert again.context["answer"].rows == answer.rows
    # CSV: the exact values, UTF-8 with BOM.
    text = lead.get(f"/metrics/?{query}&format=csv").content.decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text)))
    assert read[0][:2] == ["周", "销售额 (CNY)"]
    assert [Decimal(r[1]) for r in read[1:]] == [r["gmv"] for r in expected]
    # XLSX: numbers with their formats, frozen header.
    data = lead.get(f"/metrics/?{query}&format=xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    assert [Decimal(str(c.value)) for c in sheet["B"][1:]] == [r["gmv"] for r in expected]
    assert sheet["B2"].number_format == '#,##0.00 "CNY"' and sheet["D2"].number_format == "0.00%"


def test_breakdowns_compare_and_bad_questions(shop, as_role):
    lead = as_role("ops_lead")
    page = lead.get(
        "/metrics/?metric=gmv&start=2024-06-15&end=2024-06-21&by=none&dim=province&compare=prev"
    )
    rows = page.context["answer"].rows
    assert {r["province"] for r in rows} == {"浙江", "广东", "江苏"}
    assert all("gmv_prev" in r and "gmv_prev_change" in r for r in rows)
    for bad in (
        "/metrics/?metric=nope&start=2024-06-01&end=2024-06-21",
        "/metrics/?metric=gmv&start=2024-06-21&end=2024-06-01",
        "/metrics/?metric=gmv&start=2024-06-01&end=2024-06-21&dim=sku&dim=province&dim=channel",
        "/metrics/?metric=gmv&start=2024-06-01&end=2024-06-21&filter=colour:red",
        "/metrics/?metric=gmv&start=1999-01-01&end=2024-06-21",
    ):
        answer = lead.get(bad)
        assert answer.status_code == 200, bad
        assert answer.context["answer"] is None and "invalid-feedback" in answer.content.decode()


def test_a_role_without_costs_is_not_offered_them(shop, as_role):
    analyst = as_role("user_ops")  # sees metrics, not costs
    page = analyst.get("/metrics/?metric=cogs&start=2024-06-01&end=2024-06-21")
    assert page.status_code == 200 and page.context["answer"] is None
    choices = [key for _group, items in page.context["form"].fields["metric"].choices
               for key, _label in items]  # fmt: skip
    assert "gmv" in choices and "cogs" not in choices
    lead_choices = as_role("ops_lead").get("/metrics/").context["form"].fields["metric"].choices
    assert "cogs" in [key for _group, items in lead_choices for key, _label in items]


def test_the_diagnosis_adds_up(shop, as_role):
    lead = as_role("ops_lead")
    page = lead.get("/metrics/")  # the default question; its links open the diagnosis
    url = "/metrics/explain/?metric=gmv&start=2024-06-15&end=2024-06-21"
    answer = lead.get(url)
    assert answer.status_code == 200 and page.status_code == 200
    fall = answer.context["waterfall"]
    steps = fall["steps"]
    before, after = Decimal(steps[0]["value"]), Decimal(steps[-1]["value"])
    parts = sum(Decimal(s["value"]) for s in steps[1:-1])
    assert before + parts == after and Decimal(fall["change"]) == after - before
    (now,) = metrics(["gmv"], shop, date(2024, 6, 15), date(2024, 6, 21), "none")
    (then,) = metrics(["gmv"], shop, date(2024, 6, 8), date(2024, 6, 14), "none")
    assert (before, after) == (then["gmv"], now["gmv"])
    assert answer.context["drills"], "a drill-down table"
    other = lead.get("/metrics/explain/?metric=orders&start=2024-06-15&end=2024-06-21")
    assert other.status_code == 200 and other.context["result"]["metric"] == "orders"
    bad = lead.get("/metrics/explain/?metric=gmv&start=x")
    assert bad.status_code == 200 and bad.context["error"]
