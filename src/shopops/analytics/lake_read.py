"""Reading the Parquet lake that `lake.py` writes: its layout and state, whether it holds
the current data of a request's stores, and the source relations the DuckDB and Spark
engines read from it. `lake.py` writes; this module only reads."""

import json
import os
from pathlib import Path

from django.conf import settings

from shopops.analytics.duckdb_engine import sql_literal
from shopops.analytics.errors import EngineUnavailable
from shopops.analytics.sources import DuckDBSources

STATE = "_state.json"
FORMAT = 3  # 3: ad orders, add-to-cart and favourites; 2: file lists, marked days
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
        "add_to_cart": "int64",
        "favorites": "int64",
    },
    "ads": {
        "day": "date",
        "channel": "string",
        "plan": "string",
        "keyword": "string",
        "impressions": "int64",
        "clicks": "int64",
        "orders": "int64",
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


def same_store(stamp: dict | None, store) -> bool:
    """Whether a stamp in the lake's state is of this store as it is now: same zone (the
    local days) and same creation (not a re-created store with the same id); the version
    does not count, the writers' day marks say what changed since."""
    current = store_stamp(store, 0)
    return stamp is not None and all(stamp.get(k) == current[k] for k in ("zone", "created"))


def usable(lake: Path, stores) -> tuple[dict | None, dict, str | None]:
    """(the lake's state, {store_id: [(first, last) day runs the lake does not hold yet]},
    None) when the lake can answer for these stores, the marked days read live; else
    (None, {}, why not)."""
    from shopops.analytics.lake_rows import runs
    from shopops.analytics.models import DirtyDay

    state = read_state(lake)
    if not state:
        return None, {}, f"no lake in {lake}: run ./shopops lake export --to {lake}"
    if state.get("format") != FORMAT:
        return None, {}, f"the lake in {lake} is of an older format: run ./shopops lake export"
    if state.get("database") != database_key():
        return None, {}, f"the lake in {lake} was written from another database"
    marked: dict[int, set] = {}
    for store_id, day in (
        DirtyDay.objects.filter(store_id__in=[s.pk for s in stores])
        .values_list("store_id", "day")
        .distinct()
    ):
        marked.setdefault(store_id, set()).add(day)
    for store in stores:
        stamp = state.get("stores", {}).get(str(store.pk))
        if not same_store(stamp, store) or None in marked.get(store.pk, ()):
            return (
                None,
                {},
                (
                    f"the lake in {lake} is older than the data of store {store.code}: "
                    "run ./shopops lake export"
                ),
            )
    return state, {i: runs(days) for i, days in marked.items()}, None


def staleness(lake: Path, stores) -> tuple[dict | None, str | None]:
    """(the lake's state, None) when the lake holds the current data of every store, every
    day, else (None, why not): what the Spark engine needs, which reads only the lake."""
    state, dirty, why = usable(lake, stores)
    if state is not None and dirty:
        code = next(s.code for s in stores if s.pk in dirty)
        return None, (
            f"the lake in {lake} is older than the data of store {code}: run ./shopops lake export"
        )
    return state, why


def lake_paths(lake: Path, state: dict, table: str, store_ids, start=None, end=None) -> list:
    """The Parquet files of the stores (and months, when given), as the state names them."""
    low = f"{start:%Y-%m}" if start else ""
    high = f"{end:%Y-%m}" if end else "9999-99"
    wanted = {str(i) for i in store_ids}
    listed = state.get("files", {}).get(table, {})
    out = []
    for key in sorted(state["partitions"].get(table, {})):
        store_id, month = key.split("/")
        if store_id in wanted and low <= month <= high:
            folder = partition_dir(lake, table, store_id, month)
            out += [folder / name for name in listed.get(key, [])]
    return out


DUCKDB_TYPES = {"int64": "BIGINT", "date": "DATE", "string": "VARCHAR"}


class DuckDBLakeSources(DuckDBSources):
    """The same relations read from the Parquet lake (`lake.py`), a columnar replica with
    the local day and buyer already computed; used while the lake can answer for every store
    of the request (`usable`). The days the writers marked since the last export (`dirty`)
    are left out of the lake's files and read from the live database instead, shaped as the
    lake's rows (`lake_rows.py`): a write is in the next answer, and the lake stays the fast
    path for every other day."""

    def __init__(self, request, base, lake_dir, state, dirty=None):
        super().__init__(request, base)
        self.lake_dir, self.state = lake_dir, state
        self.dirty = {i: r for i, r in (dirty or {}).items() if i in set(request.store_ids)}

    def _from(self, table: str, months: bool = True) -> str:
        from shopops.analytics.lake_rows import day_condition, live_rows

        start, end = (self.request.start, self.request.end) if months else (None, None)
        files = lake_paths(self.lake_dir, self.state, table, self.request.store_ids, start, end)
        columns = {"store_id": "int64", **SCHEMAS[table]}
        if files:
            listed = ", ".join(sql_literal(str(f)) for f in files)
            relation = (
                f"read_parquet([{listed}], hive_partitioning = true, "
                "hive_types = {'store_id': BIGINT, 'month': VARCHAR})"
            )
        else:  # nothing of these stores and months: an empty relation of the columns
            typed = ", ".join(
                f"CAST(NULL AS {DUCKDB_TYPES.get(t, t.upper())}) AS {c}" for c, t in columns.items()
            )
            relation = f"(SELECT {typed} WHERE false)"
        if months:  # the marked days inside the request's period
            scope = {
                i: [(max(a, start), min(b, end)) for a, b in r if a <= end and b >= start]
                for i, r in self.dirty.items()
            }
        else:
            scope = dict(self.dirty)
        scope = {i: r for i, r in scope.items() if r}
        if not scope:
            return relation
        names = ", ".join(columns)
        stores = [s for s in self.request.stores if s.pk in scope]
        live = live_rows(self.con, stores, scope)[table]()
        return f"""(
            SELECT {names} FROM {relation} WHERE NOT {day_condition(scope, "day")}
            UNION ALL BY NAME
            SELECT {names} FROM ({live})
        )"""  # noqa: S608 - quoted paths, ints and ISO dates

    def _days(self) -> str:
        """The request's first and last day as `DATE '…' AND DATE '…'`."""
        return f"DATE '{self.request.start.isoformat()}' AND DATE '{self.request.end.isoformat()}'"

    def orders(self):
        """A view: Parquet is columnar and read only for the columns and row groups each
        aggregate needs; copying the period's orders into a table first cost more than
        the aggregates (0.35 s of 0.4 s for a year of 400,000 orders)."""
        return self._table(
            "src_orders",
            lambda: (
                f"""
            SELECT o.store_id, o.id, o.buyer, o.day, o.paid_amount{self._order_extras()}
            FROM {self._from("orders")} o
            WHERE o.day BETWEEN {self._days()}
            """  # noqa: S608 - quoted paths, ints, ISO dates and literals of validated values
            ),
            kind="VIEW",
        )

    def first_days(self):
        return self._table(
            "src_first",
            lambda: (
                f"SELECT buyer, min(day) AS first FROM {self._from('orders', months=False)} "  # noqa: S608
                "GROUP BY buyer"
            ),
        )

    def lines(self):
        extra = ", l.category" if "category" in self.request.touched else ""
        if "cogs" in self.base:
            extra += ", l.unit_cost"
        return self._table(
            "src_lines",
            lambda: (
                f"SELECT l.order_id, l.sku_code, l.quantity, l.line_gmv{extra} "  # noqa: S608
                f"FROM {self._from('lines')} l"
            ),
            kind="VIEW",
        )

    def order_lines(self):
        """A view of the exported lines, which carry their order's day and buyer: no join."""
        extra = "".join(
            f", {c}" for c in ("channel", "province", "category") if c in self.request.touched
        )
        if "cogs" in self.base:
            extra += ", unit_cost"
        return self._table(
            "src_order_lines",
            lambda: (
                f"""
            SELECT store_id, order_id, buyer, day, sku_code, quantity, line_gmv{extra}
            FROM {self._from("lines")}
            WHERE day BETWEEN {self._days()}
            """  # noqa: S608 - quoted paths, ISO dates
            ),
            kind="VIEW",
        )

    def traffic(self):
        return self._table(
            "src_traffic",
            lambda: (
                f"""
            SELECT store_id, day, source, sku_code, category, visitors, page_views,
                   impressions, clicks, add_to_cart, favorites
            FROM {self._from("traffic")} WHERE day BETWEEN {self._days()}
            """  # noqa: S608 - quoted paths, ISO dates
            ),
        )

    def ads(self):
        return self._table(
            "src_ads",
            lambda: (
                f"""
            SELECT store_id, day, channel, plan, keyword, impressions, clicks, orders, cost, gmv
            FROM {self._from("ads")} WHERE day BETWEEN {self._days()}
            """  # noqa: S608 - quoted paths, ISO dates
            ),
        )
