"""Reading the Parquet lake that `lake.py` writes: its layout and state, whether it holds
the current data of a request's stores, and the source relations the DuckDB and Spark
engines read from it. `lake.py` writes; this module only reads."""

import json
import os
from decimal import Decimal
from pathlib import Path

import ibis
from django.conf import settings

from shopops.analytics.duckdb_engine import sql_literal
from shopops.analytics.errors import EngineUnavailable
from shopops.analytics.sources import ORDER_COST_COLUMNS, DuckDBSources, store_parameters

STATE = "_state.json"
SCHEMAS = {
    "orders": {
        "id": "int64",
        "customer_id": "int64",
        "buyer": "int64",
        "day": "date",
        "paid_amount": "decimal(18, 2)",
        "refunded_amount": "decimal(18, 2)",
        "channel": "string",
        "province": "string",
    },
    "lines": {
        "order_id": "int64",
        "buyer": "int64",
        "day": "date",
        "channel": "string",
        "province": "string",
        "line_no": "int64",
        "sku_code": "string",
        "category": "string",
        "quantity": "int64",
        "line_gmv": "decimal(18, 2)",
        "unit_cost": "decimal(18, 4)",
    },
    "traffic": {
        "day": "date",
        "source": "string",
        "sku_code": "string",
        "category": "string",
        "visitors": "int64",
        "page_views": "int64",
        "impressions": "int64",
        "clicks": "int64",
    },
    "ads": {
        "day": "date",
        "channel": "string",
        "plan": "string",
        "keyword": "string",
        "impressions": "int64",
        "clicks": "int64",
        "cost": "decimal(18, 2)",
        "gmv": "decimal(18, 2)",
    },
}


def default_dir() -> Path:
    return Path(os.environ.get("SHOPOPS_LAKE_DIR") or settings.VAR_DIR / "lake")


def read_state(lake: Path) -> dict:
    path = lake / STATE
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def partition_dir(lake: Path, table: str, store_id, month: str) -> Path:
    return lake / table / f"store_id={store_id}" / f"month={month}"


class StaleLake(EngineUnavailable):
    pass


def database_key() -> str:
    from django.db import connection

    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


def store_stamp(store, version: int) -> dict:
    """What the lake's content of a store depends on: its facts version and its zone (the
    local days); created_at tells a re-created store with the same id apart."""
    return {
        "version": version,
        "zone": store.timezone,
        "created": store.created_at.isoformat() if store.created_at else "",
    }


def staleness(lake: Path, stores) -> tuple[dict | None, str | None]:
    """(the lake's state, None) when the lake holds the current data of every store, else
    (None, why not)."""
    from shopops.analytics.cache import versions

    state = read_state(lake)
    if not state:
        return None, f"no lake in {lake}: run ./shopops lake export --to {lake}"
    if state.get("database") != database_key():
        return None, f"the lake in {lake} was written from another database"
    now = versions([s.pk for s in stores])
    for store in stores:
        if state.get("stores", {}).get(str(store.pk)) != store_stamp(store, now[store.pk]):
            return None, (
                f"the lake in {lake} is older than the data of store {store.code}: "
                "run ./shopops lake export"
            )
    return state, None


def lake_paths(lake: Path, state: dict, table: str, store_ids, start=None, end=None) -> list:
    """The Parquet files' directories of the stores (and months, when given) that exist."""
    low = f"{start:%Y-%m}" if start else ""
    high = f"{end:%Y-%m}" if end else "9999-99"
    wanted = {str(i) for i in store_ids}
    out = []
    for key in sorted(state["partitions"].get(table, {})):
        store_id, month = key.split("/")
        if store_id in wanted and low <= month <= high:
            out.append(partition_dir(lake, table, store_id, month))
    return out


