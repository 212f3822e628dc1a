"""Source relations the catalog's expressions read, from the live database through DuckDB
(`duckdb_engine.oltp_relation`: attached on PostgreSQL, read through Python's sqlite3 on
SQLite).

Every engine supplies the same columns:
  orders:     store_id, id, buyer, day, paid_amount, refunded_amount, channel, province,
              commission_rate, payment_fee_rate, shipping_cost, packaging_cost
              (paid orders only; `day` is the local date of payment in the store's zone;
              `buyer` is the customer id, or minus the order id for a guest order)
  first_days: buyer, first          (first local payment day ever of each buyer)
  lines:      order_id, sku_code, category, quantity, line_gmv, unit_cost
  traffic:    store_id, day, source, sku_code, category, visitors, page_views, impressions,
              clicks, add_to_cart, favorites
  ads:        store_id, day, channel, plan, keyword, impressions, clicks, orders, cost, gmv
  rates:      store_id, day, factor (only when the request converts currencies:
              analytics.conversion)

DuckDB copies the paid orders of the period into a temporary table once per call (every
family joins to the orders); order lines, read once per aggregate, stay a view.

Ibis is imported only to build and compile an expression (`analytics.ibis_duckdb`: unbound
tables typed by DuckDB, its DuckDB compiler alone): a question compiled before runs its kept
SQL (`analytics.compiled`) on relations made by `prepare`.
"""

from shopops.analytics.duckdb_engine import connect, oltp_relation, sql_literal, unindexed
from shopops.analytics.order_costs import ORDER_COST_COLUMNS, store_parameters
from shopops.analytics.request import utc_window

# An exchange rate (core.models.ExchangeRate.rate), in DuckDB's SQL and in Ibis alike.
FACTOR = "decimal(16, 6)"
# Each relation an expression reads, by the method that makes it.
RELATIONS = {
    "src_orders": "orders",
    "src_first": "first_days",
    "src_lines": "lines",
    "src_order_lines": "order_lines",
    "src_traffic": "traffic",
    "src_ads": "ads",
    "src_rates": "rates",
}


def _by_store(stores, value, sql_type: str) -> str:
    """A constant per store as SQL: the literal itself when all stores share it."""
    values = {int(s.pk): value(s) for s in stores}
    if len(set(values.values())) == 1:
        return f"CAST({sql_literal(str(next(iter(values.values()))))} AS {sql_type})"
    cases = " ".join(
        f"WHEN {pk} THEN CAST({sql_literal(str(v))} AS {sql_type})" for pk, v in values.items()
    )
    return f"CASE o.store_id {cases} END"


def _instant(moment) -> str:
    """An aware datetime as a DuckDB TIMESTAMPTZ literal (ISO text with its offset)."""
    return f"TIMESTAMPTZ '{moment.isoformat()}'"


