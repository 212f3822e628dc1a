"""An order-only store (the real Tmall 订单报表 and nothing else) in a real browser, in
Chinese: its daily report says which data the day has, shows 无数据 for what was never
imported, explains GMV by orders and AOV with the provinces that drove it, and names the
closed week its baselines leave out; the explain page shows the contributions, adding up
to the change (issue 20)."""

from decimal import Decimal

import pytest
from conftest import TMALL_REPORT

from shopops.core import services
from shopops.ingest.pipeline import run_import
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tmall(shared_file):
    store = services.create_store(None, code="tm", name="天猫店", platform="tmall")
    made = run_import(store=store, kind="orders", path=shared_file(TMALL_REPORT), fmt="taobao")
    assert made.rejected == 0
    services.create_user(username="lead", password="Lead-pass-123", role="ops_lead", stores=[store])
    return store


def test_order_only_report_and_explain_page(live_server, page, screenshot_dir, tmall):
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    page.goto(f"{live_server.url}/reports/daily/?date=2020-02-25")
    page.wait_for_selector("#daily-report")
    context = page.inner_text("#report-context")
    assert "本日数据" in context and "基线不含 2020-02-10…2020-02-16" in context
    assert "无数据" in page.inner_text("#m-visitors") and "import traffic" in page.inner_text(
        "#m-visitors"
    )
    gmv = page.inner_text("#m-gmv")
    assert "支付订单数 +72.3%，客单价 -7.4%" in gmv and "变化分散：最大的省份" in gmv
    page.screenshot(path=str(screenshot_dir / "daily-report-order-only.png"), full_page=True)

    page.goto(
        f"{live_server.url}/metrics/explain/?metric=gmv&start=2020-02-25&end=2020-02-25"
        "&base_from=2020-02-24&base_to=2020-02-24"
    )
    page.wait_for_selector("#waterfall-chart svg", timeout=20000)
    assert "支付订单数 +72.3%" in page.inner_text("#explain-summary")
    values = page.eval_on_selector_all(
        "#waterfall-table td[data-value]", "cells => cells.map(c => c.dataset.value)"
    )
    *steps, change = [Decimal(v) for v in values]
    assert steps[0] + sum(steps[1:-1]) == steps[-1] and change == steps[-1] - steps[0]
    provinces = page.eval_on_selector_all(
        "#drivers [data-dimension=province] td[data-value]",
        "cells => cells.map(c => c.dataset.value)",
    )
    assert sum(Decimal(v) for v in provinces) == change
    assert page.locator("#concentration tr[data-kind=order]").count() == 1
    page.screenshot(path=str(screenshot_dir / "explain-order-only.png"), full_page=True)
