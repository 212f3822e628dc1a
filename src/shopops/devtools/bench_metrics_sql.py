"""The report set `bench metrics` times, its hand-written SQL and how its answers are
compared (to the cent), shared by the in-process and the whole-process measurements."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shopops.core.numbers import ratio

KEYS = ["gmv", "orders", "buyers", "aov", "repurchase_rate", "topn_share:3"]
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
ZONE = "Asia/Shanghai"


def handwritten_sql(grain: str, dialect: str, store_id: int, tables=None) -> str:
    """The report set in one statement, for DuckDB (over the relations `tables` names for
    orders_order and orders_orderline) or SQLite."""
    start, end = YEAR
    if dialect == "duckdb":
        day = f"CAST(timezone('{ZONE}', paid_at::TIMESTAMPTZ) AS DATE)"
        period = "day" if grain == "day" else "date_trunc('month', day)"
        money = "CAST({} AS DECIMAL(18, 2))"
    else:  # Shanghai has no daylight saving: +8 hours is its local time.
        day = "date(paid_at, '+8 hours')"
        period = "day" if grain == "day" else "strftime('%Y-%m-01', day)"
        money = "{}"
    orders, lines = tables or ("orders_order", "orders_orderline")
    return f"""
    WITH o AS (
        SELECT id, coalesce(customer_id, -id) AS buyer, {day} AS day,
               {money.format("paid_amount")} AS paid
        FROM {orders} WHERE store_id = {store_id} AND paid_at IS NOT NULL),
    op AS (SELECT id, buyer, paid, {period} AS p FROM o
           WHERE day BETWEEN '{start}' AND '{end}'),
    pb AS (SELECT p, buyer, count(*) AS n, sum(paid) AS g FROM op GROUP BY p, buyer),
    om AS (SELECT p, sum(g) AS gmv, sum(n) AS orders, count(*) AS buyers,
                  sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeaters FROM pb GROUP BY p),
    ls AS (SELECT op.p, l.sku_code, sum({money.format("l.allocated_amount")}) AS g
           FROM {lines} l JOIN op ON l.order_id = op.id
           WHERE l.store_id = {store_id} GROUP BY op.p, l.sku_code),
    lm AS (SELECT p, sum(g) AS line_gmv, sum(CASE WHEN rn <= 3 THEN g ELSE 0 END) AS top3
           FROM (SELECT p, g, row_number() OVER (PARTITION BY p ORDER BY g DESC) AS rn
                 FROM ls) r GROUP BY p)
    SELECT om.p, gmv, orders, buyers, repeaters, top3, line_gmv
    FROM om JOIN lm ON om.p = lm.p ORDER BY om.p
    """


def _cent(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _as_report(rows) -> list[tuple]:
    """(gmv to the cent, orders, buyers, aov, repurchase rate, top-3 share) per period."""
    return [
        (
            _cent(gmv),
            int(orders),
            int(buyers),
            ratio(gmv, buyers),
            ratio(repeaters, buyers),
            ratio(top3, line_gmv),
        )
        for _, gmv, orders, buyers, repeaters, top3, line_gmv in rows
    ]


def _engine_report(rows) -> list[tuple]:
    return [
        (
            _cent(r["gmv"]),
            r["orders"],
            r["buyers"],
            r["aov"],
            r["repurchase_rate"],
            r["topn_share:3"],
        )
        for r in rows
        if r["orders"]
    ]
