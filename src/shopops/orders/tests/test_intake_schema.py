"""Issue 12, point 6: POST /api/v1/orders takes a typed body (OrderIn) that OpenAPI documents
as a schema, and still answers 422 naming each refused field by its path in the body,
whether the schema refused it (a wrong JSON type) or the intake did (a value, a SKU)."""

import json
import re

import pytest

from shopops.core.validation import sentence
from shopops.orders.models import IntakeReceipt, Order
from shopops.orders.tests.conftest import order_payload

pytestmark = pytest.mark.django_db


def _send(client, body):
    return client.post("/api/v1/orders", json.dumps(body), content_type="application/json")


def _refused(answer) -> dict:
    """The 422's errors, after checking the shape every refusal of this API has."""
    assert answer.status_code == 422, answer.content[:500]
    body = answer.json()
    assert set(body) == {"detail", "errors"}, body
    assert body["detail"] == sentence(body["errors"])  # "field: message; …"
    assert not Order.objects.exists() and not IntakeReceipt.objects.exists()
    return body["errors"]


def _component(schema: dict, ref: str) -> dict:
    assert ref.startswith("#/components/schemas/"), ref
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_openapi_documents_the_intake_body_as_a_schema():
    from shopops.api import api

    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/orders"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    order = _component(schema, body["content"]["application/json"]["schema"]["$ref"])
    assert set(order["required"]) == {"store", "order_id", "created_at", "paid_amount", "lines"}
    assert set(order["properties"]) == {
        "store", "order_id", "created_at", "paid_at", "customer_id", "paid_amount", "lines",
        "shipping_address", "buyer_message", "channel",
    }  # fmt: skip
    props = order["properties"]
    assert (props["order_id"]["type"], props["order_id"]["maxLength"]) == ("string", 64)
    assert props["buyer_message"]["maxLength"] == 2000
    assert props["created_at"]["format"] == "date-time"
    money = re.compile(props["paid_amount"]["pattern"])
    assert money.match("99.00") and money.match("999999999999.99")
    assert not money.match("1.005") and not money.match("1e30") and not money.match("-1")
    lines = props["lines"]
    assert (lines["type"], lines["minItems"], lines["maxItems"]) == ("array", 1, 200)
    line = _component(schema, lines["items"]["$ref"])
    assert set(line["required"]) == {"sku", "quantity", "unit_price"}
    quantity = line["properties"]["quantity"]
    assert (quantity["type"], quantity["minimum"], quantity["maximum"]) == ("integer", 1, 2**31 - 1)
    [address_ref] = [x["$ref"] for x in props["shipping_address"]["anyOf"] if "$ref" in x]
    address = _component(schema, address_ref)
    assert set(address["properties"]) == {
        "name",
        "phone",
        "province",
        "city",
        "district",
        "address",
    }
    assert address["properties"]["phone"]["maxLength"] == 50
    # The body is the schema now, not a sentence in the description.
    assert "Body: `{" not in operation["description"]


def test_a_bad_line_is_refused_at_its_path(as_role, shelf):
    lead = as_role("ops_lead")
    # The schema refuses a SKU that is not a string …
    body = order_payload(lines=(("CUP", 1, "99.00"),))
    body["lines"][0]["sku"] = {"code": "CUP"}
    errors = _refused(_send(lead, body))
    assert set(errors) == {"lines[0].sku"}
    assert errors["lines[0].sku"] == "a string"
    # … and the intake a SKU the store does not have, at the same path.
    errors = _refused(_send(lead, order_payload(lines=(("CUP", 1, "99.00"), ("NOPE", 1, "9.90")))))
    assert set(errors) == {"lines[1].sku"} and "NOPE" in errors["lines[1].sku"]


def test_every_wrong_json_type_is_named_at_once(as_role, shelf):
    body = order_payload(lines=(("CUP", 1, "99.00"), ("LID", 1, "9.90")))
    body["lines"][0]["unit_price"] = 99.0  # a float has lost the amount's digits
    body["lines"][1]["quantity"] = "1"
    body["shipping_address"] = {"name": "张三", "phone": ["138"]}
    body["paid_at"] = 1731254405
    del body["order_id"]
    errors = _refused(_send(as_role("ops_lead"), body))
    assert set(errors) == {
        "order_id", "paid_at", "lines[0].unit_price", "lines[1].quantity",
        "shipping_address.phone",
    }  # fmt: skip
    assert "decimal string" in errors["lines[0].unit_price"]


def test_lines_that_are_not_objects_are_named_by_index(as_role, shelf):
    body = order_payload()
    body["lines"] = [body["lines"][0], "CUP"]
    errors = _refused(_send(as_role("ops_lead"), body))
    assert set(errors) == {"lines[1]"} and "sku" in errors["lines[1]"]


def test_a_body_that_is_not_an_object_is_refused_as_a_whole(as_role, shelf):
    errors = _refused(_send(as_role("ops_lead"), [order_payload()]))
    assert set(errors) == {"__all__"}


def test_times_without_a_zone_are_still_refused(as_role, shelf):
    lead = as_role("ops_lead")
    errors = _refused(_send(lead, order_payload(created_at="2026-11-11T00:00:01")))
    assert set(errors) == {"created_at"}
    errors = _refused(_send(lead, order_payload(paid_at="2026-11-11T00:00:05")))
    assert set(errors) == {"paid_at"}


def test_what_the_intake_took_before_it_still_takes(as_role, shelf):
    """Whole numbers for an order id and an amount, null for the optional fields, unknown
    keys ignored: the typed body refuses nothing the intake took."""
    body = order_payload(
        12345, paid_amount=99, customer_id=None, buyer_message=None, channel=None, coupon="X1"
    )
    body["shipping_address"]["district"] = None
    answer = _send(as_role("ops_lead"), body)
    assert answer.status_code == 201, answer.content[:500]
    order = Order.objects.get()
    assert (order.order_id, str(order.paid_amount), order.channel) == ("12345", "99.00", "tmall")
