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

        rows = read_sqlite("orders_order", "id, customer_id, paid_amount, paid_at")
        assert rows.count == 0
        assert rows.types == ["BIGINT", "BIGINT", "DOUBLE", "VARCHAR"]
        assert [str(t) for t in rows.as_arrow().schema.types] == [
            "int64",
            "int64",
            "double",
            "string",
        ]
        assert not duckdb_engine._instances
    else:
        with pytest.raises(Exception, match=r"read-only|read only"):
            connect().execute("DELETE FROM oltp.orders_order")


@pytest.mark.parametrize("handoff", ["json", "arrow"])
def test_few_and_many_rows_reach_duckdb_alike(tmp_path, monkeypatch, handoff):
    """A few rows go to DuckDB as one JSON text, many as Arrow: the same values and types
    either way (quotes, backslashes, Chinese, empty text, NULLs, empty reads)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL is attached: no rows pass through Python")
    import csv

    from shopops.analytics import duckdb_engine
    from shopops.core import services

    monkeypatch.setattr(duckdb_engine, "JSON_ROWS", 10**6 if handoff == "json" else -1)
    store = services.create_store(None, code="ha", name="Hand", platform="tmall")
    path = tmp_path / "o.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["order_id", "paid_amount", "created_at", "paid_at", "province"])
        out.writerow(["O'1\\x", "0.01", "2024-06-18 23:50:00", "2024-06-18 23:59:00", '浙"江'])
        out.writerow(["O2", "1234567.89", "2024-06-18 23:58:00", "2024-06-19 00:00:00", ""])
        out.writerow(["O3", "0", "2024-06-18 23:58:00", "", ""])
    run_import(store=store, kind="orders", path=path)
    con = connect()
    columns = "order_id, paid_amount, paid_at, province, customer_id"
    orders = oltp_relation(con, "orders_order", columns, f"store_id = {store.pk}")
    none = oltp_relation(con, "orders_order", "id, paid_amount", "1 = 0")
    got = con.execute(f"SELECT * FROM {orders} ORDER BY 1").fetchall()  # noqa: S608
    assert got == [
        ("O'1\\x", 0.01, "2024-06-18 15:59:00", '浙"江', None),
        ("O2", 1234567.89, "2024-06-18 16:00:00", "", None),
        ("O3", 0.0, None, "", None),
    ]
    kinds = con.execute(f"SELECT typeof(COLUMNS(*)) FROM {orders} LIMIT 1").fetchall()  # noqa: S608
    assert kinds == [("VARCHAR", "DOUBLE", "VARCHAR", "VARCHAR", "BIGINT")]
    empty = con.execute(f"SELECT count(*), typeof(any_value(id)) FROM {none}").fetchall()  # noqa: S608
    assert empty == [(0, "BIGINT")]
