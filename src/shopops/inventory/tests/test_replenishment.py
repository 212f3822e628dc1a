"""Forecast, days of cover, reorder suggestions, purchase orders and the flash-sale
readiness check on a store with a known sales history."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shopops.catalog.models import Product, Sku, Supplier
from shopops.inventory import purchasing, replenishment
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, StockMovement, Warehouse
from shopops.orders import intake
from shopops.orders.models import Order, OrderLine, OrderStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def history(store_a):
    """60 days before `today`: STEADY sells 5 a day, LUMPY 2 units every 7th day, IDLE none.

    The expectations below are worked out by hand from this scenario (not by calling the
    formulas of `replenishment` again):
    - STEADY: sold 5 × 60 = 300 units over 60 days; a flat series forecasts exactly 5 a day.
      On hand 40, safety stock 10, supplier lead time 10 days, review period 14 days.
      Days of cover 40 / 5 = 8.0, so it runs out on today + 8 days.
      Reorder point: 5 × 10 days' lead + 10 safety = 60; 40 ≤ 60, so order now:
      5 × (10 lead + 14 review) + 10 safety − 40 on hand = 120 + 10 − 40 = 90.
    - LUMPY: sales on the days 56, 49 … 7 before today: 8 days × 2 = 16 units, its history
      starting 56 days back; ≈ 2 / 7 = 0.286 a day. 30 on hand is far above a reorder point
      of at most ⌈0.45 × 10⌉ = 5, so nothing to order.
    - IDLE: never sold, never stocked: no forecast, no suggestion.
    """
    supplier = Supplier.objects.create(store=store_a, code="S1", name="义乌工厂", lead_time_days=10)
    product = Product.objects.create(store=store_a, spu="P", name="杯子", supplier=supplier)
    skus = {
        code: Sku.objects.create(store=store_a, product=product, code=code, price=Decimal("10"))
        for code in ("STEADY", "LUMPY", "IDLE")
    }
    wh = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    today = datetime.now(store_a.zone).date()
    n = 0
    for back in range(60, 0, -1):
        day = today - timedelta(days=back)
        paid = datetime.combine(day, time(12), tzinfo=store_a.zone).astimezone(UTC)
        sales = [("STEADY", 5)] + ([("LUMPY", 2)] if back % 7 == 0 else [])
        for code, qty in sales:
            n += 1
            order = Order.objects.create(
                store=store_a,
                order_id=f"H{n}",
                status=OrderStatus.COMPLETED,
                created_at=paid,
                paid_at=paid,
                paid_amount=Decimal(10 * qty),
            )
            OrderLine.objects.create(
                store=store_a,
                order=order,
                line_no=1,
                sku=skus[code],
                sku_code=code,
                quantity=qty,
                unit_price=Decimal("10"),
                line_amount=Decimal(10 * qty),
                allocated_amount=Decimal(10 * qty),
            )
    stock.receive(None, store_a, skus["STEADY"], wh, 40)
    stock.receive(None, store_a, skus["LUMPY"], wh, 30)
    StockLevel.objects.filter(sku=skus["STEADY"]).update(safety_stock=10)
    return {"store": store_a, "today": today, "wh": wh, "supplier": supplier, **skus}


def test_forecast_picks_a_model_for_each_demand_pattern(history):
    fc = replenishment.forecast(history["store"], history["today"])
    steady, lumpy, idle = fc["STEADY"], fc["LUMPY"], fc["IDLE"]
    assert (steady.model, steady.daily, steady.sold, steady.history_days) == (
        "ETS (weekly)",
        Decimal("5"),
        300,
        60,
    )
    assert (lumpy.model, lumpy.sold, lumpy.history_days) == ("ADIDA", 16, 56)  # intermittent
    # A model's estimate, not arithmetic: near the true 2 / 7 = 0.286 a day.
    assert Decimal("0.25") <= lumpy.daily <= Decimal("0.32")
    assert (idle.model, idle.daily, idle.sold, idle.history_days) == ("none", Decimal("0"), 0, 0)


def test_cover_stockout_and_what_to_order(history):
    rows = {s.sku: s for s in replenishment.suggestions(history["store"], history["today"])}
    steady = rows["STEADY"]
    # Worked out in `history`: 40 / 5 = 8.0 days; 5 × 10 + 10 = 60; 5 × 24 + 10 − 40 = 90.
    assert (steady.available, steady.on_order, steady.safety, steady.lead_days) == (40, 0, 10, 10)
    assert steady.days_of_cover == Decimal("8.0")
    assert steady.stockout_on == history["today"] + timedelta(days=8)
    assert steady.reorder_point == 60
    assert steady.suggested == 90
    assert rows["LUMPY"].available == 30 and rows["LUMPY"].reorder_point <= 5
    assert rows["LUMPY"].suggested == 0  # 30 units cover months of lumpy demand
    assert "IDLE" not in rows  # neither stocked nor selling
    assert next(iter(rows)) == "STEADY"  # the most urgent first


def test_purchase_order_receipts_write_the_ledger_and_serve_the_queue(history):
    store, wh = history["store"], history["wh"]
    # Stock runs out; a paid order for 45 waits as stock short.
    body = {
        "order_id": "BIG",
        "created_at": "2026-11-11T00:00:00+08:00",
        "paid_at": "2026-11-11T00:00:01+08:00",
        "paid_amount": "450.00",
        "customer_id": "b",
        "lines": [{"sku": "STEADY", "quantity": 45, "unit_price": "10.00"}],
        "shipping_address": {"name": "n", "phone": "1", "province": "p", "address": "a"},
    }
    assert intake.receive(None, store, body).status_code == 202
    po = purchasing.create(
        None, store, warehouse=wh, lines=[(history["STEADY"], 60)], supplier=history["supplier"]
    )
    assert po.status == "draft" and replenishment.on_order(store) == {}
    with pytest.raises(ValidationError):
        purchasing.receive(None, po, {po.lines.get().pk: 10})  # not ordered yet
    purchasing.place(None, po)
    assert replenishment.on_order(store) == {"STEADY": 60}
    line = po.lines.get()
    with pytest.raises(ValidationError, match="60"):
        purchasing.receive(None, po, {line.pk: 61})
    assert purchasing.receive(None, po, {line.pk: 20}) == 20
    po.refresh_from_db()
    assert po.status == "partial" and replenishment.on_order(store) == {"STEADY": 40}
    level = StockLevel.objects.get(sku=history["STEADY"])
    assert (level.on_hand, level.reserved) == (60, 45)  # 40 + 20 received; BIG served
    assert Order.objects.get(order_id="BIG").holds.get().resolved_at is not None
    purchasing.receive(None, po, {line.pk: 40})
    po.refresh_from_db()
    assert po.status == "received"
    receipts = StockMovement.objects.filter(reference=po.number, kind="receipt")
    assert sorted(receipts.values_list("quantity", flat=True)) == [20, 40]
    with pytest.raises(ValidationError):
        purchasing.cancel(None, po)
    assert stock.reconcile(store) == []


def test_flash_sale_readiness(history):
    store, today = history["store"], history["today"]
    start = today + timedelta(days=3)
    # Two campaign days at 3× the usual 5 a day: 2 × 5 × 3 = 30 expected, and 1.2 × 30 = 36
    # needed; 40 available, so ready.
    [ready] = replenishment.readiness(
        store, ["STEADY"], start, start + timedelta(days=1), Decimal(3)
    )
    assert (ready.expected, ready.needed, ready.available, ready.arriving) == (
        Decimal("30.0"),
        36,
        40,
        0,
    )
    assert ready.ready and ready.short == 0
    # At 5×: 2 × 5 × 5 = 50 expected, 1.2 × 50 = 60 needed, 60 − 40 = 20 short.
    [short] = replenishment.readiness(
        store, ["STEADY"], start, start + timedelta(days=1), Decimal(5)
    )
    assert (short.expected, short.needed, short.short, short.ready) == (
        Decimal("50.0"),
        60,
        20,
        False,
    )
    # Goods ordered to arrive before the campaign count.
    po = purchasing.create(None, store, warehouse=history["wh"], lines=[(history["STEADY"], 100)])
    purchasing.place(None, po, expected_at=today + timedelta(days=1))
    [covered] = replenishment.readiness(
        store, ["STEADY"], start, start + timedelta(days=1), Decimal(5)
    )
    # 40 on hand + 100 arriving = 140 ≥ the 60 needed.
    assert (covered.arriving, covered.needed, covered.short, covered.ready) == (100, 60, 0, True)


def test_replenishment_and_purchase_orders_over_the_api(history, as_role):
    import json

    def post(client, url, body):
        return client.post(url, json.dumps(body), content_type="application/json")

    clerk, buyer = as_role("warehouse"), as_role("product_ops")  # clerk: no costs
    rows = clerk.get("/api/v1/inventory/replenishment?store=alpha").json()
    steady = next(r for r in rows if r["sku"] == "STEADY")
    # The numbers worked out in `history`, as the API gives them.
    assert (steady["suggested"], steady["reorder_point"], steady["days_of_cover"]) == (
        90,
        60,
        "8.0",
    )
    assert steady["stockout_on"] == (history["today"] + timedelta(days=8)).isoformat()
    body = {
        "store": "alpha",
        "warehouse": "HZ",
        "supplier": "S1",
        "lines": [{"sku": "STEADY", "quantity": steady["suggested"], "unit_cost": "3.2500"}],
    }
    made = post(buyer, "/api/v1/inventory/purchase-orders", body)
    assert made.status_code == 200, made.content
    po = made.json()
    assert po["status"] == "draft" and po["lines"][0]["unit_cost"] == "3.2500"
    url = f"/api/v1/inventory/purchase-orders/alpha/{po['number']}"
    placed = post(clerk, f"{url}/place", {})
    assert placed.json()["status"] == "ordered" and "unit_cost" not in placed.json()["lines"][0]
    over = post(clerk, f"{url}/receive", {"received": {"STEADY": steady["suggested"] + 1}})
    assert over.status_code == 422
    done = post(clerk, f"{url}/receive", {"received": {"STEADY": steady["suggested"]}})
    assert done.json()["status"] == "received"
    start = (history["today"] + timedelta(days=2)).isoformat()
    ready = clerk.get(
        f"/api/v1/inventory/readiness?store=alpha&sku=STEADY&start={start}&end={start}&uplift=2"
    )
    # One day at 2×: 5 × 2 = 10 expected, 12 needed; 40 + the 90 received = 130 available.
    assert ready.json() == [
        {
            "sku": "STEADY",
            "expected": "10.0",
            "needed": 12,
            "available": 130,
            "arriving": 0,
            "short": 0,
            "ready": True,
        }
    ]
    assert post(as_role("analyst"), f"{url}/cancel", {}).status_code == 403
