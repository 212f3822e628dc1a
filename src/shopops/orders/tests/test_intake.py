"""POST /api/v1/orders: idempotent intake that reserves stock all-or-none and never loses
an order it cannot serve."""

from decimal import Decimal

import pytest

from shopops.inventory import services as stock
from shopops.inventory.models import Allocation, StockLevel
from shopops.orders.models import IntakeReceipt, Order, OrderHold
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def level(shelf, sku, wh="HZ"):
    return StockLevel.objects.get(sku=shelf[sku], warehouse=shelf[wh])


def test_paid_order_reserves_and_a_retry_gets_the_same_answer(as_role, shelf, post):
    lead = as_role("ops_lead")
    first = post(lead, "/api/v1/orders", order_payload(lines=(("CUP", 2, "99.00"),)))
    assert first.status_code == 201, first.content
    assert first.json()["allocated"] is True and first.json()["holds"] == []
    again = post(lead, "/api/v1/orders", order_payload(lines=(("CUP", 2, "99.00"),)))
    assert (again.status_code, again.json()) == (201, first.json())
    assert Order.objects.filter(order_id="T1").count() == 1
    cup = level(shelf, "CUP")
    assert (cup.on_hand, cup.reserved) == (10, 2)
    assert stock.reconcile(shelf["store"]) == []
    changed = post(lead, "/api/v1/orders", order_payload(lines=(("CUP", 3, "99.00"),)))
    assert changed.status_code == 409 and "不同内容" in changed.json()["detail"]
    assert level(shelf, "CUP").reserved == 2


def test_stock_short_is_accepted_as_an_exception_with_nothing_reserved(as_role, shelf, post):
    lead = as_role("ops_lead")
    # LID: 3 in HZ and 2 in GZ; a line is served whole from one warehouse, so 4 is short.
    body = order_payload("T2", lines=(("CUP", 1, "99.00"), ("LID", 4, "9.90")))
    answer = post(lead, "/api/v1/orders", body)
    assert answer.status_code == 202, answer.content
    data = answer.json()
    assert data["allocated"] is False and data["status"] == "paid"
    assert [h["reason"] for h in data["holds"]] == ["stock_short"]
    assert "LID" in data["holds"][0]["detail"]
    # All or none: the CUP line that did fit was not reserved either.
    assert level(shelf, "CUP").reserved == 0 and not Allocation.objects.exists()
    assert OrderHold.objects.get().reason == "stock_short"
    # A receipt of LID serves the queued order.
    mover = as_role("warehouse")
    receipt = {"store": "alpha", "kind": "receipt", "sku": "LID", "warehouse": "GZ", "quantity": 5}
    assert post(mover, "/api/v1/inventory/movements", receipt).status_code == 200
    assert OrderHold.objects.get().resolved_at is not None
    assert level(shelf, "LID", "GZ").reserved == 4 and level(shelf, "CUP").reserved == 1
    assert stock.reconcile(shelf["store"]) == []


def test_second_line_prefers_the_first_warehouse_with_room(as_role, shelf, post):
    lead = as_role("ops_lead")
    answer = post(lead, "/api/v1/orders", order_payload("T3", lines=(("LID", 2, "9.90"),)))
    assert answer.status_code == 201
    answer = post(
        lead, "/api/v1/orders", order_payload("T4", lines=(("LID", 2, "9.90"),), customer_id="b2")
    )
    assert answer.status_code == 201  # HZ has 1 left, so GZ serves it
    assert level(shelf, "LID", "HZ").reserved == 2 and level(shelf, "LID", "GZ").reserved == 2


def test_invalid_input_names_each_field(as_role, shelf, post):
    lead = as_role("ops_lead")
    bad = order_payload(
        "T5", lines=(("NOPE", 0, "1.00051"),), paid_amount="-1", created_at="yesterday"
    )
    answer = post(lead, "/api/v1/orders", bad)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert set(errors) == {
        "created_at", "paid_amount", "lines[0].sku", "lines[0].quantity", "lines[0].unit_price",
    }  # fmt: skip
    assert "NOPE" in errors["lines[0].sku"]
    naive = order_payload("T6", paid_at="2026-11-11T00:00:05")
    assert "paid_at" in post(lead, "/api/v1/orders", naive).json()["errors"]
    assert not Order.objects.exists() and not IntakeReceipt.objects.exists()


