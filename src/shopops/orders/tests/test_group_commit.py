"""Single intakes that reach a worker together are written together (group_commit), each
answered as it would be alone."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection
from django.test import Client

from shopops.core import services
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel
from shopops.orders import api, intake
from shopops.orders.group_commit import GroupCommit
from shopops.orders.models import IntakeReceipt, Order, OrderHold
from shopops.orders.tests.conftest import order_payload


class _Gate:
    """run_many and run_one that record their runs; the first run waits until released, so
    that calls queue behind it. `fail` makes run_many (or run_one, of that item) raise."""

    def __init__(self, fail_many=False, fail_one=None):
        self.runs: list[tuple] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_many, self.fail_one = fail_many, fail_one

    def _hold(self):
        if not self.started.is_set():
            self.started.set()
            assert self.release.wait(10)

    def many(self, items):
        self.runs.append(("many", list(items)))
        self._hold()
        if self.fail_many:
            raise ValueError("the group failed")
        return [f"many {i}" for i in items]

    def one(self, item):
        self.runs.append(("one", item))
        self._hold()
        if item == self.fail_one:
            raise ValueError(f"refused {item}")
        return f"one {item}"


def _queued(group) -> int:
    return sum(len(q) for q in group._queued.values())


def _submit_all(group, gate, calls, *, running=()):
    """The first call, held; then each other call once the one before it is queued (or,
    for the keys in `running`, has run); then the release. The results by item."""
    results = {}

    def submit(key_item):
        key, item = key_item
        try:
            results[item] = group.submit(key, item)
        except ValueError as exc:
            results[item] = exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(submit, calls[0])]
        assert gate.started.wait(10)
        waiting = 0
        for key, item in calls[1:]:
            futures.append(pool.submit(submit, (key, item)))
            if key in running:
                futures[-1].result(10)  # not held behind the other key's run
            else:
                waiting += 1
                while _queued(group) < waiting:
                    time.sleep(0.001)
        gate.release.set()
        for f in futures:
            f.result(10)
    assert group._queued == {}
    return results


def test_a_lone_call_runs_at_once_alone():
    gate = _Gate()
    gate.release.set()
    group = GroupCommit(gate.many, gate.one)
    assert group.submit("u1", "a") == "one a"
    assert group.submit("u1", "b") == "one b"
    assert gate.runs == [("one", "a"), ("one", "b")]


def test_calls_arriving_during_a_run_of_their_key_run_together_in_order():
    gate = _Gate()
    group = GroupCommit(gate.many, gate.one)
    calls = [("u1", "a"), ("u1", "b"), ("u2", "x"), ("u1", "c")]
    results = _submit_all(group, gate, calls, running={"u2"})
    assert results == {"a": "one a", "x": "one x", "b": "many b", "c": "many c"}
    # u2's call ran while u1's first run was held; u1's waiting calls ran as one group.
    assert gate.runs == [("one", "a"), ("one", "x"), ("many", ["b", "c"])]


def test_a_group_is_at_most_the_limit():
    gate = _Gate()
    group = GroupCommit(gate.many, gate.one, limit=2)
    _submit_all(group, gate, [("u1", i) for i in "abcde"])
    assert gate.runs == [("one", "a"), ("many", ["b", "c"]), ("many", ["d", "e"])]


def test_each_call_of_a_failed_group_runs_alone_in_its_own_thread():
    gate = _Gate(fail_many=True, fail_one="c")
    group = GroupCommit(gate.many, gate.one)
    results = _submit_all(group, gate, [("u1", i) for i in "abcd"])
    assert results["a"] == "one a"
    assert (results["b"], results["d"]) == ("one b", "one d")
    assert str(results["c"]) == "refused c"  # its own refusal, raised in its own call
    assert gate.runs[:2] == [("one", "a"), ("many", ["b", "c", "d"])]
    assert sorted(gate.runs[2:]) == [("one", "b"), ("one", "c"), ("one", "d")]


def test_a_lone_call_that_fails_raises_and_the_next_group_still_runs():
    gate = _Gate(fail_one="a")
    group = GroupCommit(gate.many, gate.one)
    results = _submit_all(group, gate, [("u1", "a"), ("u1", "b"), ("u1", "c")])
    assert str(results["a"]) == "refused a"
    assert (results["b"], results["c"]) == ("many b", "many c")
    assert gate.runs == [("one", "a"), ("many", ["b", "c"])]


def _post_all(raw: str, calls: list[dict]) -> list[tuple]:
    """Each body posted to POST /orders with the token, from 12 threads at once."""

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
        return list(pool.map(call, calls))


@pytest.fixture
def grouped(monkeypatch):
    """The sizes of the groups POST /orders runs; each run held a little, so that the other
    threads' calls queue behind it."""
    runs = []
    receive_group = api._receive_group

    def recorded(calls):
        runs.append(len(calls))
        time.sleep(0.05)
        return receive_group(calls)

    monkeypatch.setattr(api._single_calls, "run_many", recorded)
    return runs


