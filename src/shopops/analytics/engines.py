"""Engines computing the catalog's base metrics for a request.

Each returns {(period start date, dimension values): {base key: value}} for the slices that
have data; `queries.metrics` fills the gaps and derives the ratios, so the arithmetic of
derived metrics is written once for all engines.

`duckdb` (default): the Ibis expressions of `expressions.py` on DuckDB over the live database
attached read-only. `spark`: the same expressions on Spark over the Parquet lake
(`lake.py`). `reference` (formerly `sql`, still accepted): the plain-Python reference of
`reference.py` over the ORM.
"""

import os
from datetime import date, datetime

from shopops.analytics import compiled
from shopops.analytics.families import column_to_key, family_of, unsupported
from shopops.analytics.reference import reference_base
from shopops.analytics.request import FAMILY_DIMENSIONS, Request


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def run_expressions(src, request: Request, base: set[str]) -> dict:
    """Run each needed family's aggregate on the backend behind `src`: its SQL as compiled
    before (`compiled`) when kept, else built and compiled by Ibis."""
    out: dict = {}
    families = sorted({family_of(k) for k in base})
    for family in families:
        wanted = {k for k in base if family_of(k) == family} - unsupported(request, family, base)
        if not wanted:
            continue
        columns = FAMILY_DIMENSIONS[request.family_for_orders() if family == "orders" else family]
        for row in _family_rows(src, family, request, base):
            key = (_as_date(row["period"]), tuple(row[columns[d]] for d in request.dims))
            values = out.setdefault(key, {})
            for column, value in row.items():
                name = column_to_key(column)
                if name in wanted:
                    values[name] = value
    return out


def _family_rows(src, family: str, request: Request, base: set[str]) -> list[dict]:
    sql = compiled.lookup(src, family, request, base)
    if sql is not None:
        import duckdb  # already imported by the source that made `sql`

        try:
            return src.run(sql)
        except duckdb.Error:  # kept by a build that named things otherwise: compile anew
            pass
    from shopops.analytics.expressions import BUILDERS  # Ibis: imported on the first compile

    if compiled.supported(src):
        src.used.clear()
        sql = src.compile(BUILDERS[family](src, request, base))
        compiled.remember(
            src,
            family,
            request,
            base,
            sql,
            lambda other: src.compile(BUILDERS[family](src, other, base)),
        )
        return src.run(sql)
    return src.rows(BUILDERS[family](src, request, base))


def duckdb_base(request: Request, base: set[str]) -> dict:
    """From the Parquet lake while it can answer for the request's stores (a columnar
    replica, several times faster; the days written since its last export are read live),
    else from the live database."""
    import duckdb

    from shopops.analytics import lake_read as lake
    from shopops.analytics.lake_read import DuckDBLakeSources
    from shopops.analytics.sources import DuckDBSources

    for attempt in (1, 2):
        state, dirty = None, {}
        # The lake keeps local days, not times of day: a request `until` a time reads live.
        if os.environ.get("SHOPOPS_DUCKDB_LAKE", "auto") != "off" and request.until is None:
            state, dirty, _ = lake.usable(lake.default_dir(), request.stores)
        if state is not None:
            src = DuckDBLakeSources(request, base, lake.default_dir(), state, dirty)
        else:
            src = DuckDBSources(request, base)
        try:
            return run_expressions(src, request, base)
        except duckdb.IOException:
            # An export replaced files this state named after it was read: read it again.
            if state is None or attempt == 2:
                raise
        finally:
            src.close()
    raise AssertionError("unreachable")


def spark_base(request: Request, base: set[str]) -> dict:
    from shopops.analytics.spark_sources import SparkSources

    if request.until is not None:
        from shopops.analytics.errors import EngineUnavailable

        raise EngineUnavailable("spark: the lake keeps days, not times of day (until)")
    src = SparkSources(request, base)  # a stale lake or no PySpark: EngineUnavailable
    return run_expressions(src, request, base)


ENGINES = {"duckdb": duckdb_base, "reference": reference_base, "spark": spark_base}
# Old names still accepted: `sql` was the reference engine's first name, though it runs no SQL.
ALIASES = {"sql": "reference"}
