"""POST /api/v1/orders/batch: each order answered exactly as POST /api/v1/orders answers it,
in its own transaction, in the order posted."""

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
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
