"""Two stores in different currencies, seen in the console in Chinese: the GBP store's
dashboard and goals show pounds, the CNY store's yuan; the exchange-rates page takes a rates
file, after which the total across both is converted (issue 21)."""

from datetime import datetime, timedelta

import pytest

from shopops.core import services
from shopops.ingest.pipeline import run_import
from shopops.planning.goals import create_goal
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_stores(tmp_path):
    uk = services.create_store(
        None, code="uk", name="UK Shop", platform="own", currency="GBP", timezone="Europe/London"
    )
    tm = services.create_store(None, code="tm", name="天猫店", platform="tmall", currency="CNY")
    for store, amounts in ((uk, ("1234.50", "99.00")), (tm, ("8888.00", "120.00"))):
        today = datetime.now(store.zone).date()
        lines = ["order_id,paid_amount,created_at,paid_at,customer_id"]
        for i, amount in enumerate(amounts):
            at = f"{today - timedelta(days=i + 1)} 10:00"
            lines.append(f"O{i},{amount},{at},{at},c{i}")
        path = tmp_path / f"{store.code}.csv"
        path.write_text("\n".join(lines) + "\n")
        assert run_import(store=store, kind="orders", path=path).rejected == 0
        create_goal(
            None,
            store,
            name=f"{store.code} 本月销售额",
            metric="gmv",
            target="50000",
            period="month",
            start=today.replace(day=1),
            end=(today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1),
        )
    services.create_user(
        username="lead", password="Lead-pass-123", role="ops_lead", stores=[uk, tm]
    )
    return uk, tm


def _switch(page, code):
    with page.expect_navigation():
        page.select_option("#store-switcher select", code)


def test_each_store_shows_its_own_currency(live_server, page, screenshot_dir, two_stores, tmp_path):
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    for code, symbol, other in (("uk", "£", "¥"), ("tm", "¥", "£")):
        _switch(page, code)
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#core-cards")
        cards = page.inner_text("#core-cards")
        assert symbol in cards and other not in cards, cards
        goals = page.inner_text("#goal-progress")
        assert f"{symbol}50,000.00" in goals and other not in goals, goals
        page.screenshot(path=str(screenshot_dir / f"dashboard-{code}.png"), full_page=True)
        page.click("#main-nav a[data-module=goals]")
        page.wait_for_selector("#goal-table")
        table = page.inner_text("#goal-table")
        assert f"{symbol}50,000.00" in table and other not in table, table
        page.screenshot(path=str(screenshot_dir / f"goals-{code}.png"), full_page=True)

    # The rates page: a file of daily GBP rates, all or none; the table lists them.
    page.goto(f"{live_server.url}/rates/")
    assert "CNY" in page.inner_text("#currency-summary")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,currency,rate\n2024-01-02,GBP,x\n")
    page.set_input_files("#rates-file-form input[type=file]", str(bad))
    page.click("#rates-file-form button[type=submit]")
    assert "bad.csv, line 2, column rate" in page.inner_text("#rates-file-form")
    assert page.locator("#rates tbody tr[data-currency]").count() == 0
    today = datetime.now(two_stores[0].zone).date()
    days = [today - timedelta(days=i) for i in range(10)]
    good = tmp_path / "rates.csv"
    good.write_text(
        "日期,币种,汇率\n" + "".join(f"{d},GBP,9.{i:02d}\n" for i, d in enumerate(days))
    )
    page.set_input_files("#rates-file-form input[type=file]", str(good))
    page.click("#rates-file-form button[type=submit]")
    page.wait_for_selector("#rates tbody tr[data-currency=GBP]")
    assert page.locator("#rates tbody tr[data-currency=GBP]").count() == 10
    page.screenshot(path=str(screenshot_dir / "rates-zh.png"), full_page=True)