def _check_answers(store, results, lead):
    """Every retry got its first answer, each answer is what its receipt keeps, and a call
    alone now answers the refused orders the same way; stock as 10 units allow."""
    first: dict[str, tuple] = {}
    for order_id, code, body in results:
        assert code < 500, body
        assert first.setdefault(order_id, (code, body)) == (code, body)  # idempotent
    for receipt in IntakeReceipt.objects.filter(store=store):
        assert first[receipt.order_id] == (receipt.status_code, receipt.body)
    for order_id in ("G-bad", "G-elsewhere"):
        alone = Client().post(
            "/api/v1/orders",
            lead[order_id],
            content_type="application/json",
            HTTP_AUTHORIZATION=lead["token"],
        )
        assert first[order_id] == (alone.status_code, alone.json())
    assert (first["G-bad"][0], first["G-elsewhere"][0]) == (422, 404)
    assert Order.objects.filter(store=store).count() == 30
    level = StockLevel.objects.get(sku__store=store, sku__code="CUP", warehouse__code="HZ")
    assert (level.on_hand, level.reserved) == (10, 10)
    assert OrderHold.objects.filter(reason="stock_short", resolved_at=None).count() == 20
    assert stock.reconcile(store) == []


def _bodies():
    """30 one-unit orders of CUP (10 on hand), a few sharing a buyer, one naming a SKU the
    store lacks, one another store."""
    bodies = [order_payload(f"G{i}", customer_id=f"c{i % 25}") for i in range(30)]
    bad = order_payload("G-bad", lines=(("NOPE", 1, "1.00"),), customer_id="z")
    elsewhere = order_payload("G-elsewhere", store="nowhere", customer_id="z")
    return [*bodies, bad, elsewhere], {"G-bad": bad, "G-elsewhere": elsewhere}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_single_calls_are_written_together_and_answered_as_alone(
    role_users, shelf, grouped
):
    _token, raw = services.create_token(role_users["ops_lead"])
    bodies, refused = _bodies()
    results = _post_all(raw, bodies * 2)  # each posted twice
    assert max(grouped) > 1, grouped  # the calls were written in groups
    _check_answers(shelf["store"], results, {**refused, "token": f"Bearer {raw}"})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_group_that_fails_after_storing_part_of_it_answers_each_call_alone(
    role_users, shelf, grouped, monkeypatch
):
    """receive_many commits run by run: a group that fails midway has stored some of its
    orders. Each of its calls is then received alone, the stored ones from their receipts:
    no call fails, none is answered twice differently."""
    _token, raw = services.create_token(role_users["ops_lead"])
    receive_many, failed = intake.receive_many, []

    def fails_once_after_storing(actor, orders, **kwargs):
        answers = receive_many(actor, orders, **kwargs)
        if not failed:
            failed.append(len(orders))
            raise OperationalError("database is locked")
        return answers

    monkeypatch.setattr(intake, "receive_many", fails_once_after_storing)
    bodies, refused = _bodies()
    results = _post_all(raw, bodies * 2)
    assert failed and max(grouped) > 1
    _check_answers(shelf["store"], results, {**refused, "token": f"Bearer {raw}"})
