"""The engine compiles with Ibis's DuckDB compiler alone (`analytics.ibis_duckdb`): the
compilers package made lazy still offers every compiler its `__init__` offers, and the
SQL is the one Ibis's DuckDB backend compiles."""

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

CHECK = textwrap.dedent(
    """
    import json, sys
    from shopops.analytics import ibis_duckdb
    import ibis
    import ibis.backends.sql.compilers as sc

    loaded = sorted(m for m in sys.modules if m.startswith(sc.__name__ + "."))
    names = json.loads(sys.argv[1])
    found = {n: f"{getattr(sc, n).__module__}.{getattr(sc, n).__name__}" for n in names}
    t = ibis.table({"a": "int64"}, name="t")
    print(json.dumps({
        "loaded_first": loaded,
        "found": found,
        "trino": ibis.to_sql(t.a.sum(), dialect="trino"),
        "spark": type(sc.pyspark.compiler).__name__,
        "pyarrow": "pyarrow" in sys.modules,
    }))
    """
)


def ibis_duckdb_package() -> str:
    from shopops.analytics.ibis_duckdb import PACKAGE

    return PACKAGE


def _real_exports() -> dict[str, str]:
    """{name: module} as the package's own `__init__` imports them."""
    init = Path(importlib.util.find_spec(ibis_duckdb_package()).origin)
    return {
        alias.name: node.module
        for node in ast.parse(init.read_text()).body
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
    }


def test_the_lazy_package_offers_every_compiler_and_loads_only_duckdbs():
    import json

    exports = _real_exports()
    assert len(exports) >= 20 and "DuckDBCompiler" in exports
    out = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(sorted(exports))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout)
    # Only the DuckDB compiler (and the base it builds on) before anything else is named.
    package = ibis_duckdb_package()
    assert f"{package}.duckdb" in seen["loaded_first"]
    assert set(seen["loaded_first"]) <= {f"{package}.{m}" for m in ("_compat", "base", "duckdb")}
    assert seen["found"] == {name: f"{module}.{name}" for name, module in exports.items()}
    assert seen["trino"].startswith("SELECT") and "SUM(" in seen["trino"].upper()
    assert seen["spark"] == "PySparkCompiler"
    assert seen["pyarrow"] is False


def test_the_sql_is_the_backends():
    import ibis
    from ibis import _

    from shopops.analytics import ibis_duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src_orders AS SELECT range AS id, range % 7 AS buyer, "
        "DATE '2026-01-01' + CAST(range % 90 AS INT) AS day, "
        "CAST(range * 1.25 AS DECIMAL(18, 2)) AS paid_amount, "
        "CASE WHEN range % 3 = 0 THEN NULL ELSE 'x' END AS channel FROM range(500)"
    )
    backend = ibis.duckdb.from_connection(con)

    def question(t):
        t = t.filter(t.day >= ibis.literal("2026-02-01").cast("date"))
        t = t.mutate(period=t.day.truncate("M"))
        per_buyer = t.group_by(["period", "buyer"]).aggregate(n=_.count(), g=_.paid_amount.sum())
        return per_buyer.group_by("period").aggregate(
            gmv=_.g.sum(), buyers=_.count(), repeat=(_.n >= 2).sum()
        )

    ours = ibis_duckdb.table(con, "src_orders")
    # Typed as the backend types a relation (what the engine read through it before).
    assert ours.schema() == backend.sql("SELECT * FROM src_orders").schema()
    sql = ibis_duckdb.to_sql(question(ours))
    assert sql == backend.compile(question(ours))
    rows = con.execute(sql).fetchall()
    (total,) = con.execute(
        "SELECT sum(paid_amount) FROM src_orders WHERE day >= DATE '2026-02-01'"
    ).fetchone()
    assert len(rows) == 2 and sum(row[1] for row in rows) == total
