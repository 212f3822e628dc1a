"""The lake stays the fast path after writes: each writer marks the local days it changed,
in its own transaction; the DuckDB engine reads those days live and every other day from
the lake, with the numbers of the plain-Python reference to the cent; the worker's export
reads and rewrites only the marked months, and a write committed during an export stays
marked."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from shopops.analytics import lake, lake_read
from shopops.analytics.cache import facts_changed
from shopops.analytics.lake_refresh import refresh_lake
from shopops.analytics.models import DirtyDay
from shopops.analytics.queries import metrics
from shopops.analytics.tests.conftest import make_demo_store
from shopops.analytics.tests.test_order_metrics import whole_catalog
from shopops.catalog.models import Sku
from shopops.core import services as core
from shopops.orders import intake, services
from shopops.orders.models import Order
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SPAN = (date(2025, 10, 1), date(2025, 11, 30))


def marks(store) -> set:
    return set(DirtyDay.objects.filter(store=store).values_list("day", flat=True))


def receive(store, order_id: str, paid_at: str, customer: str, sku: str, quantity=2):
    price = Sku.objects.get(store=store, code=sku).price
    body = order_payload(
        order_id,
        lines=((sku, quantity, str(price)),),
        store=store.code,
        created_at=paid_at,
        paid_at=paid_at,
        customer_id=customer,
    )
    answer = intake.receive(None, store, body)
    assert answer.status_code in (201, 202), answer.body
    return Order.objects.get(store=store, order_id=order_id)


def test_writes_mark_their_days_and_the_engine_reads_them_live(lake_dir, used):
    store = make_demo_store(seed=5, target_orders=1500)
    lake.export(lake_dir)
    assert marks(store) == set()
    sku = Sku.objects.filter(store=store).order_by("code").first().code
    # A new buyer on 10-20, a known buyer's second order on 11-11 (repurchase), a refund of
    # an order of 10-05, and a cancellation before shipping of another.
    known = Order.objects.filter(store=store, customer__isnull=False).order_by("id").first()
    receive(store, "N1", "2025-10-20T23:30:00+08:00", "brand-new-buyer", sku)
    receive(store, "N2", "2025-11-11T00:10:00+08:00", known.customer.platform_id, sku, 3)
    early = (
        Order.objects.filter(store=store, paid_at__date=date(2025, 10, 5), refunded_amount=0)
        .order_by("id")
        .first()
    )
    services.refund(None, early, amount=Decimal("1.00"), reason="broken lid")
    assert marks(store) == {
        date(2025, 10, 20),
        date(2025, 11, 11),
        early.paid_at.astimezone(store.zone).date(),
    }
    keys = whole_catalog()
    cases = [
        ("day", {}),
        ("week", {"compare": "prev"}),
        ("month", {"dims": ["category", "province"]}),
        ("none", {"dims": ["channel"]}),
    ]
    for grain, case in cases:
        reference = metrics(keys, store, *SPAN, grain, "reference", use_cache=False, **case)
        mixed = metrics(keys, store, *SPAN, grain, "duckdb", use_cache=False, **case)
        assert used[-1] == "DuckDBLakeSources"
        assert mixed == reference, (grain, case)

    # The worker's export rewrites the two months marked, and nothing else is read.
    summary = refresh_lake()
    assert summary["tables"]["orders"]["written"] == 2
    assert summary["tables"]["ads"]["written"] == 0
    assert marks(store) == set()
    assert refresh_lake() is None
    day = metrics(["gmv", "orders", "new_buyers"], store, date(2025, 10, 20), date(2025, 10, 20))
    assert used[-1] == "DuckDBLakeSources"
    assert day == metrics(
        ["gmv", "orders", "new_buyers"],
        store,
        date(2025, 10, 20),
        date(2025, 10, 20),
        "day",
        "reference",
    )


def test_an_unpaid_order_marks_nothing_and_an_import_marks_the_whole_store(
    lake_dir, used, tmp_path
):
    from shopops.analytics.tests.test_dimensions_costs_compare import FILES, load

    store = core.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path, {"orders": FILES["orders"]})
    lake.export(lake_dir)
    sku_store = make_demo_store(seed=2, target_orders=300)
    lake.export(lake_dir)
    sku = Sku.objects.filter(store=sku_store).order_by("code").first()
    body = order_payload("U1", lines=((sku.code, 1, str(sku.price)),), store="demo", paid=False)
    intake.receive(None, sku_store, body)
    assert marks(sku_store) == set()
    load(store, tmp_path, {"ads": FILES["ads"]})
    assert marks(store) == {None}
    state, _dirty, why = lake_read.usable(lake_dir, [store])
    assert state is None and "older than the data of store d" in why
    metrics(["gmv"], store, date(2024, 6, 18), date(2024, 6, 19), use_cache=False)
    assert used[-1] == "DuckDBSources"
    # The other store's questions still go to the lake.
    metrics(["gmv"], sku_store, *SPAN, use_cache=False)
    assert used[-1] == "DuckDBLakeSources"
    summary = refresh_lake()
    assert summary["stores"] == 1 and summary["tables"]["ads"]["written"] == 1
    assert lake_read.usable(lake_dir, [store])[2] is None


def test_marks_follow_savepoints():
    store = core.create_store(None, code="s", name="S", platform="tmall")
    day, other = date(2025, 3, 1), date(2025, 3, 2)
    with transaction.atomic():
        try:
            with transaction.atomic():
                facts_changed(store.pk, {day})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        facts_changed(store.pk, {day})  # the mark above went with its savepoint
        facts_changed(store.pk, {day, other})
        facts_changed(store.pk, set())
    assert sorted(DirtyDay.objects.filter(store=store).values_list("day", flat=True)) == [
        day,
        other,
    ]


def test_a_write_during_an_export_stays_marked(lake_dir, monkeypatch):
    store = make_demo_store(seed=4, target_orders=300)
    lake.export(lake_dir)
    sku = Sku.objects.filter(store=store).order_by("code").first().code
    receive(store, "B1", "2025-11-02T10:00:00+08:00", "b1", sku)
    real = lake._write

    def write_then_commit_another(*args, **kwargs):
        out = real(*args, **kwargs)  # the export has read its rows …
        receive(store, "B2", "2025-11-03T10:00:00+08:00", "b2", sku)  # … then this commits
        return out

    monkeypatch.setattr(lake, "_write", write_then_commit_another)
    refresh_lake()
    assert marks(store) == {date(2025, 11, 3)}
    got = metrics(["gmv", "orders"], store, date(2025, 11, 2), date(2025, 11, 3), "day")
    assert got == metrics(
        ["gmv", "orders"], store, date(2025, 11, 2), date(2025, 11, 3), "day", "reference"
    )


def test_a_reader_holding_an_old_state_reads_again(lake_dir, monkeypatch, used):
    store = make_demo_store(seed=6, target_orders=300)
    lake.export(lake_dir)
    old_state = lake_read.read_state(lake_dir)
    moment = datetime(2025, 11, 5, 2, tzinfo=UTC)
    Order.objects.create(
        store=store, order_id="X", created_at=moment, paid_at=moment, paid_amount=Decimal("7")
    )
    facts_changed(store.pk, {date(2025, 11, 5)})
    refresh_lake()  # the November files this old state names are gone
    states = iter([old_state])
    real = lake_read.read_state
    monkeypatch.setattr(lake_read, "read_state", lambda d: next(states, None) or real(d))
    got = metrics(["gmv"], store, *SPAN, "none", use_cache=False)
    assert used[-2:] == ["DuckDBLakeSources", "DuckDBLakeSources"]
    assert got == metrics(["gmv"], store, *SPAN, "none", "reference")


def test_a_lake_of_the_previous_format_is_read_live_then_rewritten(lake_dir, used):
    import json

    store = make_demo_store(seed=8, target_orders=300)
    lake.export(lake_dir)
    state = lake_read.read_state(lake_dir)
    old = {k: v for k, v in state.items() if k not in ("format", "files")}  # as main wrote it
    (lake_dir / lake_read.STATE).write_text(json.dumps(old))
    assert "older format" in lake_read.usable(lake_dir, [store])[2]
    reference = metrics(["gmv", "orders"], store, *SPAN, "month", "reference")
    assert metrics(["gmv", "orders"], store, *SPAN, "month", use_cache=False) == reference
    assert used[-1] == "DuckDBSources"
    assert refresh_lake()["tables"]["orders"]["written"] >= 2
    assert metrics(["gmv", "orders"], store, *SPAN, "month", use_cache=False) == reference
    assert used[-1] == "DuckDBLakeSources"


def test_a_batch_of_orders_marks_its_days_only(lake_dir, used):
    import json

    from django.test import Client

    store = make_demo_store(seed=9, target_orders=300)
    lake.export(lake_dir)
    lead = core.create_user(username="lead", password=None, role="ops_lead", stores=[store])
    client = Client()
    client.force_login(lead)
    sku = Sku.objects.filter(store=store).order_by("code").first()
    orders = [
        order_payload(
            f"BATCH{n}",
            lines=((sku.code, 1, str(sku.price)),),
            store=store.code,
            created_at=at,
            paid_at=at,
            customer_id=f"batch-buyer-{n}",
        )
        for n, at in enumerate(["2025-11-20T10:00:00+08:00", "2025-11-21T23:59:00+08:00"])
    ]
    answer = client.post(
        "/api/v1/orders/batch", json.dumps({"orders": orders}), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert marks(store) == {date(2025, 11, 20), date(2025, 11, 21)}
    got = metrics(["gmv", "orders"], store, date(2025, 11, 19), date(2025, 11, 22), "day")
    assert used[-1] == "DuckDBLakeSources"
    assert got == metrics(
        ["gmv", "orders"], store, date(2025, 11, 19), date(2025, 11, 22), "day", "reference"
    )
