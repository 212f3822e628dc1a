"""POST /api/v1/orders/batch: each order answered exactly as POST /api/v1/orders answers it,
in its own transaction, in the order posted."""

import copy
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test import Client

from shopops.core import services
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel
from shopops.orders.models import IntakeReceipt, Order, OrderHold
from shopops.orders.tests.conftest import order_payload

pytestmark = pytest.mark.postgres


def _mixed():
    good = order_payload("B1", lines=(("CUP", 2, "99.00"),))
    refused = order_payload("B2", lines=(("NOPE", 1, "1.00"),), customer_id="b2")
    unfit = order_payload("B3", customer_id="b3")
    unfit["lines"][0]["quantity"] = "many"  # refused by the schema, as POST /orders does
    replayed = copy.deepcopy(good)
    changed = order_payload("B1", lines=(("CUP", 3, "99.00"),))
    short = order_payload("B4", lines=(("LID", 4, "9.90"),), customer_id="b4")
    elsewhere = order_payload("B5", store="beta", customer_id="b5")
    return [good, refused, unfit, replayed, changed, short, elsewhere]


@pytest.mark.django_db
def test_a_batch_answers_each_order_as_the_single_call(as_role, shelf, post, store_b):
    lead = as_role("ops_lead")
    orders = _mixed()
    batch = post(lead, "/api/v1/orders/batch", {"orders": orders})
    assert batch.status_code == 200, batch.content
    answers = batch.json()["answers"]
    assert [a["status_code"] for a in answers] == [201, 422, 422, 201, 409, 202, 404]
    assert answers[0]["body"]["allocated"] is True
    assert set(answers[1]["body"]["errors"]) == {"lines[0].sku"}
    assert set(answers[2]["body"]["errors"]) == {"lines[0].quantity"}
    assert answers[3] == answers[0]  # the retry in the same batch is the first answer
    assert [h["reason"] for h in answers[5]["body"]["holds"]] == ["stock_short"]
    # POST /orders answers the same orders the same way: the received ones from their
    # receipts, the refused ones by the same checks (nothing of them was kept).
    for body, answer in zip(orders, answers, strict=True):
        single = post(lead, "/api/v1/orders", body)
        assert (single.status_code, single.json()) == (answer["status_code"], answer["body"])
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["B1", "B4"]
    assert IntakeReceipt.objects.count() == 2
    cup = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    assert (cup.on_hand, cup.reserved) == (10, 2)
    assert stock.reconcile(shelf["store"]) == []


