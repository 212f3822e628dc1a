"""The metrics result cache and its invalidation.

A result is stored under a key made of the request, the engine and each store's facts
version (plus the store settings the numbers depend on). Every writer of facts (orders, order
lines, traffic, ads, SKUs, products: the order services and intake, the import pipeline, the
demo data) calls `facts_changed` itself; there are no model signals, so a new writer must
call it too. The version then moves when the transaction commits, so stale results are
never read again; they expire on their own. The cache is Django's (Redis when REDIS_URL is
set, else files in var/), shared by web, worker and CLI processes.
"""

import hashlib
from decimal import Decimal

from django.core.cache import cache as django_cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from shopops.analytics.models import DirtyDay, FactsVersion

TIMEOUT = 7 * 24 * 3600
PREFIX = "metrics:v1:"


def versions(store_ids) -> dict[int, int]:
    found = dict(
        FactsVersion.objects.filter(store_id__in=store_ids).values_list("store_id", "version")
    )
    return {i: found.get(i, 0) for i in store_ids}


def key(engine: str, request, base: set[str]) -> str:
    stamp = versions(request.store_ids)
    stores = [
        (
            int(s.pk),
            stamp[int(s.pk)],
            s.created_at.isoformat() if s.created_at else "",
            s.timezone,
            *(
                _number(getattr(s, f, 0))
                for f in (
                    "commission_rate",
                    "payment_fee_rate",
                    "shipping_cost_per_order",
                    "packaging_cost_per_order",
                )
            ),
        )
        for s in request.stores
    ]
    parts = (
        connection.vendor,
        str(connection.settings_dict["NAME"]),
        engine,
        stores,
        request.question,
        request.conversion,
        sorted(base),
    )
    return PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def _number(value) -> str:
    """0.0500 from the database and 0.05 typed in are the same rate."""
    return format(Decimal(value or 0).normalize(), "f")


def get(cache_key: str):
    return django_cache.get(cache_key)


def put(cache_key: str, value) -> None:
    django_cache.set(cache_key, value, TIMEOUT)


def _increment(store_id: int) -> None:
    if FactsVersion.objects.filter(store_id=store_id).update(version=F("version") + 1):
        return
    try:
        with transaction.atomic():
            FactsVersion.objects.create(store_id=store_id, version=1)
    except IntegrityError:  # created meanwhile by another process
        FactsVersion.objects.filter(store_id=store_id).update(version=F("version") + 1)


def local_days(store, *instants) -> set:
    """The store's local days of the given UTC instants (None left out): what a writer of
    orders passes to `facts_changed`, the days the lake partitions orders by."""
    zone = store.zone
    return {t.astimezone(zone).date() for t in instants if t is not None}


def _mark_dirty(store_id: int, days) -> None:
    DirtyDay.objects.bulk_create(
        [DirtyDay(store_id=store_id, day=None)]
        if days is None
        else [DirtyDay(store_id=store_id, day=d) for d in sorted(days)]
    )


def facts_changed(store_id: int, days=None, *, at_once: bool = False) -> None:
    """Call after writing facts of a store; takes effect when the transaction commits.

    `days`: the store's local days whose facts the write changed (`local_days`; for orders
    and their lines, the days of payment, before and after the write), so that the lake
    stays the fast path for every other day; None when unknown (any day). An empty set:
    nothing the lake holds changed (an unpaid order), only cached results are stale.

    The days are marked in the writer's transaction (`DirtyDay`), once per day. The
    version is raised once per store and transaction however many writes call it. On
    PostgreSQL the version is raised after commit, never inside the transaction: concurrent
    orders would queue on the version row (the day marks are plain inserts: nobody waits).
    On SQLite it is raised inside the transaction, at the first call: the transaction
    already holds the database's one write lock, so nobody queues behind the row, and a
    raise after commit would be a second write that can meet another writer's lock, fail
    the request after its facts were committed, and leave the cache stale. (Raising inside
    once ended in "locking protocol": that came from DuckDB reading the file through its
    own SQLite library in the same process, which the engine no longer does,
    docs/architecture.md.)

    `at_once`: raise it inside the transaction on PostgreSQL too, for a writer whose call
    is the last statement of a transaction of its own (an import), so that the raise
    commits with the facts or not at all (`ingest.same_file` relies on it)."""
    days = None if days is None else set(days)
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _increment(store_id)
        if days != set():
            _mark_dirty(store_id, days)
        return
    # Markers among the transaction's on-commit callbacks: Django drops those of a
    # rolled-back savepoint, together with the version raise and the marks made inside it,
    # so what the markers say was recorded is still there.
    markers = [f for _s, f, _r in conn.run_on_commit if getattr(f, "facts_store", None) == store_id]
    whole = any(f.facts_days is None for f in markers)
    recorded = set().union(*(f.facts_days for f in markers if f.facts_days is not None))
    new = None if days is None else days - recorded
    if markers and (whole or new == set()):
        return
    inside = conn.vendor == "sqlite" or at_once
    if not markers and inside:
        _increment(store_id)
    if new is None or new:
        _mark_dirty(store_id, new)
    if not markers and not inside:

        def marker() -> None:
            _increment(store_id)

    else:

        def marker() -> None:
            pass  # raised already, inside the transaction, or by an earlier marker

    marker.facts_store, marker.facts_days = store_id, new
    transaction.on_commit(marker)
