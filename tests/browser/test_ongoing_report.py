"""The daily report in a real browser, in Chinese, on a day with both kinds of condition
(issue 23): GMV has been under its June goal since the month began, which the report lists
once in its own 持续问题 section with the day count, the month's achievement, its
projection and what would close the gap; and that day paid traffic stopped, a new anomaly,
flagged in the table with its note explaining the deviation from the usual weekday."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.core import services
from shopops.monitoring.tests.test_anomaly_rules import DAY, steady  # noqa: F401
from shopops.planning import goals
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_with_an_ongoing_shortfall_and_a_new_anomaly(
    live_server,
    page,
    screenshot_dir,
    steady,  # noqa: F811
):
    goals.create_goal(
        None, steady, name="六月销售额", metric="gmv", period="month",
        target=Decimal("280000.00"), start=date(2024, 6, 1), end=date(2024, 6, 30),
    )  # fmt: skip
    services.create_user(
        username="lead", password="Lead-pass-123", role="ops_lead", stores=[steady]
    )
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    page.goto(f"{live_server.url}/reports/daily/?date={DAY}")
    page.wait_for_selector("#report-ongoing")
    ongoing = page.inner_text("#report-ongoing")
    assert "持续问题" in ongoing
    assert "销售额：连续 26 天低于目标（自 2024-06-01）" in ongoing
    assert "本月累计达成" in ongoing and "预计月末" in ongoing and "剩余 4 天需日均 ¥" in ongoing
    gmv = page.inner_text("#m-gmv")
    assert "异常" in gmv and "持续" in gmv  # a new anomaly on a day of the ongoing shortfall
    assert "偏离近 8 周同日的常态" in gmv and "较近 8 周同日中位数" in gmv
    assert "付费流量" in gmv and "春季上新" in gmv
    assert "个指标需要关注" in page.inner_text("body")
    page.screenshot(path=str(screenshot_dir / "daily-report-ongoing.png"), full_page=True)
