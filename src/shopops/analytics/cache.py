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

from shopops.analytics.models import FactsVersion

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
        request.start,
        request.end,
        request.grain,
        request.dims,
        request.filters,
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


def facts_changed(store_id: int) -> None:
    """Call after writing facts of a store; takes effect when the transaction commits.

    Once per store and transaction however many writes call it. On PostgreSQL the version
    is raised after commit, never inside the transaction: concurrent orders would queue on
    the version row. On SQLite it is raised inside the transaction, at the first call: the
    transaction already holds the database's one write lock, so nobody queues behind the
    row, and a raise after commit would be a second write that can meet another writer's
    lock, fail the request after its facts were committed, and leave the cache stale.
    (Raising inside once ended in "locking protocol": that came from DuckDB reading the
    file through its own SQLite library in the same process, which the engine no longer
    does, docs/architecture.md.)"""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _increment(store_id)
        return
    # A marker among the transaction's on-commit callbacks: Django drops it with a
    # rolled-back savepoint, together with anything raised inside that savepoint.
    if any(getattr(f, "facts_store", None) == store_id for _s, f, _r in conn.run_on_commit):
        return
    if conn.vendor == "sqlite":
        _increment(store_id)

        def bump() -> None:
            pass  # raised already, inside the transaction

    else:

        def bump() -> None:
            _increment(store_id)

    bump.facts_store = store_id
    transaction.on_commit(bump)
