"""The warehouse clerk works the fulfilment pages in Chinese: the exception queue shows the
stock-short orders of a 秒杀, batch audit and batch ship move orders on, the overdue list
shows a late order, and the two logistics reports open and download as XLSX."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shopops.catalog.models import Product, Sku
from shopops.core import services as core
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, Warehouse
from shopops.orders import intake, services, tracking
from shopops.orders.models import Order
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def body(order_id, paid_at, buyer):
    return {
        "order_id": order_id,
        "created_at": paid_at,
        "paid_at": paid_at,
        "customer_id": buyer,
        "paid_amount": "59.00",
        "lines": [{"sku": "CUP", "quantity": 1, "unit_price": "59.00"}],
        "shipping_address": {
            "name": "王五",
            "phone": "13900000000",
            "province": "浙江省",
            "city": "杭州市",
            "address": f"文三路 {buyer} 号",
        },
    }


@pytest.fixture
def flash_store():
    store = core.create_store(None, code="flash", name="秒杀店", platform="tmall")
    product = Product.objects.create(store=store, spu="P", name="保温杯")
    cup = Sku.objects.create(store=store, product=product, code="CUP", price=Decimal("59"))
    hz = Warehouse.objects.create(store=store, code="HZ", name="杭州仓")
    stock.receive(None, store, cup, hz, 3, reason="秒杀备货")
    now = datetime.now(UTC)
    # Three days ago: one order shipped (late, no tracking since), one never shipped.
    old = (now - timedelta(days=3)).isoformat()
    intake.receive(None, store, body("OLD-SHIPPED", old, "b1"))
    intake.receive(None, store, body("OLD-WAITING", old, "b2"))
    shipped = Order.objects.get(order_id="OLD-SHIPPED")
    services.review_order(None, shipped)
    services.ship(None, shipped, carrier="中通", tracking_no="ZT100", at=now - timedelta(days=3))
    services.review_order(None, Order.objects.get(order_id="OLD-WAITING"))
    # The 秒杀: one unit left, three buyers.
    answers = [
        intake.receive(None, store, body(f"FS{i}", now.isoformat(), f"f{i}")).status_code
        for i in range(3)
    ]
    assert answers == [201, 202, 202]
    # The worker's hourly sweep finds OLD-SHIPPED late (not delivered 48 h after shipping).
    assert tracking.find_delays(store) >= 1
    # A parcel delivered yesterday for the timeliness report.
    tracking.record_events(
        None,
        store,
        "中通",
        "ZT100",
        [{"at": now - timedelta(days=1), "status": "delivered", "location": "杭州"}],
    )
    core.create_user(username="clerk", password="Clerk-pass-123", role="warehouse", stores=[store])
    return store


def test_exception_queue_batch_audit_ship_and_logistics_reports(
    live_server, page, screenshot_dir, flash_store, tmp_path
):
    sign_in(page, live_server.url, "clerk", "Clerk-pass-123")
    page.goto(f"{live_server.url}/orders/")
    held = page.locator("#order-table tr[data-order]")
    assert sorted(held.evaluate_all("rows => rows.map(r => r.dataset.order)")) == ["FS1", "FS2"]
    assert page.locator("#order-table .hold[data-reason=stock_short]").count() == 2
    assert "库存不足" in page.inner_text("#order-table")
    page.screenshot(path=str(screenshot_dir / "orders-exceptions-zh.png"), full_page=True)

    # Batch audit: the paid order that got the last unit.
    page.click("#order-tabs [data-tab=to_audit]")
    assert page.locator("#order-table tr[data-order]").count() == 1
    page.check("#select-all")
    page.click("#batch-audit")
    page.wait_for_selector(".alert-success")
    assert Order.objects.get(order_id="FS0").status == "allocated"

    # The overdue list: OLD-WAITING was paid 3 days ago against a 48 h promise.
    page.click("#order-tabs [data-tab=overdue]")
    late = page.locator("#order-table tr[data-order]")
    assert late.evaluate_all("rows => rows.map(r => r.dataset.order)") == ["OLD-WAITING"]
    assert page.locator("#order-table tr[data-order='OLD-WAITING'] .text-red").count() == 1

    # Batch ship: tracking numbers typed per row.
    page.click("#order-tabs [data-tab=to_ship]")
    rows = page.locator("#order-table tr[data-order]")
    assert rows.count() == 2  # FS0 and the late OLD-WAITING
    for order_id, number in (("FS0", "SF001"), ("OLD-WAITING", "SF002")):
        row = page.locator(f"#order-table tr[data-order='{order_id}']")
        row.locator("input[name^=carrier-]").fill("顺丰")
        row.locator("input[name^=tracking-]").fill(number)
    page.screenshot(path=str(screenshot_dir / "orders-ship-zh.png"), full_page=True)
    page.click("#batch-ship")
    page.wait_for_selector(".alert-success")
    assert set(Order.objects.filter(status="shipped").values_list("order_id", flat=True)) == {
        "FS0",
        "OLD-WAITING",
    }
    level = StockLevel.objects.get(sku__code="CUP")
    assert (level.on_hand, level.reserved) == (0, 0)

    # The overdue list: empty again now that the late order has shipped.
    page.click("#order-tabs [data-tab=overdue]")
    assert page.locator("#order-table tr[data-order]").count() == 0

    # 物流时效跟踪表, on the page and as XLSX.
    page.goto(f"{live_server.url}/orders/logistics/")
    table = page.inner_text("#timeliness-table")
    assert "中通" in table and "顺丰" in table
    page.screenshot(path=str(screenshot_dir / "logistics-timeliness-zh.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-xlsx")
    path = tmp_path / "timeliness.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    zto = next(r for r in values if r[0] == "中通")
    assert zto[1:4] == [1, 1, 0] and zto[4] == 48  # shipped 3 days ago, delivered after 2

    # 异常物流处理记录: contact the buyer, compensate with a coupon, close; then export.
    page.goto(f"{live_server.url}/orders/logistics/exceptions/")
    form = page.locator("#cases-table form.case-form").first
    form.locator("input[name=contact_note]").fill("电话联系买家，说明延误")
    form.locator("select[name=compensation]").select_option("coupon")
    form.locator("input[name=compensation_amount]").fill("10")
    form.locator("input[name=result]").fill("买家接受 10 元优惠券")
    form.locator("input[name=close]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(screenshot_dir / "logistics-exceptions-zh.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-xlsx")
    path = tmp_path / "cases.xlsx"
    info.value.save_as(path)
    rows = [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]
    closed = [r for r in rows[1:] if r[10] == "买家接受 10 元优惠券"]
    assert len(closed) == 1 and closed[0][0] == "OLD-SHIPPED" and closed[0][9] == 10
