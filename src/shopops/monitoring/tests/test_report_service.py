"""The daily report made on demand by one service (daily_report.report_for) that the page,
its downloads, the API and `./shopops report daily` call; the achievement floor as one
setting read by the report, its export and the dashboard."""

from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from shopops.catalog.models import Product, Sku
from shopops.cli import main
from shopops.monitoring import daily_report, report_export
from shopops.monitoring.models import DailyReport
from shopops.orders import intake
from shopops.planning import goals

pytestmark = pytest.mark.django_db(transaction=True)  # DuckDB reads committed rows

DAY = date(2026, 7, 2)


@pytest.fixture
def sixty_of_a_hundred(store_a, role_users):
    """On DAY store A sells 60.00 against a GMV target of 100.00 for the day: 60%."""
    product = Product.objects.create(store=store_a, spu="P", name="Cup")
    Sku.objects.create(store=store_a, product=product, code="S1", price="60.00")
    intake.receive(
        role_users["ops_lead"],
        store_a,
        {
            "store": "alpha",
            "order_id": "O1",
            "created_at": f"{DAY}T10:00:00+08:00",
            "paid_at": f"{DAY}T10:01:00+08:00",
            "paid_amount": "60.00",
            "lines": [{"sku": "S1", "quantity": 1, "unit_price": "60.00"}],
        },
    )
    goals.create_goal(
        None,
        store_a,
        name="日目标",
        metric="gmv",
        target="100",
        period="custom",
        start=DAY,
        end=DAY,
    )
    return store_a


def test_report_for_builds_a_missing_report_once(store_a):
    assert not DailyReport.objects.exists()
    made = daily_report.report_for(store_a, DAY)
    assert DailyReport.objects.get() == made
    assert daily_report.report_for(store_a, DAY).generated_at == made.generated_at  # stored
    again = daily_report.report_for(store_a, DAY, rebuild=True)
    assert again.pk == made.pk and again.generated_at > made.generated_at


def test_the_page_the_downloads_the_api_and_the_cli_ask_the_same_service(
    store_a, as_role, monkeypatch, tmp_path
):
    asked = []
    real = daily_report.report_for

    def spy(store, day, *, rebuild=False):
        asked.append((store.code, day, rebuild))
        return real(store, day, rebuild=rebuild)

    monkeypatch.setattr(daily_report, "report_for", spy)
    lead = as_role("ops_lead")
    assert lead.get(f"/reports/daily/?date={DAY}").status_code == 200
    assert lead.get(f"/reports/daily/download.xlsx?date={DAY}").status_code == 200
    assert lead.get(f"/api/v1/reports/daily?store=alpha&day={DAY}").status_code == 200
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["report", "daily", "--store", "alpha", "--date", str(DAY), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        main, ["report", "daily", "--store", "alpha", "--date", str(DAY), "--rebuild"]
    )
    assert result.exit_code == 0, result.output
    assert asked == [("alpha", DAY, False)] * 4 + [("alpha", DAY, True)]
    assert DailyReport.objects.count() == 1  # made by the first, read by the others


def test_the_floor_is_one_setting(sixty_of_a_hundred, settings, as_role, tmp_path):
    store = sixty_of_a_hundred
    from openpyxl import load_workbook

    def gmv_row(report):
        return next(r for r in report_export.rows(report) if r["metric"] == "gmv")

    def xlsx_floor(report):
        path = report_export.to_xlsx(report, tmp_path / "r.xlsx")
        rules = load_workbook(path).active.conditional_formatting
        return next(  # the red of column E (达成率)
            r.formula[0]
            for cf in rules
            for r in cf.rules
            if str(cf.sqref).startswith("E") and r.operator == "lessThan"
        )

    def dashboard_bar():
        # The dashboard of the day after DAY: DAY is its "yesterday".
        page = as_role("ops_lead").get("/?date=2026-07-03").content.decode()
        card = page.split('id="core-cards"')[1].split("</div></div></div>")[0]
        return "bg-orange" if "progress-bar bg-orange" in card else "bg-green"

    # The default 0.8: 60% is an anomaly, red in the report and its XLSX, orange on the board.
    report = daily_report.build(store, DAY)
    gmv = report.rows.get(metric="gmv")
    assert (gmv.achievement, gmv.anomaly, gmv.anomaly_reason) == (Decimal("0.6"), True, "goal")
    assert gmv_row(report)["achievement_low"] is True
    assert xlsx_floor(report) == "0.8"
    assert dashboard_bar() == "bg-orange"

    # SHOPOPS_ACHIEVEMENT_FLOOR=0.5: the same 60% is fine everywhere.
    settings.SHOPOPS_ACHIEVEMENT_FLOOR = Decimal("0.5")
    report = daily_report.build(store, DAY)
    gmv = report.rows.get(metric="gmv")
    assert gmv.anomaly_reason != "goal"
    assert gmv_row(report)["achievement_low"] is False
    assert xlsx_floor(report) == "0.5"
    assert dashboard_bar() == "bg-green"
