"""DuckDB reads the live database (SQLite file through Python's sqlite3, or PostgreSQL
attached) read-only, offline, and sees what the ORM sees: the same paid orders, the same
exact GMV, the same local days."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from shopops.analytics.duckdb_engine import connect, oltp_relation, read_sqlite
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = (
    "order_id,paid_amount,created_at,paid_at,customer_id\n"
    "A1,99.50,2024-06-18 23:50:00,2024-06-18 23:59:00,c1\n"
    "A2,20.01,2024-06-18 23:58:00,2024-06-19 00:01:00,\n"
    "A3,0,2024-06-19 10:00:00,,c1\n"
    "A4,0.10,2024-06-19 10:00:00,2024-06-19 10:00:00,c2\n"
)


def test_duckdb_sees_the_orm_data(tmp_path):
    from shopops.core import services

    store = services.create_store(None, code="dk", name="Duck", platform="tmall")
    path = tmp_path / "o.csv"
    path.write_text(ORDERS)
    run_import(store=store, kind="orders", path=path)

    con = connect()
    orders = oltp_relation(
        con,
        "orders_order",
        "paid_at, paid_amount",
        f"store_id = {store.pk} AND paid_at IS NOT NULL",
    )
    rows = con.execute(
        f"""
        SELECT strftime(timezone(?, paid_at::TIMESTAMPTZ), '%Y-%m-%d') AS day,
               count(*), sum(paid_amount::DECIMAL(18, 2))
        FROM {orders}
        GROUP BY 1 ORDER BY 1
        """,  # noqa: S608 - a registered name
        [store.timezone],
    ).fetchall()
    expected = Counter()
    gmv = Counter()
    for order in Order.objects.filter(store=store, paid_at__isnull=False):
        day = order.paid_at.astimezone(store.zone).date().isoformat()
        expected[day] += 1
        gmv[day] += order.paid_amount
    assert rows == [(day, expected[day], gmv[day]) for day in sorted(expected)]
    assert rows == [("2024-06-18", 1, Decimal("99.50")), ("2024-06-19", 2, Decimal("20.11"))]


def test_the_engine_reads_the_database_read_only(db):
    if connection.vendor == "sqlite":
        # Never through DuckDB's own SQLite library (its scanner is not even loaded): the
        # rows come through Python's sqlite3, typed by the declared columns, also when empty.
        from shopops.analytics import duckdb_engine

        table = read_sqlite("orders_order", "id, customer_id, paid_amount, paid_at")
        assert table.num_rows == 0
        assert [str(t) for t in table.schema.types] == ["int64", "int64", "double", "string"]
        assert not duckdb_engine._instances
    else:
        with pytest.raises(Exception, match=r"read-only|read only"):
            connect().execute("DELETE FROM oltp.orders_order")
