"""The source relations of `sources.py` for the Spark engine, read from the Parquet lake
through Ibis's PySpark backend (apart from `lake_read`, which the DuckDB engine imports
without Ibis)."""

from decimal import Decimal

import ibis

from shopops.analytics.lake_read import SCHEMAS, StaleLake, default_dir, lake_paths, staleness
from shopops.analytics.order_costs import ORDER_COST_COLUMNS, store_parameters
from shopops.analytics.sources import FACTOR


class SparkSources:
    """The source relations of `sources.py`, read from the lake by Spark through Ibis."""

    def __init__(self, request, base: set[str] = frozenset()):
        from shopops.analytics import spark_session

        self.request, self.base = request, base
        self.lake = default_dir()
        state, why = staleness(self.lake, request.stores)
        if state is None:
            raise StaleLake(why)
        self.state = state
        self.backend = ibis.pyspark.connect(spark_session.get())

    def _read(self, table: str):
        schema = {"store_id": "int64", **SCHEMAS[table]}
        paths = [str(p) for p in lake_paths(self.lake, self.state, table, self.request.store_ids)]
        if not paths:
            return ibis.memtable({k: [] for k in schema}, schema=schema)
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

    def rows(self, expr) -> list[dict]:
        return expr.to_pyarrow().to_pylist()

    def rates(self):
        factors = self.request.conversion.factors
        return ibis.memtable(
            {
                "store_id": [i for i, _, _ in factors],
                "day": [d for _, d, _ in factors],
                "factor": [r for _, _, r in factors],
            },
            schema={"store_id": "int64", "day": "date", "factor": FACTOR},
        )

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
