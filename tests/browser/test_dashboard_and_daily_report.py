"""The ops lead opens the dashboard and the daily report in Chinese, writes an adjustment
measure and sees it kept, and downloads the XLSX, read back with openpyxl."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.devtools import demo_data
from shopops.devtools.demo import demo_goals
from shopops.monitoring.daily_report import build
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store():
    store = services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    demo_data.load(store, seed=5, months=2, target_orders=4000, progress=lambda m: None)
    assert demo_goals(store) > 5
    services.create_user(username="lead", password="Lead-pass-123", role="ops_lead", stores=[store])
    return store


def test_dashboard_daily_report_measure_and_xlsx(
    live_server, page, screenshot_dir, demo_store, tmp_path
):
    day = datetime.now(demo_store.zone).date() - timedelta(days=1)
    build(demo_store, day)
    sign_in(page, live_server.url, "lead", "Lead-pass-123")

    # The dashboard: cards against target, the charts drawn, goals and SKUs listed.
    page.wait_for_selector("#chart-trend svg", timeout=20000)
    page.wait_for_selector("#chart-mix svg")
    page.wait_for_selector("#chart-funnel svg")
    cards = page.inner_text("#core-cards")
    assert "销售额" in cards and "访客数" in cards and "目标" in cards
    assert page.locator("#goal-progress a").count() >= 5
    assert page.locator("#top-skus tbody tr").count() == 10
    page.screenshot(path=str(screenshot_dir / "dashboard-zh.png"), full_page=True)
    page.click("#board-range a:has-text('90')")
    page.wait_for_selector("#chart-trend svg")
    assert "days=90" in page.url and "90" in page.inner_text(".card-title >> nth=0")

    # Goals: the breakdown with achievement and projection, and one goal's days.
    page.click("#main-nav a[data-module=goals]")
    page.wait_for_selector("#goal-table")
    assert "季度销售额" in page.inner_text("#goal-table")
    page.screenshot(path=str(screenshot_dir / "goals-zh.png"), full_page=True)
    page.click("#goal-table a:has-text('季度销售额')")
    page.wait_for_selector("#goal-days")
    assert page.locator("#goal-days tbody tr").count() >= 90
    page.screenshot(path=str(screenshot_dir / "goal-detail-zh.png"), full_page=True)

    # The daily report of yesterday; write a measure on GMV and find it kept after reload.
    page.click("#main-nav a[data-module=daily_report]")
    page.wait_for_selector("#daily-report")
    assert "销售额" in page.inner_text("#daily-report")
    row = page.locator("#m-gmv")
    row.locator("summary").click()
    row.locator("textarea").fill("加投「双11大促」计划预算 20%")
    row.locator("input[type=date]").fill((day + timedelta(days=2)).isoformat())
    row.locator("button[type=submit]").click()
    page.wait_for_selector("text=加投「双11大促」计划预算 20%")
    page.reload()
    assert "加投「双11大促」计划预算 20%" in page.inner_text("#m-gmv .measure-text")
    page.screenshot(path=str(screenshot_dir / "daily-report-zh.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#download-xlsx")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == [
        "日期", "核心指标", "目标值", "实际值", "达成率", "环比变化", "异常说明", "调整措施",
    ]  # fmt: skip
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    (actual,) = metrics(["gmv", "visitors"], demo_store, day, day, "none")
    assert Decimal(str(rows["销售额"][3])) == actual["gmv"]
    assert rows["访客数"][3] == actual["visitors"]
    assert rows["销售额"][7].startswith("加投「双11大促」计划预算 20%")
