"""The product operator checks a campaign's stock, drafts purchase orders from the reorder
suggestions, places one and receives it into stock, in Chinese."""

from datetime import timedelta

import pytest

from shopops.core import services as core
from shopops.inventory.models import PurchaseOrder, StockLevel
from shopops.inventory.tests.test_replenishment import history  # noqa: F401 (fixture)
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_readiness_draft_place_and_receive(live_server, page, screenshot_dir, history):  # noqa: F811
    core.create_user(
        username="buyer", password="Buyer-pass-123", role="product_ops", stores=[history["store"]]
    )
    sign_in(page, live_server.url, "buyer", "Buyer-pass-123")
    page.goto(f"{live_server.url}/inventory/replenishment/")
    steady = page.locator("#suggestion-table tr[data-sku=STEADY]")
    assert steady.locator("input[name=sku]").is_checked()
    suggested = int(steady.locator("input[name=qty-STEADY]").input_value())
    assert suggested > 0
    assert not page.locator("#suggestion-table tr[data-sku=LUMPY] input[name=sku]").is_checked()

    # 秒杀备货检查: two days at 5× the usual demand is more than the 40 in stock.
    start = history["today"] + timedelta(days=5)
    page.fill("#id_skus", "STEADY LUMPY")
    page.fill("#id_start", start.isoformat())
    page.fill("#id_end", (start + timedelta(days=1)).isoformat())
    page.fill("#id_uplift", "5")
    page.click("#readiness-form button[type=submit]")
    page.wait_for_selector("#readiness-table")
    row = page.locator("#readiness-table tr[data-sku=STEADY]")
    assert "库存不足" in row.inner_text()
    assert "备货充足" in page.locator("#readiness-table tr[data-sku=LUMPY]").inner_text()
    page.screenshot(path=str(screenshot_dir / "replenishment-zh.png"), full_page=True)

    # Draft, place, receive.
    page.click("#make-drafts")
    page.wait_for_selector("#po-table")
    po = PurchaseOrder.objects.get()
    assert po.status == "draft" and po.supplier.code == "S1"
    page.click(f"#po-table tr[data-po='{po.number}'] a")
    page.click("#po-place")
    page.wait_for_selector(".alert-success")
    page.fill("#po-lines input[name^=receive-]", str(suggested))
    page.screenshot(path=str(screenshot_dir / "purchase-order-zh.png"), full_page=True)
    page.click("#po-receive")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#po-status") == "已收货"
    level = StockLevel.objects.get(sku__code="STEADY")
    assert level.on_hand == 40 + suggested
