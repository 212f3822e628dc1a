"""Issue 11, points 6-8: intake refuses what its model cannot hold, on SQLite (which enforces
none of the model's limits) exactly as on PostgreSQL: 422 naming the field, nothing stored;
and an extreme time already stored never takes the order console down."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopops.customers.models import Customer
from shopops.inventory.models import Allocation
from shopops.orders.models import IntakeReceipt, Order, OrderLine
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ADDRESS = order_payload()["shipping_address"]


def _line(**changes):
    return [{"sku": "CUP", "quantity": 1, "unit_price": "99.00", **changes}]


def _address(**changes):
    return {**ADDRESS, **changes}


def _raw(body: dict, marker: str, escape: str) -> str:
    """The JSON text of `body` with `marker` replaced by a raw escape such as \\ud800."""
    text = json.dumps(body, ensure_ascii=False)
    assert marker in text
    return text.replace(marker, escape)


def _send(client, text: str):
    return client.post("/api/v1/orders", text, content_type="application/json")


def _assert_refused(answer, field: str, *, says: str = ""):
    assert answer.status_code == 422, answer.content[:500]
    body = answer.json()
    assert field in body["errors"], body
    assert field in body["detail"]
    if says:
        assert says in body["errors"][field], body["errors"][field]
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not IntakeReceipt.objects.exists()
    assert not Customer.objects.exists()
    assert not Allocation.objects.exists()


BAD = {
    # Found point 7
    "quantity_2_pow_70": ("lines[0].quantity", {"lines": _line(quantity=2**70)}),
    "quantity_past_the_integer_column": ("lines[0].quantity", {"lines": _line(quantity=2**31)}),
    "unit_price_1e30_float": ("lines[0].unit_price", {"lines": _line(unit_price=1e30)}),
    "paid_amount_1e30_float": ("paid_amount", {"paid_amount": 1e30}),
    "paid_amount_1e30_string": ("paid_amount", {"paid_amount": "1e30"}),
    "unit_price_13_digits": ("lines[0].unit_price", {"lines": _line(unit_price="1000000000000")}),
    "line_amount_past_precision": (
        "lines[0]",
        {"lines": _line(quantity=2_000_000_000, unit_price="999999999.00")},
    ),
    "paid_at_9999": ("paid_at", {"paid_at": "9999-12-31T23:59:59-12:00"}),
    "created_at_0001": ("created_at", {"created_at": "0001-01-01T00:00:00+14:00"}),
    "paid_at_9999_utc": ("paid_at", {"paid_at": "9999-12-31T23:59:59+00:00"}),
    "created_at_before_2000": ("created_at", {"created_at": "1999-12-31T23:59:59+08:00"}),
    "lines_as_object": ("lines", {"lines": {"sku": "CUP", "quantity": 1, "unit_price": "99"}}),
    "address_as_list": ("shipping_address", {"shipping_address": ["张三"]}),
    # Found point 8
    "phone_2000": ("shipping_address.phone", {"shipping_address": _address(phone="1" * 2000)}),
    "name_5000": ("shipping_address.name", {"shipping_address": _address(name="张" * 5000)}),
    "address_3000": (
        "shipping_address.address",
        {"shipping_address": _address(address="路" * 3000)},
    ),
    "district_and_address_together": (
        "shipping_address.address",
        {"shipping_address": _address(district="区" * 250, address="路" * 250)},
    ),
    "buyer_message_2mb": ("buyer_message", {"buyer_message": "x" * 2_000_000}),
    "customer_id_too_long": ("customer_id", {"customer_id": "b" * 129}),
    "order_id_nul": ("order_id", {"order_id": "T\x001"}),
    "order_id_rlo": ("order_id", {"order_id": "T1\u202egnp.exe"}),
    "order_id_isolate": ("order_id", {"order_id": "T1\u2066x\u2069"}),
    "sku_rlo": ("lines[0].sku", {"lines": _line(sku="CUP\u202e")}),
    "sku_control": ("lines[0].sku", {"lines": _line(sku="CUP\x07")}),
    "buyer_message_nul": ("buyer_message", {"buyer_message": "请\x00尽快"}),
    "store_as_object": ("store", {"store": {"code": "alpha"}}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_intake_refuses_out_of_bounds_input_naming_the_field(case, as_role, shelf):
    field, changes = BAD[case]
    body = {**order_payload(), **changes}
    _assert_refused(_send(as_role("ops_lead"), json.dumps(body)), field)


def test_intake_refuses_money_sent_as_a_json_float(as_role, shelf):
    lead = as_role("ops_lead")
    body = order_payload(paid_amount=99.0)
    _assert_refused(_send(lead, json.dumps(body)), "paid_amount", says="decimal string")
    body = order_payload(lines=(("CUP", 1, "99.00"),))
    body["lines"][0]["unit_price"] = 99.0
    _assert_refused(_send(lead, json.dumps(body)), "lines[0].unit_price", says="decimal string")


SURROGATE_AT = {
    "order_id": lambda m: {"order_id": f"T{m}"},
    "lines[0].sku": lambda m: {"lines": _line(sku=f"CUP{m}")},
    "shipping_address.name": lambda m: {"shipping_address": _address(name=f"张{m}")},
    "buyer_message": lambda m: {"buyer_message": f"快{m}"},
    "customer_id": lambda m: {"customer_id": f"b{m}"},
    "store": lambda m: {"store": f"alpha{m}"},
}


@pytest.mark.parametrize("field", sorted(SURROGATE_AT))
def test_intake_refuses_a_lone_surrogate_sent_as_a_raw_json_escape(field, as_role, shelf):
    marker = "SURROGATE-MARK"
    text = _raw({**order_payload(), **SURROGATE_AT[field](marker)}, marker, "\\ud800")
    assert "\\ud800" in text
    _assert_refused(_send(as_role("ops_lead"), text), field, says="surrogate")


def test_intake_takes_values_at_their_limits(as_role, shelf):
    zone = shelf["store"].zone
    tomorrow = timezone.now().astimezone(zone).replace(hour=23, minute=59) + timedelta(days=1)
    body = order_payload(
        "X" * 64,
        created_at="2000-01-01T00:00:00+08:00",
        paid_at=tomorrow.isoformat(),
        paid_amount=99,  # a whole JSON number is exact
        buyer_message="留" * 2000,
        shipping_address=_address(phone="1" * 50, name="张" * 200, district="", address="路" * 500),
    )
    answer = _send(as_role("ops_lead"), json.dumps(body))
    assert answer.status_code in (201, 202), answer.content[:500]
    order = Order.objects.get()
    assert order.paid_amount == Decimal("99.00") and len(order.buyer_message) == 2000
    assert len(order.receiver_phone) == 50 and len(order.receiver_address) == 500


def test_intake_refuses_a_payment_the_day_after_tomorrow_in_the_stores_zone(as_role, shelf):
    zone = shelf["store"].zone
    later = (timezone.now().astimezone(zone) + timedelta(days=2)).replace(hour=0, minute=0)
    body = order_payload(paid_at=later.isoformat())
    _assert_refused(_send(as_role("ops_lead"), json.dumps(body)), "paid_at", says="time zone")


@pytest.mark.parametrize("tab", ["all", "to_audit", "exceptions", "to_ship", "overdue"])
def test_orders_console_survives_extreme_stored_times(tab, as_role, shelf):
    """Rows imported before intake was bounded: the page shows them and never 500s."""
    store = shelf["store"]
    far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    near = datetime(1, 1, 1, 0, 30, tzinfo=UTC)
    for order_id, at in (("FAR", far), ("NEAR", near)):
        Order.objects.create(
            store=store, order_id=order_id, status="paid", created_at=at, paid_at=at
        )
    page = as_role("ops_lead").get(f"/orders/?tab={tab}")
    assert page.status_code == 200
    if tab in ("all", "to_audit"):
        assert b"FAR" in page.content and b"NEAR" in page.content


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2026-11-12T09:00:00"]
)
def test_a_payment_action_at_an_extreme_time_is_refused(at, as_role, shelf, post):
    lead = as_role("ops_lead")
    body = order_payload("U1", paid=False)
    assert post(lead, "/api/v1/orders", body).status_code == 201
    answer = post(lead, "/api/v1/orders/alpha/U1/pay", {"at": at})
    assert answer.status_code == 422, answer.content[:300]
    assert "at" in answer.json()["errors"]
    order = Order.objects.get()
    assert order.status == "pending_payment" and order.paid_at is None
