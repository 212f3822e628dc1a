"""Metric results are cached, and any import or ORM write to a store's facts makes them
stale at once."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shopops.analytics import engines, queries
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


def test_an_orm_write_and_a_delete_invalidate(counted):
    store = services.create_store(None, code="c", name="C", platform="tmall")
    moment = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)
    order = Order.objects.create(
        store=store, order_id="A", created_at=moment, paid_at=moment, paid_amount=Decimal("7.00")
    )
    assert gmv(store)["gmv"] == Decimal("7.00")
    order.paid_amount = Decimal("8.00")
    order.save()
    assert gmv(store)["gmv"] == Decimal("8.00")
    order.delete()
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
        raise RuntimeError
    gmv(store)
    assert len(counted) == 1
