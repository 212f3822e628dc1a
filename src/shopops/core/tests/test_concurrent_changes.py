"""Concurrent edits of one store serialise: no lost update, an unbroken audit chain."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shopops.core import services
from shopops.core.models import AuditEntry, Store

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_store_updates_keep_a_consistent_audit_chain():
    store = services.create_store(
        None, code="race", name="Race", platform="jd", commission_rate=Decimal("0.0100")
    )
    rates = [Decimal(f"0.{n:04d}") for n in range(200, 216)]
    barrier = threading.Barrier(len(rates))
    errors = []

    def edit(rate):
        try:
            barrier.wait()
            services.update_store(
                None, Store.objects.get(pk=store.pk), via="test", commission_rate=rate
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=edit, args=(r,)) for r in rates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    chain = list(AuditEntry.objects.filter(store=store, action="update").order_by("id"))
    assert len(chain) == len(rates)
    # Each change saw the value the previous one wrote: nobody overwrote a stale read.
    previous = "0.0100"
    for entry in chain:
        assert entry.before["commission_rate"] == previous
        previous = entry.after["commission_rate"]
    store.refresh_from_db()
    assert str(store.commission_rate) == previous
    assert sorted(e.after["commission_rate"] for e in chain) == sorted(str(r) for r in rates)
