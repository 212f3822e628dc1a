"""The live database's rows shaped as the Parquet lake's partitions: what `lake.py` writes,
and what `lake_read.py` reads live for the days the lake does not hold yet.

Each table's SELECT has the lake's columns (lake_read.SCHEMAS) plus store_id and month,
with the local day (and the buyer identity) computed in the store's zone. A scope limits
it to some days of some stores: {store_id: [(first day, last day), …] or None for all of
the store's rows}; no scope: every row of every store. The window is pushed into the read
of the OLTP rows (UTC instants that surely cover the local days) and the exact days are
kept after the local day is computed.
"""

from datetime import date, timedelta

from shopops.analytics.duckdb_engine import oltp_relation, sql_literal, unindexed
from shopops.analytics.request import utc_window

Scope = dict[int, list[tuple[date, date]] | None] | None


def _zone_sql(stores, column: str) -> str:
    if not stores:
        return "'UTC'"
    cases = " ".join(f"WHEN {int(s.pk)} THEN {sql_literal(s.timezone)}" for s in stores)
    return f"CASE {column} {cases} ELSE 'UTC' END"


def runs(days, gap: int = 2) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs, joining runs fewer than `gap` days apart: one
    window read instead of many tiny ones."""
    out: list[list[date]] = []
    for day in sorted(set(days)):
        if out and (day - out[-1][1]).days <= gap:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(a, b) for a, b in out]


def month_runs(months) -> list[tuple[date, date]]:
    """Months ('2025-03') as (first day, last day) runs, adjacent months joined."""
    out: list[list[date]] = []
    for first, last in sorted(month_range(m) for m in set(months)):
        if out and (first - out[-1][1]).days == 1:
            out[-1][1] = last
        else:
            out.append([first, last])
    return [(a, b) for a, b in out]


def month_range(month: str) -> tuple[date, date]:
    """'2025-03' -> (2025-03-01, 2025-03-31)."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _instants(scope: Scope, column: str) -> str:
    """A condition on a UTC timestamp column covering the scope (SQLite text or PostgreSQL
    timestamp: both compare with 'YYYY-MM-DD HH:MM:SS')."""
    parts = [f"(store_id = {int(i)})" for i, ranges in scope.items() if ranges is None]
    for store_id, ranges in scope.items():
        for first, last in ranges or ():
            low, high = utc_window(first, last)
            parts.append(
                f"(store_id = {int(store_id)} AND {column} >= '{low:%Y-%m-%d %H:%M:%S}' "
                f"AND {column} < '{high:%Y-%m-%d %H:%M:%S}')"
            )
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def day_condition(scope: Scope, column: str, store_column: str = "store_id", typed=True) -> str:
    """A condition on a date column: exactly the scope's days. `typed`: a DuckDB DATE;
    else an OLTP date column (ISO text on SQLite, date on PostgreSQL: both compare with
    'YYYY-MM-DD')."""

    def day(value) -> str:
        return f"DATE '{value}'" if typed else f"'{value}'"

    parts = [f"({store_column} = {int(i)})" for i, ranges in scope.items() if ranges is None]
    parts += [
        f"({store_column} = {int(store_id)} AND {column} >= {day(first)} "
        f"AND {column} <= {day(last)})"
        for store_id, ranges in scope.items()
        for first, last in ranges or ()
    ]
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def live_rows(con, stores, scope: Scope = None) -> dict:
    """For each lake table, a function giving its SELECT (store_id, month and the lake's
    columns); each reads its OLTP rows only when called, one table at a time."""
    zone = _zone_sql(stores, "o.store_id")
    ids = ", ".join(str(int(s.pk)) for s in stores) or "NULL"
    in_stores = f"store_id IN ({ids})"
    paid_where = f"{in_stores} AND paid_at IS NOT NULL"
    if scope is not None:
        paid_where += f" AND {_instants(scope, 'paid_at')}"
    kept = "" if scope is None else f"WHERE {day_condition(scope, 'day', 'o.store_id')}"

    def paid():
        raw = oltp_relation(
            con,
            "orders_order",
            "id, store_id, customer_id, paid_at, paid_amount, refunded_amount, channel, province",
            paid_where,
        )
        day = f"CAST(timezone({zone}, o.paid_at::TIMESTAMPTZ) AS DATE)"
        return f"SELECT * FROM (SELECT o.*, {day} AS day FROM {raw} o) o {kept}"  # noqa: S608

    def orders():
        return f"""
            SELECT o.store_id, strftime(o.day, '%Y-%m') AS month, o.id,
                   CAST(o.customer_id AS BIGINT) AS customer_id,
                   coalesce(o.customer_id, -o.id) AS buyer, o.day,
                   CAST(o.paid_amount AS DECIMAL(18,2)) AS paid_amount,
                   CAST(coalesce(o.refunded_amount, 0) AS DECIMAL(18,2)) AS refunded_amount,
                   o.channel, o.province
            FROM ({paid()}) o
        """  # noqa: S608 - ints and quoted literals

    def lines():
        where = in_stores
        if scope is not None:
            where = f"{unindexed('store_id')} IN ({ids}) AND order_id IN "
            where += f"(SELECT id FROM OLTP.orders_order WHERE {paid_where})"  # noqa: S608
        raw = oltp_relation(
            con,
            "orders_orderline",
            "order_id, line_no, sku_code, category, quantity, allocated_amount, unit_cost",
            where,
        )
        return f"""
            SELECT o.store_id, strftime(o.day, '%Y-%m') AS month, l.order_id,
                   coalesce(o.customer_id, -o.id) AS buyer, o.day, o.channel, o.province,
                   CAST(l.line_no AS BIGINT) AS line_no, l.sku_code, l.category,
                   CAST(l.quantity AS BIGINT) AS quantity,
                   CAST(l.allocated_amount AS DECIMAL(18,2)) AS line_gmv,
                   CAST(coalesce(l.unit_cost, 0) AS DECIMAL(18,4)) AS unit_cost
            FROM {raw} l JOIN ({paid()}) o ON l.order_id = o.id
        """  # noqa: S608 - ints and quoted literals

    def dated(table: str, columns: str) -> str:
        where = (
            in_stores
            if scope is None
            else f"{in_stores} AND {day_condition(scope, 'date', typed=False)}"
        )
        return oltp_relation(con, table, columns, where)

    def traffic():
        facts = dated(
            "marketing_trafficfact",
            "store_id, date, source, sku_code, visitors, page_views, impressions, clicks, "
            "add_to_cart, favorites",
        )
        skus = oltp_relation(con, "catalog_sku", "store_id, code, product_id", in_stores)
        products = oltp_relation(con, "catalog_product", "id, category", in_stores)
        return f"""
            SELECT t.store_id, strftime(CAST(t.date AS DATE), '%Y-%m') AS month,
                   CAST(t.date AS DATE) AS day, t.source, t.sku_code,
                   coalesce(c.category, '') AS category,
                   CAST(t.visitors AS BIGINT) AS visitors,
                   CAST(t.page_views AS BIGINT) AS page_views,
                   CAST(t.impressions AS BIGINT) AS impressions,
                   CAST(t.clicks AS BIGINT) AS clicks,
                   CAST(t.add_to_cart AS BIGINT) AS add_to_cart,
                   CAST(t.favorites AS BIGINT) AS favorites
            FROM {facts} t
            LEFT JOIN (
                SELECT k.store_id, k.code, p.category
                FROM {skus} k JOIN {products} p ON k.product_id = p.id
            ) c ON c.store_id = t.store_id AND c.code = t.sku_code AND t.sku_code <> ''
        """  # noqa: S608 - ints and quoted literals

    def ads():
        facts = dated(
            "marketing_adfact",
            "store_id, date, channel, plan, keyword, impressions, clicks, orders, cost, gmv",
        )
        return f"""
            SELECT store_id, strftime(CAST(date AS DATE), '%Y-%m') AS month,
                   CAST(date AS DATE) AS day, channel, plan, keyword,
                   CAST(impressions AS BIGINT) AS impressions, CAST(clicks AS BIGINT) AS clicks,
                   CAST(orders AS BIGINT) AS orders, CAST(cost AS DECIMAL(18,2)) AS cost,
                   CAST(gmv AS DECIMAL(18,2)) AS gmv
            FROM {facts}
        """  # noqa: S608 - ints and quoted literals

    return {"orders": orders, "lines": lines, "traffic": traffic, "ads": ads}