def test_unpaid_order_is_paid_by_posting_it_again(as_role, shelf, post):
    lead = as_role("ops_lead")
    unpaid = post(lead, "/api/v1/orders", order_payload("T7", paid=False))
    assert unpaid.status_code == 201 and unpaid.json()["status"] == "pending_payment"
    assert level(shelf, "CUP").reserved == 0
    paid = post(lead, "/api/v1/orders", order_payload("T7"))
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    assert level(shelf, "CUP").reserved == 1
    assert post(lead, "/api/v1/orders", order_payload("T7")).json() == paid.json()


def test_review_rules_put_orders_on_hold(as_role, shelf, post, store_a):
    from shopops.orders.models import FulfilmentSettings

    FulfilmentSettings.objects.create(store=store_a, high_amount="150")
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("D1"))
    body = order_payload("D2", lines=(("CUP", 2, "99.00"),), buyer_message="请发顺丰")
    body["shipping_address"]["phone"] = ""
    held = post(lead, "/api/v1/orders", body)
    assert held.status_code == 202
    reasons = {h["reason"] for h in held.json()["holds"]}
    assert reasons == {"address_incomplete", "buyer_message", "high_amount"}
    twin = post(lead, "/api/v1/orders", order_payload("D3"))
    assert twin.status_code == 202
    [hold] = twin.json()["holds"]
    assert hold["reason"] == "duplicate" and "D1" in hold["detail"]
    assert twin.json()["allocated"] is True  # held for a look, its stock kept meanwhile


def test_roles_and_stores(as_role, shelf, post, store_b):
    assert post(as_role("analyst"), "/api/v1/orders", order_payload()).status_code == 403
    assert (
        post(as_role("ops_lead"), "/api/v1/orders", order_payload(store="beta")).status_code == 404
    )
    assert not Order.objects.exists()


def test_available_to_sell_per_channel_keeps_the_buffer(as_role, shelf, post):
    from shopops.inventory.models import ChannelBuffer

    store = shelf["store"]
    ChannelBuffer.objects.create(store=store, channel="douyin", units=2)  # channel default
    ChannelBuffer.objects.create(store=store, channel="douyin", sku=shelf["LID"], units=9)
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("A1", lines=(("CUP", 3, "99.00"),)))
    rows = {
        r["sku"]: r
        for r in as_role("warehouse")
        .get("/api/v1/inventory/available?store=alpha&channel=douyin")
        .json()
    }
    # CUP: 10 on hand, 3 reserved, 7 available, less the channel's 2.
    assert rows["CUP"] == {
        "sku": "CUP", "on_hand": 10, "reserved": 3, "available": 7, "buffer": 2,
        "available_to_sell": 5,
    }  # fmt: skip
    # LID: 5 available over two warehouses; its own buffer of 9 leaves nothing, never < 0.
    assert (rows["LID"]["available"], rows["LID"]["available_to_sell"]) == (5, 0)
    tmall = lead.get("/api/v1/inventory/available?store=alpha&channel=tmall&sku=CUP").json()
    assert [(r["sku"], r["available_to_sell"]) for r in tmall] == [("CUP", 7)]


def test_sub_cent_unit_price_is_kept_and_the_line_amount_rounded(as_role, shelf, post):
    lead = as_role("ops_lead")
    body = order_payload("T-W", lines=(("CUP", 3, "0.0015"), ("LID", 1, "9.001")))
    body["paid_amount"] = "9.00"  # goods 0.0045 -> 0.00 and 9.001 -> 9.00
    answer = post(lead, "/api/v1/orders", body)
    assert answer.status_code in (201, 202), answer.content
    order = Order.objects.get(order_id="T-W")
    lines = list(order.lines.order_by("line_no").values_list("unit_price", "line_amount"))
    assert lines == [(Decimal("0.0015"), Decimal("0.00")), (Decimal("9.001"), Decimal("9.00"))]
    assert order.goods_amount == Decimal("9.00")
    shown = lead.get("/api/v1/orders/alpha/T-W").json()["lines"]
    assert [x["unit_price"] for x in shown] == ["0.0015", "9.001"]
    again = post(lead, "/api/v1/orders", body)  # a retry gets the same answer
    assert again.status_code == answer.status_code and again.json() == answer.json()
