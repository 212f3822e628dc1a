"""数据指标 in a real browser: ask a question, see the chart drawn, download the CSV and read
it back, open the shared URL in a new page and get the same table; then 为什么变化 opens
the diagnosis, whose parts add up to the change it shows."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.devtools import demo_data
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store():
    store = services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    demo_data.load(store, seed=7, months=2, target_orders=3000, progress=lambda m: None)
    services.create_user(username="lead", password="Lead-pass-123", role="ops_lead", stores=[store])
    return store


def _table(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#explorer-table tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))",
    )


def test_ask_chart_export_share_and_explain(live_server, page, browser, screenshot_dir, demo_store):
    end = datetime.now(demo_store.zone).date() - timedelta(days=1)
    start = end - timedelta(days=27)
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    page.click("#main-nav a[data-module=metrics]")
    page.wait_for_selector("#explorer-table")  # the default question is answered at once
    page.select_option("#id_metric", ["gmv", "visitors", "cvr"])
    page.fill("#id_start", start.isoformat())
    page.fill("#id_end", end.isoformat())
    page.select_option("#id_by", "week")
    page.click("#run-query")
    page.wait_for_selector("#explorer-chart svg", timeout=20000)
    rows = _table(page)
    expected = metrics(["gmv", "visitors", "cvr"], demo_store, start, end, "week")
    assert len(rows) == len(expected) >= 4
    assert [r[1] for r in rows] == [f"¥{r['gmv']:,.2f}" for r in expected]
    page.screenshot(path=str(screenshot_dir / "metrics-explorer.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#export-csv")
    with open(info.value.path(), encoding="utf-8-sig") as f:
        text = f.read()
    read = list(csv.reader(io.StringIO(text)))
    assert [Decimal(r[1]) for r in read[1:]] == [r["gmv"] for r in expected]

    shared = page.url
    other = browser.new_context(locale="en-US").new_page()
    sign_in(other, live_server.url, "lead", "Lead-pass-123")
    other.goto(shared)
    other.wait_for_selector("#explorer-table")
    assert _table(other) == rows
    other.context.close()

    page.click("#explain-links a >> nth=0")
    page.wait_for_selector("#waterfall-chart svg", timeout=20000)
    values = page.eval_on_selector_all(
        "#waterfall-table td[data-value]", "cells => cells.map(c => c.dataset.value)"
    )
    *steps, change = [Decimal(v) for v in values]
    assert steps[0] + sum(steps[1:-1]) == steps[-1] and change == steps[-1] - steps[0]
    assert page.locator("#drill-down .card").count() >= 1
    page.screenshot(path=str(screenshot_dir / "metrics-explain.png"), full_page=True)
