"""Engines computing the base metrics of the catalog per period.

`duckdb`: Ibis expressions on DuckDB, over the live database attached read-only.
`sql`: a plain reference implementation in Python over the Django ORM, slow and obviously
right, used to cross-check the others in tests.

A period is the store-local calendar: the local date of each order's payment time; weeks
start on Monday; quarters are Q1..Q4.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import ibis

from shopops.analytics.duckdb_engine import connect

GRAINS = ("day", "week", "month", "quarter", "none")


def period_label(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return "all"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_base(store, start: date, end: date, grain: str, base: set[str]) -> dict:
    """{period label: {base metric: value}} computed with Ibis on DuckDB."""
    con = connect()
    backend = ibis.duckdb.from_connection(con)
    zone = _sql_literal(store.timezone)
    # The local day of payment, and a buyer identity where a guest order is its own buyer.
    # The zone is a quoted literal of a validated time zone name; the store id an int.
    sql = f"""
        SELECT id, paid_amount, refunded_amount,
               CAST(timezone({zone}, paid_at::TIMESTAMPTZ) AS DATE) AS day,
               COALESCE('c' || CAST(customer_id AS VARCHAR), 'g' || CAST(id AS VARCHAR)) AS buyer
        FROM oltp.orders_order
        WHERE store_id = {int(store.pk)} AND paid_at IS NOT NULL
    """  # noqa: S608
    paid = backend.sql(sql)
    paid = paid.filter((paid.day >= start) & (paid.day <= end))
    out: dict = defaultdict(dict)
    if base & {"gmv", "orders", "buyers", "refunds", "repeat_buyers"}:
        days = (
            paid.group_by(["day", "buyer"])
            .aggregate(
                n=paid.count(),
                gmv=paid.paid_amount.cast("decimal(18,2)").sum(),
                refunds=paid.refunded_amount.cast("decimal(18,2)").sum(),
            )
            .execute()
        )
        # Buyers and repeat buyers depend on the period, so the per-day-and-buyer rows are
        # folded into periods here; a buyer counts once per period.
        per_buyer: dict = defaultdict(lambda: defaultdict(int))
        for row in days.itertuples(index=False):
            day = row.day.date() if isinstance(row.day, datetime) else row.day  # pandas Timestamp
            label = period_label(day, grain)
            values = out[label]
            values["gmv"] = values.get("gmv", Decimal(0)) + Decimal(row.gmv)
            values["refunds"] = values.get("refunds", Decimal(0)) + Decimal(row.refunds)
            values["orders"] = values.get("orders", 0) + int(row.n)
            per_buyer[label][row.buyer] += int(row.n)
        for label, buyers in per_buyer.items():
            out[label]["buyers"] = len(buyers)
            out[label]["repeat_buyers"] = sum(1 for n in buyers.values() if n >= 2)
    con.close()
    return dict(out)


def reference_base(store, start: date, end: date, grain: str, base: set[str]) -> dict:
    """The same numbers in plain Python over the ORM, for cross-checking."""
    from shopops.orders.models import Order

    out: dict = defaultdict(lambda: {"gmv": Decimal(0), "refunds": Decimal(0), "orders": 0})
    buyers: dict = defaultdict(lambda: defaultdict(int))
    for order in Order.objects.filter(store=store, paid_at__isnull=False).only(
        "pk", "paid_at", "paid_amount", "refunded_amount", "customer_id"
    ):
        day = order.paid_at.astimezone(store.zone).date()
        if not start <= day <= end:
            continue
        label = period_label(day, grain)
        out[label]["gmv"] += order.paid_amount
        out[label]["refunds"] += order.refunded_amount
        out[label]["orders"] += 1
        buyer = f"c{order.customer_id}" if order.customer_id else f"g{order.pk}"
        buyers[label][buyer] += 1
    for label, counts in buyers.items():
        out[label]["buyers"] = len(counts)
        out[label]["repeat_buyers"] = sum(1 for n in counts.values() if n >= 2)
    return {label: dict(values) for label, values in out.items()}


ENGINES = {"duckdb": duckdb_base, "sql": reference_base}
