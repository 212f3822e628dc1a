"""What one intake costs in statements, counted so that it cannot creep back: each extra
round trip is paid while the stock row is locked or before it, by every order of a 秒杀.

Counted on SQLite inside the test's transaction (so BEGIN/COMMIT are a SAVEPOINT and its
RELEASE, and the facts version is raised once per test transaction, not per intake)."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopops.core import services
from shopops.inventory import services as stock
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db]

# A paid 2-line order of a new buyer through a token: token with its user, permissions,
# store with its rules, SKUs, receipt; savepoint; customer read and insert; order, lines,
# events; allocation (one UPDATE … RETURNING per line, allocations, movements); receipt;
# release. A buyer created with the order has no other order to be a duplicate of, so the
# candidates are not read. It was 28, then 23.
ONE_INTAKE = 15
# The same order posted again: token, permissions, store, SKUs, receipt. It was 7.
ONE_REPLAY = 3


def _post(client, body, raw):
    return client.post(
        "/api/v1/orders",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def test_statements_of_one_intake_and_of_its_retry(role_users, shelf):
    _token, raw = services.create_token(role_users["ops_lead"])
    client = Client()
    # A first call touches the token's last use (at most once a minute) and the facts version.
    assert _post(client, order_payload("W0", customer_id="w0"), raw).status_code == 201
    body = order_payload("T1", lines=(("CUP", 1, "99.00"), ("LID", 1, "9.90")))
    with CaptureQueriesContext(connection) as first:
        answer = _post(client, body, raw)
    assert answer.status_code == 201, answer.content
    sql = [q["sql"] for q in first.captured_queries]
    assert len(sql) <= ONE_INTAKE, "\n".join(sql)
    assert not any("FOR UPDATE" in q for q in sql)
    with CaptureQueriesContext(connection) as again:
        replay = _post(client, body, raw)
    assert (replay.status_code, replay.json()) == (201, answer.json())
    assert len(again.captured_queries) <= ONE_REPLAY, "\n".join(
        q["sql"] for q in again.captured_queries
    )


# A batch of new paid orders of new buyers, all reserved from two stock rows: token,
# permissions, store with its rules, SKUs, receipts and stored orders of the batch;
# savepoint; buyers read and inserted; orders, lines, events; stock rows locked, one UPDATE
# per stock row (2); allocations, movements, receipts; release. However many orders, up to
# about 40 on SQLite, which splits an INSERT of more rows by its limit on parameters. It
# was about 18 a new order (1,804 for a batch of 100).
ONE_BATCH = 19


def test_statements_of_a_batch_do_not_grow_with_its_orders(role_users, shelf):
    _token, raw = services.create_token(role_users["ops_lead"])
    client = Client()
    assert _post(client, order_payload("W0", customer_id="w0"), raw).status_code == 201
    stock.receive(None, shelf["store"], shelf["CUP"], shelf["HZ"], 100, reason="more")
    counts = []
    for first, size in ((0, 10), (10, 30)):
        orders = [
            order_payload(f"B{i}", customer_id=f"b{i}", lines=(("CUP", 1, "9.00"),))
            for i in range(first, first + size)
        ]
        orders[-1]["lines"].append({"sku": "LID", "quantity": 1, "unit_price": "9.90"})
        orders[-1]["paid_amount"] = "18.90"
        with CaptureQueriesContext(connection) as batch:
            answer = client.post(
                "/api/v1/orders/batch",
                json.dumps({"orders": orders}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
        assert answer.status_code == 200, answer.content
        assert {a["status_code"] for a in answer.json()["answers"]} == {201}
        sql = [q["sql"] for q in batch.captured_queries]
        assert len(sql) <= ONE_BATCH, "\n".join(s[:200] for s in sql)
        counts.append(len(sql))
    assert counts[0] == counts[1]