class DuckDBSources:
    def __init__(self, request, base: set[str] = frozenset()):
        self.request = request
        self.base = base
        self.con = connect()
        self._tables: dict = {}  # Ibis tables of the relations made, by name
        self.made: set[str] = set()
        self.used: set[str] = set()  # the relations read since the last `used.clear()`
        self._preparing = False
        self.ids = ", ".join(str(i) for i in request.store_ids)  # ints, safe to inline
        self.zone = _by_store(request.stores, lambda s: s.timezone, "VARCHAR")

    def _table(self, name: str, sql, kind: str = "TABLE"):
        """`sql`: its text, or a function making it (called only when the relation is not
        made yet: making its text may read rows). Literals only, no parameters: DuckDB
        binds a date or time parameter through pandas, whose import costs a process 0.5 s."""
        if name not in self.made:
            text = sql() if callable(sql) else sql
            self.con.execute(f"CREATE TEMP {kind} {name} AS {text}")
            self.made.add(name)
        self.used.add(name)
        if self._preparing:
            return None
        if name not in self._tables:
            from shopops.analytics import ibis_duckdb  # Ibis: imported on the first compile

            self._tables[name] = ibis_duckdb.table(self.con, name)
        return self._tables[name]

    def prepare(self, names) -> None:
        """Make the named relations (`src_orders`, …) without building Ibis tables."""
        self._preparing = True
        try:
            for name in names:
                getattr(self, RELATIONS[name])()
        finally:
            self._preparing = False

    def schema(self, names) -> list:
        """The named relations' columns and types, as DuckDB describes them."""
        return [
            [name, *(row[:2] for row in self.con.execute(f"DESCRIBE {name}").fetchall())]
            for name in sorted(names)
        ]

    def _order_extras(self) -> str:
        """Only the columns this request reads: each one costs a pass over the scan."""
        touched, base = self.request.touched, self.base
        extra = [f"{c}" for c in ("channel", "province") if c in touched]
        if base & {"refunds", "commission"}:
            extra.append("CAST(coalesce(o.refunded_amount, 0) AS DECIMAL(18,2)) AS refunded_amount")
        parameters = store_parameters(self.request.stores)
        for key, column, sql_type, index in ORDER_COST_COLUMNS:
            if key in base:
                by_id = {p[0]: p[index] for p in parameters}
                value = _by_store(self.request.stores, lambda s, m=by_id: m[int(s.pk)], sql_type)
                extra.append(f"{value} AS {column}")
        return "".join(f", {c}" for c in extra)

    def _paid_in_window(self) -> str:
        """Paid orders of the request's stores in its UTC window, as a condition on OLTP
        orders_order (ints and ISO literals only)."""
        low, high = utc_window(self.request.start, self.request.end)
        return (
            f"store_id IN ({self.ids}) AND paid_at IS NOT NULL "
            f"AND paid_at >= '{low:%Y-%m-%d %H:%M:%S}' AND paid_at < '{high:%Y-%m-%d %H:%M:%S}'"
        )

    def _until(self) -> str:
        """The request's time-of-day cutoff on each order's local payment time, or ""."""
        until = self.request.until
        if until is None:
            return ""
        return f" AND CAST(timezone({self.zone}, o.ts) AS TIME) < TIME '{until:%H:%M:%S}'"

    def _order_columns(self) -> str:
        """The OLTP columns of orders this request reads: each one is read and converted."""
        columns = ["id", "store_id", "customer_id", "paid_at", "paid_amount"]
        columns += [c for c in ("channel", "province") if c in self.request.touched]
        if self.base & {"refunds", "commission"}:
            columns.append("refunded_amount")
        return ", ".join(columns)

    def orders(self):
        if "src_orders" in self.made:
            return self._table("src_orders", "")
        low, high = utc_window(self.request.start, self.request.end)
        columns = self._order_extras()
        raw = oltp_relation(self.con, "orders_order", self._order_columns(), self._paid_in_window())
        return self._table(
            "src_orders",
            f"""
            SELECT o.store_id, o.id, coalesce(o.customer_id, -o.id) AS buyer,
                   CAST(timezone({self.zone}, o.ts) AS DATE) AS day,
                   CAST(o.paid_amount AS DECIMAL(18,2)) AS paid_amount{columns}
            FROM (SELECT *, paid_at::TIMESTAMPTZ AS ts FROM {raw}) o
            WHERE o.ts >= {_instant(low)} AND o.ts < {_instant(high)}{self._until()}
            """,  # noqa: S608 - ids are ints, the rest literals of validated values
        )

    def first_days(self):
        if "src_first" in self.made:
            return self._table("src_first", "")
        raw = oltp_relation(
            self.con,
            "orders_order",
            "id, customer_id, paid_at",
            f"store_id IN ({self.ids}) AND paid_at IS NOT NULL",
        )
        return self._table(
            "src_first",
            f"""
            SELECT coalesce(o.customer_id, -o.id) AS buyer,
                   min(CAST(timezone({self.zone}, o.paid_at::TIMESTAMPTZ) AS DATE)) AS first
            FROM {raw} o
            GROUP BY 1
            """,  # noqa: S608 - ids are ints, the zone a literal of a validated name
        )

    def lines(self):
        """A view, not a copy: lines are read once per aggregate, joined to the orders. Only
        the lines of the window's orders are read (every family joins them to those)."""
        if "src_lines" in self.made:
            return self._table("src_lines", "")
        columns = "order_id, sku_code, quantity, allocated_amount"
        extra = ""
        if "category" in self.request.touched:
            columns, extra = columns + ", category", ", l.category"
        if "cogs" in self.base:
            columns += ", unit_cost"
            extra += ", CAST(coalesce(l.unit_cost, 0) AS DECIMAL(18,4)) AS unit_cost"
        window = f"SELECT id FROM OLTP.orders_order WHERE {self._paid_in_window()}"  # noqa: S608
        raw = oltp_relation(
            self.con,
            "orders_orderline",
            columns,
            f"{unindexed('store_id')} IN ({self.ids}) AND order_id IN ({window})",
        )
        return self._table(
            "src_lines",
            f"""
            SELECT l.order_id, l.sku_code, l.quantity,
                   CAST(l.allocated_amount AS DECIMAL(18,2)) AS line_gmv{extra}
            FROM {raw} l
            """,  # noqa: S608 - ids are ints
            kind="VIEW",
        )

    def _dated(self, table: str, columns: str) -> str:
        start, end = self.request.start.isoformat(), self.request.end.isoformat()
        return oltp_relation(
            self.con,
            table,
            columns,
            f"store_id IN ({self.ids}) AND date >= '{start}' AND date <= '{end}'",
        )

    def traffic(self):
        if "src_traffic" in self.made:
            return self._table("src_traffic", "")
        facts = self._dated(
            "marketing_trafficfact",
            "store_id, date, source, sku_code, visitors, page_views, impressions, clicks, "
            "add_to_cart, favorites",
        )
        skus = oltp_relation(
            self.con, "catalog_sku", "store_id, code, product_id", f"store_id IN ({self.ids})"
        )
        products = oltp_relation(
            self.con, "catalog_product", "id, category", f"store_id IN ({self.ids})"
        )
        return self._table(
            "src_traffic",
            f"""
            SELECT t.store_id, CAST(t.date AS DATE) AS day, t.source, t.sku_code,
                   coalesce(c.category, '') AS category,
                   t.visitors, t.page_views, t.impressions, t.clicks, t.add_to_cart, t.favorites
            FROM {facts} t
            LEFT JOIN (
                SELECT k.store_id, k.code, p.category
                FROM {skus} k JOIN {products} p ON k.product_id = p.id
            ) c ON c.store_id = t.store_id AND c.code = t.sku_code AND t.sku_code <> ''
            """,  # noqa: S608 - ids are ints
        )

    def ads(self):
        if "src_ads" in self.made:
            return self._table("src_ads", "")
        facts = self._dated(
            "marketing_adfact",
            "store_id, date, channel, plan, keyword, impressions, clicks, orders, cost, gmv",
        )
        return self._table(
            "src_ads",
            f"""
            SELECT store_id, CAST(date AS DATE) AS day, channel, plan, keyword, impressions,
                   clicks, orders, CAST(cost AS DECIMAL(18,2)) AS cost,
                   CAST(gmv AS DECIMAL(18,2)) AS gmv
            FROM {facts}
            """,  # noqa: S608 - ids are ints
        )

    def rates(self):
        """The request's conversion factors (store_id, day, factor): a few rows per store
        and day, written as literals (ints, ISO dates and decimals only)."""
        if "src_rates" not in self.made:
            factors = self.request.conversion.factors
            values = ", ".join(f"({i}, DATE '{d.isoformat()}', {r:f})" for i, d, r in factors)
            body = (
                f"SELECT * FROM (VALUES {values}) v(store_id, day, factor)"  # noqa: S608
                if factors
                else "SELECT 0 AS store_id, DATE '2000-01-01' AS day, 1 AS factor WHERE false"
            )
            columns = "CAST(store_id AS BIGINT) AS store_id, CAST(day AS DATE) AS day"
            self._table(
                "src_rates",
                f"SELECT {columns}, CAST(factor AS {FACTOR}) AS factor FROM ({body})",  # noqa: S608
            )
        return self._table("src_rates", "")

    def compile(self, expr) -> str:
        from shopops.analytics import ibis_duckdb

        return ibis_duckdb.to_sql(expr)

    def run(self, sql: str) -> list[dict]:
        """Compiled SQL's rows as dicts, fetched by DuckDB itself: Ibis's own to_pyarrow
        imports pandas (0.6 s a process) and converts twice."""
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rows(self, expr) -> list[dict]:
        return self.run(self.compile(expr))

    def close(self) -> None:
        self.con.close()