class SparkSources:
    """The source relations of `sources.py`, read from the lake by Spark through Ibis."""

    def __init__(self, request, base: set[str] = frozenset()):
        from shopops.analytics import spark_session

        self.request, self.base = request, base
        self.lake = default_dir()
        state, why = staleness(self.lake, request.stores)
        if state is None:
            raise StaleLake(why)
        self.partitions = state["partitions"]
        self.backend = ibis.pyspark.connect(spark_session.get())

    def _read(self, table: str):
        wanted = {str(i) for i in self.request.store_ids}
        present = {k.split("/")[0] for k in self.partitions.get(table, {})} & wanted
        schema = {"store_id": "int64", **SCHEMAS[table]}
        if not present:
            return ibis.memtable({k: [] for k in schema}, schema=schema)
        paths = [str(self.lake / table / f"store_id={s}") for s in sorted(present)]
        frame = self.backend._session.read.option("basePath", str(self.lake / table)).parquet(
            *paths
        )
        name = f"lake_{table}"
        frame.createOrReplaceTempView(name)
        t = self.backend.table(name)
        return t.select(**{c: t[c].cast(schema[c]) for c in schema})

    def _rates(self, orders):
        parameters = {p[0]: p for p in store_parameters(self.request.stores)}
        columns = {}
        for key, column, sql_type, index in ORDER_COST_COLUMNS:
            if key in self.base:
                value = ibis.literal(Decimal(0), type=sql_type.lower())
                for store_id, p in parameters.items():
                    value = (orders.store_id == store_id).ifelse(
                        ibis.literal(p[index], type=sql_type.lower()), value
                    )
                columns[column] = value
        return orders.mutate(**columns) if columns else orders

    def orders(self):
        return self._rates(self._read("orders"))

    def first_days(self):
        orders = self._read("orders")
        return orders.group_by("buyer").aggregate(first=orders.day.min())

    def lines(self):
        return self._read("lines").drop("store_id", "buyer", "day", "channel", "province")

    def order_lines(self):
        """Lines with their order's day, buyer, channel and province, as exported."""
        return self._read("lines")

    def traffic(self):
        return self._read("traffic")

    def ads(self):
        return self._read("ads")


DUCKDB_TYPES = {"int64": "BIGINT", "date": "DATE", "string": "VARCHAR"}


class DuckDBLakeSources(DuckDBSources):
    """The same relations read from the Parquet lake (`lake.py`), a columnar replica with
    the local day and buyer already computed; used only while the lake holds the current
    data of every store of the request (see `lake.staleness`)."""

    def __init__(self, request, base, lake_dir, state):
        super().__init__(request, base)
        self.lake_dir, self.state = lake_dir, state

    def _from(self, table: str, months: bool = True) -> str:
        start, end = (self.request.start, self.request.end) if months else (None, None)
        dirs = lake_paths(self.lake_dir, self.state, table, self.request.store_ids, start, end)
        if not dirs:  # nothing of these stores and months: an empty relation of the columns
            columns = {"store_id": "int64", **SCHEMAS[table]}
            typed = ", ".join(
                f"CAST(NULL AS {DUCKDB_TYPES.get(t, t.upper())}) AS {c}" for c, t in columns.items()
            )
            return f"(SELECT {typed} WHERE false)"
        files = ", ".join(sql_literal(str(d / "*.parquet")) for d in dirs)
        return (
            f"read_parquet([{files}], hive_partitioning = true, "
            "hive_types = {'store_id': BIGINT, 'month': VARCHAR})"
        )

    def orders(self):
        return self._table(
            "src_orders",
            f"""
            SELECT o.store_id, o.id, o.buyer, o.day, o.paid_amount{self._order_extras()}
            FROM {self._from("orders")} o
            WHERE o.day BETWEEN ? AND ?
            """,  # noqa: S608 - quoted paths, ints and literals of validated values
            (self.request.start, self.request.end),
        )

    def first_days(self):
        return self._table(
            "src_first",
            f"SELECT buyer, min(day) AS first FROM {self._from('orders', months=False)} "  # noqa: S608
            "GROUP BY buyer",
        )

    def lines(self):
        extra = ", l.category" if "category" in self.request.touched else ""
        if "cogs" in self.base:
            extra += ", l.unit_cost"
        return self._table(
            "src_lines",
            f"SELECT l.order_id, l.sku_code, l.quantity, l.line_gmv{extra} "  # noqa: S608
            f"FROM {self._from('lines')} l",
            kind="VIEW",
        )

    def order_lines(self):
        """A view of the exported lines, which carry their order's day and buyer: no join."""
        extra = "".join(
            f", {c}" for c in ("channel", "province", "category") if c in self.request.touched
        )
        if "cogs" in self.base:
            extra += ", unit_cost"
        start, end = self.request.start.isoformat(), self.request.end.isoformat()
        return self._table(
            "src_order_lines",
            f"""
            SELECT store_id, order_id, buyer, day, sku_code, quantity, line_gmv{extra}
            FROM {self._from("lines")}
            WHERE day BETWEEN DATE '{start}' AND DATE '{end}'
            """,  # noqa: S608 - quoted paths, ISO dates
            kind="VIEW",
        )

    def traffic(self):
        return self._table(
            "src_traffic",
            f"""
            SELECT store_id, day, source, sku_code, category, visitors, page_views,
                   impressions, clicks
            FROM {self._from("traffic")} WHERE day BETWEEN ? AND ?
            """,  # noqa: S608 - quoted paths
            (self.request.start, self.request.end),
        )

    def ads(self):
        return self._table(
            "src_ads",
            f"""
            SELECT store_id, day, channel, plan, impressions, clicks, cost, gmv
            FROM {self._from("ads")} WHERE day BETWEEN ? AND ?
            """,  # noqa: S608 - quoted paths
            (self.request.start, self.request.end),
        )
