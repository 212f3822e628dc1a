"""Metric results are cached, and any import or write to a store's facts makes them stale
at once: the writer calls facts_changed (test_every_writer_invalidates.py checks each)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shopops.analytics import engines, queries
from shopops.analytics.cache import facts_changed
from shopops.analytics.models import FactsVersion
from shopops.core import services
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = date(2024, 6, 18)


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = engines.ENGINES["duckdb"]

    def engine(request, base):
        calls.append(request)
        return real(request, base)

    monkeypatch.setitem(queries.ENGINES, "duckdb", engine)
    return calls


def gmv(store):
    return queries.metrics(["gmv", "orders"], store, DAY, DAY)[0]


def test_cached_until_an_import_then_fresh(tmp_path, counted):
    store = services.create_store(None, code="c", name="C", platform="tmall")
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,paid_amount,created_at,paid_at\nA,10.00,2024-06-18 09:00,2024-06-18 09:00\n"
    )
    run_import(store=store, kind="orders", path=path)
    assert gmv(store)["gmv"] == Decimal("10.00")
    assert gmv(store)["gmv"] == Decimal("10.00")
    assert len(counted) == 1  # the second answer came from the cache

    path.write_text(
        "order_id,paid_amount,created_at,paid_at\nB,5.00,2024-06-18 10:00,2024-06-18 10:00\n"
    )
    run_import(store=store, kind="orders", path=path)
    assert gmv(store) == {"period": "2024-06-18", "gmv": Decimal("15.00"), "orders": 2}
    assert len(counted) == 2


def test_a_write_and_a_delete_invalidate_through_facts_changed_only(counted):
    """No model signal stands behind the writers: a bare ORM write is not seen until its
    writer says the facts changed (the one path of invalidation)."""
    store = services.create_store(None, code="c", name="C", platform="tmall")
    moment = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)
    order = Order.objects.create(
        store=store, order_id="A", created_at=moment, paid_at=moment, paid_amount=Decimal("7.00")
    )
    facts_changed(store.pk)
    assert gmv(store)["gmv"] == Decimal("7.00")
    order.paid_amount = Decimal("8.00")
    order.save()
    assert gmv(store)["gmv"] == Decimal("7.00")  # cached: nobody said the facts changed
    facts_changed(store.pk)
    assert gmv(store)["gmv"] == Decimal("8.00")
    order.delete()
    facts_changed(store.pk)
    assert gmv(store)["orders"] == 0
    assert len(counted) == 3
    assert FactsVersion.objects.get(store=store).version == 3


def test_a_rolled_back_write_does_not_invalidate(counted):
    from django.db import transaction

    store = services.create_store(None, code="c", name="C", platform="tmall")
    gmv(store)
    with pytest.raises(RuntimeError), transaction.atomic():
        moment = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)
        Order.objects.create(
            store=store, order_id="A", created_at=moment, paid_at=moment, paid_amount=1
        )
        facts_changed(store.pk)
        raise RuntimeError
    gmv(store)
    assert len(counted) == 1


def test_the_version_is_raised_once_per_transaction_and_never_by_a_second_write():
    """On SQLite inside the transaction (the one write lock is held already, and a second
    write after commit could meet another writer's lock and fail a committed request); on
    PostgreSQL after commit. Either way: once, only when committed, and a rolled-back
    savepoint takes its raise with it."""
    from django.db import connection, transaction

    from shopops.analytics.cache import versions

    store = services.create_store(None, code="v", name="V", platform="tmall")
    before = versions([store.pk])[store.pk]
    with transaction.atomic():
        facts_changed(store.pk)
        facts_changed(store.pk)
        with pytest.raises(RuntimeError), transaction.atomic():
            facts_changed(store.pk)
            raise RuntimeError
        inside = versions([store.pk])[store.pk]
        after_commit = [f for _s, f, _r in connection.run_on_commit]
    assert versions([store.pk])[store.pk] == before + 1
    if connection.vendor == "sqlite":
        assert inside == before + 1  # raised with the facts, atomically
    else:
        assert inside == before and len(after_commit) == 1
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            facts_changed(store.pk)
            raise RuntimeError
        facts_changed(store.pk)  # the rolled-back raise is made again here
    assert versions([store.pk])[store.pk] == before + 2
