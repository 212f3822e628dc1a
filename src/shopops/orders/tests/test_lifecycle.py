"""The order state machine through the API: audit, ship, deliver, cancel, refund, and the
worker's unpaid timeout and logistics checks."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, StockMovement
from shopops.orders import services, tracking
from shopops.orders.models import DelayCase, Order, OrderEvent
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def cup(shelf):
    lv = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    return lv.on_hand, lv.reserved


def test_audit_ship_deliver_complete(as_role, shelf, post):
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("L1", lines=(("CUP", 2, "99.00"),)))
    early = post(lead, "/api/v1/orders/alpha/L1/ship", {"carrier": "SF", "tracking_no": "SF1"})
    assert early.status_code == 409
    assert "已付款" in early.json()["detail"] and "已发货" in early.json()["detail"]
    audited = post(lead, "/api/v1/orders/alpha/L1/audit", {})
    assert audited.status_code == 200 and audited.json()["status"] == "allocated"
    no_tracking = post(lead, "/api/v1/orders/alpha/L1/ship", {"carrier": "SF"})
    assert no_tracking.status_code == 422 and "tracking_no" in no_tracking.json()["errors"]
    shipped = post(lead, "/api/v1/orders/alpha/L1/ship", {"carrier": "SF", "tracking_no": "SF1"})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert cup(shelf) == (8, 0)
    assert post(lead, "/api/v1/orders/alpha/L1/cancel", {"reason": "x"}).status_code == 409
    events = {
        "store": "alpha",
        "carrier": "SF",
        "tracking_no": "SF1",
        "events": [
            {"at": "2026-11-12T09:00:00+08:00", "status": "in_transit", "location": "杭州"},
            {"at": "2026-11-13T15:00:00+08:00", "status": "delivered", "location": "上海"},
        ],
    }
    assert post(lead, "/api/v1/shipments/events", events).json() == {"added": 2}
    assert post(lead, "/api/v1/shipments/events", events).json() == {"added": 0}
    order = Order.objects.get(order_id="L1")
    assert order.status == "delivered"
    assert order.delivered_at == datetime(2026, 11, 13, 7, tzinfo=UTC)
    assert post(lead, "/api/v1/orders/alpha/L1/complete", {}).json()["status"] == "completed"
    assert [e.to_status for e in OrderEvent.objects.filter(order=order)] == [
        "pending_payment", "paid", "audited", "allocated", "shipped", "delivered", "completed",
    ]  # fmt: skip
    assert stock.reconcile(shelf["store"]) == []


def test_held_order_is_not_audited_until_resolved(as_role, shelf, post):
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("H1", buyer_message="周末别送"))
    refused = post(lead, "/api/v1/orders/alpha/H1/audit", {})
    assert refused.status_code == 422 and "挂起中" in refused.json()["detail"]
    unexplained = post(lead, "/api/v1/orders/alpha/H1/resolve", {"hold": "buyer_message"})
    assert unexplained.status_code == 422
    resolved = post(
        lead, "/api/v1/orders/alpha/H1/resolve", {"hold": "buyer_message", "note": "已备注仓库"}
    )
    assert resolved.status_code == 200 and resolved.json()["holds"] == []
    assert post(lead, "/api/v1/orders/alpha/H1/audit", {}).json()["status"] == "allocated"


def test_cancel_releases_and_refunds(as_role, shelf, post):
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("C1", lines=(("CUP", 3, "99.00"),)))
    assert cup(shelf) == (10, 3)
    assert post(lead, "/api/v1/orders/alpha/C1/cancel", {}).status_code == 422  # no reason
    assert post(lead, "/api/v1/orders/alpha/C1/cancel", {"reason": "买家不要了"}).status_code == 200
    assert cup(shelf) == (10, 0)
    assert post(lead, "/api/v1/orders/alpha/C1/audit", {}).status_code == 409

    post(
        lead, "/api/v1/orders", order_payload("R1", lines=(("CUP", 2, "99.00"),), customer_id="b9")
    )
    part = post(lead, "/api/v1/orders/alpha/R1/refund", {"amount": "50", "reason": "差价"})
    assert part.json()["status"] == "paid" and part.json()["refunded_amount"] == "50.00"
    too_much = post(lead, "/api/v1/orders/alpha/R1/refund", {"amount": "149", "reason": "x"})
    assert too_much.status_code == 422 and "148.00" in too_much.json()["detail"]
    full = post(lead, "/api/v1/orders/alpha/R1/refund", {"amount": "148", "reason": "缺货"})
    assert full.json()["status"] == "refunded" and cup(shelf) == (10, 0)

    post(lead, "/api/v1/orders", order_payload("R2", customer_id="b10"))
    post(lead, "/api/v1/orders/alpha/R2/audit", {})
    post(lead, "/api/v1/orders/alpha/R2/ship", {"carrier": "YTO", "tracking_no": "Y1"})
    assert cup(shelf) == (9, 0)
    back = post(
        lead, "/api/v1/orders/alpha/R2/refund", {"amount": "99", "reason": "退货", "restock": True}
    )
    assert back.json()["status"] == "refunded" and cup(shelf) == (10, 0)
    kinds = list(StockMovement.objects.filter(reference="R2").values_list("kind", flat=True))
    assert kinds == ["allocation", "shipment", "return"]
    assert stock.reconcile(shelf["store"]) == []


def test_worker_cancels_unpaid_orders_after_the_timeout(as_role, shelf, post):
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("U1", paid=False))
    created = Order.objects.get(order_id="U1").created_at
    assert services.cancel_unpaid(now=created + timedelta(minutes=29)) == 0
    assert services.cancel_unpaid(now=created + timedelta(minutes=31)) == 1
    order = Order.objects.get(order_id="U1")
    assert order.status == "cancelled" and order.events.last().via == "worker"


def test_delays_are_found_and_handled(as_role, shelf, post):
    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("S1"))
    order = Order.objects.get(order_id="S1")
    services.review_order(None, order)
    shipped = datetime(2026, 11, 11, 10, tzinfo=UTC)
    shipment = services.ship(None, order, carrier="ZTO", tracking_no="Z1", at=shipped)
    assert tracking.find_delays(shelf["store"], now=shipped + timedelta(hours=47)) == 0
    # 49 h without a tracking event: stalled; 73 h: late as well.
    assert tracking.find_delays(shelf["store"], now=shipped + timedelta(hours=49)) == 1
    assert tracking.find_delays(shelf["store"], now=shipped + timedelta(hours=73)) == 1
    assert tracking.find_delays(shelf["store"], now=shipped + timedelta(hours=80)) == 0
    case = DelayCase.objects.get(shipment=shipment, kind="late")
    user = lead.get("/api/v1/me").wsgi_request.user
    tracking.handle(user, case, contact_note="电话联系买家，已致歉")
    with pytest.raises(ValidationError, match="处理结果"):
        tracking.handle(user, case, close=True)
    tracking.handle(
        user,
        case,
        compensation="coupon",
        compensation_amount=Decimal("10"),
        result="买家接受 10 元券",
        close=True,
    )
    case.refresh_from_db()
    assert (case.status, case.compensation, case.compensation_amount) == (
        "closed",
        "coupon",
        Decimal("10.00"),
    )
    assert case.contacted_at is not None and case.handled_by == user


def test_tracking_events_imported_from_a_carrier_file(as_role, shelf, post, tmp_path):
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.pipeline import run_import

    lead = as_role("ops_lead")
    post(lead, "/api/v1/orders", order_payload("K1"))
    order = Order.objects.get(order_id="K1")
    services.review_order(None, order)
    services.ship(
        None, order, carrier="顺丰", tracking_no="SF9", at=datetime(2026, 11, 11, tzinfo=UTC)
    )
    path = tmp_path / "tracking.csv"
    path.write_text(
        "carrier,tracking_no,at,status,location\n"
        "顺丰,SF9,2026-11-11 20:00:00,in_transit,杭州转运中心\n"
        "顺丰,SF9,2026-11-12 15:30:00,签收,上海\n",
        encoding="utf-8",
    )
    first = run_import(store=shelf["store"], kind="tracking", path=path)
    assert (first.inserted, first.unchanged, first.rejected) == (2, 0, 0)
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.delivered_at == datetime(2026, 11, 12, 7, 30, tzinfo=UTC)  # 15:30 Shanghai
    again = run_import(store=shelf["store"], kind="tracking", path=path)
    assert (again.inserted, again.unchanged) == (0, 2)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "carrier,tracking_no,at,status\n顺丰,SF404,2026-11-12 15:30:00,签收\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed, match="SF404"):
        run_import(store=shelf["store"], kind="tracking", path=unknown)
