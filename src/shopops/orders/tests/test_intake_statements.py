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
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db]

# A paid 2-line order of a new buyer through a token: token with its user, permissions,
# store with its rules, SKUs, receipt; savepoint; customer read and insert; order, lines,
# events; allocation (one UPDATE … RETURNING per line, allocations, movements); receipt;
# release. A buyer created with the order has no other order to be a duplicate of, so the
# candidates are not read. It was 28, then 23.
ONE_INTAKE = 17
# The same order posted again: token, permissions, store, SKUs, receipt. It was 7.
ONE_REPLAY = 5


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