@pytest.mark.django_db
def test_a_batch_is_refused_whole_only_when_it_is_not_a_list_of_1_to_1000(as_role, shelf, post):
    lead = as_role("ops_lead")
    for body in ({"orders": []}, {"orders": [order_payload()] * 1001}, {"orders": "x"}, {}):
        answer = post(lead, "/api/v1/orders/batch", body)
        assert answer.status_code == 422, body
        assert set(answer.json()["errors"]) == {"orders"}
    assert not Order.objects.exists()
    assert (
        post(as_role("analyst"), "/api/v1/orders/batch", {"orders": [order_payload()]}).status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_never_oversell(role_users, shelf):
    store = shelf["store"]
    _token, raw = services.create_token(role_users["ops_lead"])
    # CUP: 10 on hand. 60 one-unit orders in 6 batches of 20, each batch posted twice
    # (a channel retrying), all 12 at once; every batch overlaps the next by 10 orders.
    bodies = [order_payload(f"F{i}", customer_id=f"c{i}") for i in range(70)]
    batches = [bodies[i : i + 20] for i in range(0, 60, 10)] * 2

    def call(orders):
        try:
            answer = Client().post(
                "/api/v1/orders/batch",
                {"orders": orders},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            assert answer.status_code == 200, answer.content
            return [
                (o["order_id"], a["status_code"], a["body"])
                for o, a in zip(orders, answer.json()["answers"], strict=True)
            ]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = [row for rows in pool.map(call, batches) for row in rows]
    first: dict[str, tuple] = {}
    for order_id, code, body in results:
        assert code in (201, 202), body
        assert first.setdefault(order_id, (code, body)) == (code, body)  # idempotent
    assert [c for c, _b in first.values()].count(201) == 10
    assert Order.objects.filter(store=store).count() == 70
    level = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    assert (level.on_hand, level.reserved) == (10, 10)
    assert OrderHold.objects.filter(reason="stock_short", resolved_at=None).count() == 60
    assert stock.reconcile(store) == []


def _snapshot(store) -> dict:
    """Everything an intake writes, without ids and times."""
    from shopops.customers.models import Customer
    from shopops.inventory.models import Allocation, StockMovement
    from shopops.orders.models import OrderEvent

    return {
        "orders": sorted(
            Order.objects.filter(store=store).values_list(
                "order_id", "status", "customer__platform_id", "paid_amount", "receiver_address"
            )
        ),
        "customers": sorted(
            Customer.objects.filter(store=store).values_list("platform_id", "name", "phone")
        ),
        "events": sorted(
            OrderEvent.objects.filter(store=store).values_list(
                "order__order_id", "from_status", "to_status", "via", "note"
            )
        ),
        "holds": sorted(
            OrderHold.objects.filter(store=store).values_list(
                "order__order_id", "reason", "detail", "resolved_at"
            )
        ),
        "allocations": sorted(
            Allocation.objects.filter(store=store).values_list(
                "line__order__order_id", "line__sku_code", "level__warehouse__code", "quantity"
            )
        ),
        "movements": sorted(
            StockMovement.objects.filter(store=store).values_list(
                "sku__code",
                "warehouse__code",
                "kind",
                "quantity",
                "reserved_delta",
                "on_hand_after",
                "reference",
            )
        ),
        "stock": sorted(
            StockLevel.objects.filter(store=store).values_list(
                "sku__code", "warehouse__code", "on_hand", "reserved"
            )
        ),
        "receipts": sorted(
            (r.order_id, r.status_code, json.dumps(r.body, sort_keys=True))
            for r in IntakeReceipt.objects.filter(store=store)
        ),
        "reconcile": stock.reconcile(store),
    }


def _plain(code: int, body: dict) -> tuple:
    """An answer with the receipt's time in a 409 left out (it differs run to run)."""
    if code == 409:
        body = {"detail": re.sub(r"\d{4}-\d\d-\d\dT\S+", "<time>", body["detail"])}
    return code, body


def _everything():
    """One of each case, in an order where each depends on the ones before it."""
    same = order_payload("N1", lines=(("CUP", 2, "99.00"),), customer_id="n1")
    twin = order_payload("N2", lines=(("CUP", 2, "99.00"),), customer_id="n1")
    high = order_payload(
        "H1", lines=(("CUP", 1, "299.00"),), customer_id="h1", buyer_message="请发顺丰"
    )
    high["shipping_address"]["phone"] = ""
    unfit = order_payload("X2", customer_id="x2")
    unfit["lines"][0]["quantity"] = "many"
    return [
        same,  # a new buyer: 201
        twin,  # the same buyer, address and SKUs, earlier in the batch: a duplicate
        order_payload("X1", lines=(("NOPE", 1, "1.00"),), customer_id="x1"),  # 422
        unfit,  # 422 from the schema
        copy.deepcopy(same),  # a retry: the first answer
        order_payload("U1", paid=False, customer_id="u1"),  # unpaid: 201, nothing reserved
        order_payload("U1", customer_id="u1"),  # its payment, in its place
        order_payload("O1", customer_id="old"),  # a duplicate of a stored order
        order_payload("M1", lines=(("CUP", 1, "99.00"), ("LID", 4, "9.90")), customer_id="m"),
        order_payload("M2", lines=(("CUP", 1, "99.00"), ("LID", 3, "9.90")), customer_id="m2"),
        order_payload("M3", lines=(("LID", 2, "9.90"),), customer_id="m3"),  # GZ serves it
        order_payload("M4", lines=(("LID", 1, "9.90"),), customer_id="m4"),  # short
        order_payload("IMP", customer_id="imp"),  # stored without a receipt: 200
        order_payload("N1", lines=(("CUP", 3, "99.00"),), customer_id="n1"),  # 409
        high,  # address incomplete, buyer message, high amount
        order_payload("B5", store="beta", customer_id="b5"),  # 404
        order_payload("NC1", customer_id=""),  # no buyer; CUP is all reserved by now: short
        order_payload("C9", lines=(("CUP", 5, "99.00"),), customer_id="c9"),  # short and high
        order_payload("P1", customer_id="p1"),  # the payment of an order stored unpaid
        order_payload("P1", customer_id="p1", paid=False),  # its first content again: 409
        order_payload("P0", customer_id="old"),  # a retry of a stored order: its receipt
        copy.deepcopy(twin),  # a retry of an order of this batch: its answer
    ]


@pytest.mark.django_db
def test_a_batch_writes_and_answers_exactly_what_single_calls_do(as_role, shelf, post, store_b):
    """The same orders through one batch and through POST /orders one by one: the same
    answers, and the same rows (orders, buyers, events, holds, allocations, ledger, stock,
    receipts). The batch writes its new orders together (intake.receive_many)."""
    from shopops.orders.models import FulfilmentSettings

    store = shelf["store"]
    FulfilmentSettings.objects.create(store=store, high_amount="250")
    lead = as_role("ops_lead")
    assert post(lead, "/api/v1/orders", order_payload("P0", customer_id="old")).status_code == 201
    assert post(lead, "/api/v1/orders", order_payload("IMP", customer_id="imp")).status_code == 201
    IntakeReceipt.objects.filter(order_id="IMP").delete()  # as if imported from a file
    unpaid = post(lead, "/api/v1/orders", order_payload("P1", customer_id="p1", paid=False))
    assert unpaid.status_code == 201
    orders = _everything()
    with transaction.atomic():
        batch = post(lead, "/api/v1/orders/batch", {"orders": orders})
        assert batch.status_code == 200, batch.content
        batched = [_plain(a["status_code"], a["body"]) for a in batch.json()["answers"]]
        after_batch = _snapshot(store)
        transaction.set_rollback(True)
    singles = []
    for body in orders:
        answer = post(lead, "/api/v1/orders", body)
        singles.append(_plain(answer.status_code, answer.json()))
    assert batched == singles
    assert after_batch == _snapshot(store)
    assert [code for code, _body in batched] == [
        201, 202, 422, 422, 201, 201, 201, 202, 202, 201, 201, 202, 200, 409, 202, 404, 202, 202,
        202, 409, 201, 202,
    ]  # fmt: skip
    assert batched[-1] == batched[1]  # the retry within the batch: the first answer
    assert "N1" in batched[1][1]["holds"][0]["detail"]
    assert "P0" in batched[7][1]["holds"][0]["detail"]
    assert after_batch["reconcile"] == []


@pytest.mark.django_db
def test_a_run_the_database_refuses_is_received_order_by_order(as_role, shelf, post, monkeypatch):
    """When the INSERT of a run of new orders meets a stored one (here: the lookup of stored
    orders is made to miss, as when a concurrent call stores it meanwhile), that order is
    received on its own after the others (PostgreSQL: left out of the INSERT), or the run is
    rolled back and received again, at last order by order (SQLite): the same answers as
    single calls either way."""
    from shopops.orders import intake

    lead = as_role("ops_lead")
    assert post(lead, "/api/v1/orders", order_payload("IMP", customer_id="imp")).status_code == 201
    IntakeReceipt.objects.filter(order_id="IMP").delete()
    monkeypatch.setattr(intake, "_stored", lambda model, keys: set())
    orders = [
        order_payload("R1", customer_id="r1"),
        order_payload("IMP", customer_id="imp"),
        order_payload("R2", customer_id="r2"),
    ]
    batch = post(lead, "/api/v1/orders/batch", {"orders": orders})
    assert [a["status_code"] for a in batch.json()["answers"]] == [201, 200, 201]
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["IMP", "R1", "R2"]
    for body, answer in zip(orders, batch.json()["answers"], strict=True):
        single = post(lead, "/api/v1/orders", body)
        assert (single.status_code, single.json()) == (answer["status_code"], answer["body"])
    cup = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    assert (cup.on_hand, cup.reserved) == (10, 3)
    assert stock.reconcile(shelf["store"]) == []
