"""Single intakes that reach a worker together are written together (group_commit), each
answered as it would be alone."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from shopops.core import services
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel
from shopops.orders import api
from shopops.orders.group_commit import GroupCommit
from shopops.orders.models import IntakeReceipt, Order, OrderHold
from shopops.orders.tests.conftest import order_payload


class _Gate:
    """A run function whose first run waits until told, so that calls queue behind it."""

    def __init__(self, fail_on=None):
        self.runs: list[list] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items):
        self.runs.append(list(items))
        if len(self.runs) == 1:
            self.started.set()
            assert self.release.wait(10)
        if self.fail_on in items:
            raise ValueError(f"refused {self.fail_on}")
        return [f"done {i}" for i in items]


def _submit_all(group, calls, gate):
    """The first call, then the others while its run is held; the results by item."""
    results = {}

    def one(key_item):
        key, item = key_item
        try:
            results[item] = group.submit(key, item)
        except ValueError as exc:
            results[item] = exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        first = pool.submit(one, calls[0])
        assert gate.started.wait(10)
        rest = []
        for call in calls[1:]:
            rest.append(pool.submit(one, call))
            time.sleep(0.02)  # in this order of arrival
        while len(group._queued) < len(calls) - 1:  # all but the held one
            time.sleep(0.005)
        gate.release.set()
        for f in [first, *rest]:
            f.result(10)
    return results


def test_a_lone_call_runs_at_once_alone():
    gate = _Gate()
    gate.release.set()
    group = GroupCommit(gate)
    assert group.submit("u1", "a") == "done a"
    assert group.submit("u1", "b") == "done b"
    assert gate.runs == [["a"], ["b"]]


def test_calls_arriving_during_a_run_are_run_together_by_key_in_order():
    gate = _Gate()
    group = GroupCommit(gate)
    calls = [("u1", "a"), ("u1", "b"), ("u2", "x"), ("u1", "c"), ("u2", "y")]
    results = _submit_all(group, calls, gate)
    assert results == {item: f"done {item}" for _k, item in calls}
    # The held run, then the first waiting call's key with every call of it, then the next.
    assert gate.runs == [["a"], ["b", "c"], ["x", "y"]]
    assert not group._running and not group._queued


def test_a_group_is_at_most_the_limit():
    gate = _Gate()
    group = GroupCommit(gate, limit=2)
    calls = [("u1", i) for i in "abcde"]
    _submit_all(group, calls, gate)
    assert gate.runs == [["a"], ["b", "c"], ["d", "e"]]


def test_a_failed_run_fails_each_of_its_calls_and_the_next_group_still_runs():
    gate = _Gate(fail_on="c")
    group = GroupCommit(gate)
    calls = [("u1", "a"), ("u1", "b"), ("u1", "c"), ("u2", "x")]
    results = _submit_all(group, calls, gate)
    assert results["a"] == "done a" and results["x"] == "done x"
    assert [str(results[i]) for i in "bc"] == ["refused c", "refused c"]
    assert gate.runs == [["a"], ["b", "c"], ["x"]]
    assert not group._running and not group._queued


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_single_calls_are_written_together_and_answered_as_alone(
    role_users, shelf, monkeypatch
):
    store = shelf["store"]
    _token, raw = services.create_token(role_users["ops_lead"])
    runs = []
    receive_group = api._receive_group

    def recorded(calls):
        runs.append(len(calls))
        time.sleep(0.05)  # long enough for the other threads' calls to queue behind it
        return receive_group(calls)

    monkeypatch.setattr(api._single_calls, "run", recorded)
    # CUP: 10 on hand. 30 one-unit orders, each posted twice, a few sharing a buyer, one
    # naming a SKU the store lacks, one another store, from 12 threads at once.
    bodies = [order_payload(f"G{i}", customer_id=f"c{i % 25}") for i in range(30)]
    bodies.append(order_payload("G-bad", lines=(("NOPE", 1, "1.00"),), customer_id="z"))
    bodies.append(order_payload("G-elsewhere", store="nowhere", customer_id="z"))
    calls = bodies * 2

    def call(body):
        try:
            answer = Client().post(
                "/api/v1/orders",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            return body["order_id"], answer.status_code, answer.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(call, calls))
    assert max(runs) > 1, runs  # the calls were written in groups
    first: dict[str, tuple] = {}
    for order_id, code, body in results:
        assert first.setdefault(order_id, (code, body)) == (code, body)  # idempotent
    assert first.pop("G-bad")[0] == 422
    assert first.pop("G-elsewhere")[0] == 404
    assert sorted({c for c, _b in first.values()}) == [201, 202]
    # Each answer is the one its receipt keeps, as a call alone would have answered it.
    for receipt in IntakeReceipt.objects.filter(store=store):
        assert first[receipt.order_id] == (receipt.status_code, receipt.body)
    assert Order.objects.filter(store=store).count() == 30
    level = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    assert (level.on_hand, level.reserved) == (10, 10)
    assert OrderHold.objects.filter(reason="stock_short", resolved_at=None).count() == 20
    assert stock.reconcile(store) == []
