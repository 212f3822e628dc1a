"""`./shopops bench metrics`: the metrics engine against hand-written baselines, same run.

N order lines (about 2.5 per order, one year, 5% guest orders) are generated into a fresh
SQLite database by DuckDB writing through its SQLite extension. Then the standard report
set (gmv, orders, buyers, aov, repurchase_rate, topn_share:3, by month and by day for the
year) is timed through:
  engine  `analytics.queries.metrics` with the duckdb engine, cache off;
  (a)     hand-written DuckDB SQL over the same rows, read as the engine reads them;
  (b)     the same SQL run by SQLite itself;
  (c)     pandas reading the two tables and grouping;
  spark   optionally the Spark engine over a Parquet lake exported from the database, on a
          standalone master with two workers on loopback.
Every path's numbers are checked equal to the engine's (SQLite sums money as floats, so (b)
is compared to the cent).
"""

import json
import os
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from shopops.devtools.bench_metrics_sql import (
    KEYS,
    YEAR,
    ZONE,
    _as_report,
    _engine_report,
    handwritten_sql,
)

GRAINS = ("month", "day")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(work: Path) -> None:
    """Point Django at a fresh SQLite database in `work`; call before setup."""
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'metrics.sqlite3'}"
    os.environ["SHOPOPS_VAR_DIR"] = str(work / "var")


def generate(store_id: int, db_path: Path, lines: int) -> int:
    """Write customers, orders and order lines with DuckDB; returns the number of orders."""
    import duckdb
    from django.db import connection

    from shopops.analytics.duckdb_engine import extension_file

    # DuckDB's SQLite scanner is a second SQLite library: it may write this fresh file only
    # while no Django connection has it open (docs/architecture.md).
    if connection.connection is not None:
        raise RuntimeError("close Django's connection before generating through DuckDB")
    orders = max(1, lines * 2 // 5)
    customers = max(1, orders // 4)
    # Closed whatever happens: DuckDB's SQLite library must let go of the file before
    # Django opens it again.
    with closing(duckdb.connect()) as con:
        con.execute(f"LOAD '{extension_file('sqlite')}'")
        con.execute(f"ATTACH '{db_path}' AS db (TYPE sqlite)")
        # Line i belongs to order i * orders // lines: two or three lines an order.
        con.execute(
            f"""
            CREATE TABLE l AS
            SELECT i + 1 AS id, i * {orders} // {lines} + 1 AS order_id,
                   'SKU' || lpad(CAST(CAST(floor(pow(hash(i * 7) % 1000003 / 1000003.0, 3) * 2000)
                       AS INTEGER) AS VARCHAR), 4, '0') AS sku_code,
                   1 + hash(i * 13) % 3 AS quantity,
                   CAST((100 + hash(i * 31) % 19900) / 100.0 AS DECIMAL(18, 2)) AS amount
            FROM range({lines}) t(i)
            """
        )
        con.execute(
            f"""
            CREATE TABLE o AS
            SELECT order_id AS id, sum(amount) AS paid,
                   TIMESTAMPTZ '2024-12-31 16:00:00+00'
                     + to_microseconds(CAST((order_id - 1) * (365 * 86400e6 / {orders}) AS BIGINT))
                     AS paid_at,
                   CASE WHEN hash(order_id * 17) % 20 = 0 THEN NULL
                        ELSE 1 + hash(order_id * 3) % {customers} END AS customer_id
            FROM l GROUP BY order_id
            """
        )
        con.execute(
            f"""
            INSERT INTO db.customers_customer (id, store_id, platform_id, name, phone, email,
                province, city, address, created_at)
            SELECT i, {store_id}, 'c' || i, '', '', '', '', '', '',
                   strftime(TIMESTAMP '2024-12-01', '%Y-%m-%d %H:%M:%S')
            FROM range(1, {customers} + 1) t(i)
            """
        )
        con.execute(
            f"""
            INSERT INTO db.orders_order (id, store_id, order_id, customer_id, status, channel,
                created_at, paid_at, goods_amount, discount_amount, shipping_fee, paid_amount,
                refunded_amount, province, city, receiver_name, receiver_phone, receiver_address,
                buyer_message)
            SELECT id, {store_id}, 'B' || lpad(CAST(id AS VARCHAR), 9, '0'), customer_id,
                   'completed', '', strftime(paid_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'),
                   strftime(paid_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'),
                   paid, 0, 0, paid, 0, '', '', '', '', '', ''
            FROM o
            """
        )
        con.execute(
            f"""
            INSERT INTO db.orders_orderline (id, store_id, order_id, line_no, sku_code,
                product_name, category, quantity, unit_price, line_amount, unit_cost,
                allocated_amount)
            SELECT id, {store_id}, order_id,
                   row_number() OVER (PARTITION BY order_id ORDER BY id), sku_code, '', '',
                   quantity, amount / quantity, amount, NULL, amount
            FROM l
            """
        )
    return orders


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run_engine(store, engine: str = "duckdb") -> tuple[float, dict]:
    from shopops.analytics.queries import metrics

    out = {}
    total = 0.0
    for grain in GRAINS:
        seconds, rows = _timed(
            lambda g=grain: metrics(KEYS, store, *YEAR, g, engine, use_cache=False)
        )
        total += seconds
        out[grain] = _engine_report(rows)
    return total, out


def run_duckdb_sql(store_id: int) -> tuple[float, dict]:
    """Reading the rows the way the engine does (through Python's sqlite3, DESIGN's one
    SQLite library per process) is timed too: the engine reads on every call."""
    from shopops.analytics.duckdb_engine import connect, oltp_relation

    def one(grain):
        con = connect()
        tables = (
            oltp_relation(
                con,
                "orders_order",
                "id, store_id, customer_id, paid_at, paid_amount",
                f"store_id = {store_id} AND paid_at IS NOT NULL",
            ),
            oltp_relation(
                con,
                "orders_orderline",
                "order_id, store_id, sku_code, allocated_amount",
                f"store_id = {store_id}",
            ),
        )
        rows = con.execute(handwritten_sql(grain, "duckdb", store_id, tables)).fetchall()
        con.close()
        return rows

    out, total = {}, 0.0
    for grain in GRAINS:
        seconds, rows = _timed(lambda g=grain: one(g))
        total += seconds
        out[grain] = _as_report(rows)
    return total, out


def best_of(runs: int, fn) -> tuple[float, dict]:
    """The fastest of `runs` runs: the first pays for imports and cold caches."""
    results = [fn() for _ in range(runs)]
    return min(r[0] for r in results), results[-1][1]


def run_sqlite_sql(db_path: Path, store_id: int) -> tuple[float, dict]:
    out, total = {}, 0.0
    for grain in GRAINS:
        con = sqlite3.connect(db_path)
        sql = handwritten_sql(grain, "sqlite", store_id)
        seconds, rows = _timed(lambda s=sql, c=con: c.execute(s).fetchall())
        con.close()
        total += seconds
        out[grain] = _as_report(rows)
    return total, out


def run_pandas(db_path: Path, store_id: int) -> tuple[float, dict]:
    import pandas as pd

    def report():
        con = sqlite3.connect(db_path)
        orders = pd.read_sql_query(
            "SELECT id, customer_id, paid_at, paid_amount FROM orders_order "
            "WHERE store_id = ? AND paid_at IS NOT NULL",
            con,
            params=(store_id,),
        )
        lines = pd.read_sql_query(
            "SELECT order_id, sku_code, allocated_amount FROM orders_orderline WHERE store_id = ?",
            con,
            params=(store_id,),
        )
        con.close()
        orders["buyer"] = orders["customer_id"].fillna(-orders["id"]).astype("int64")
        local = pd.to_datetime(orders["paid_at"], utc=True).dt.tz_convert(ZONE)
        orders["day"] = local.dt.strftime("%Y-%m-%d")
        orders = orders[(orders["day"] >= str(YEAR[0])) & (orders["day"] <= str(YEAR[1]))]
        out = {}
        for grain in GRAINS:
            o = orders.assign(p=orders["day"] if grain == "day" else orders["day"].str[:7])
            per_buyer = o.groupby(["p", "buyer"]).agg(n=("id", "size"), g=("paid_amount", "sum"))
            om = per_buyer.groupby("p").agg(
                gmv=("g", "sum"),
                orders=("n", "sum"),
                buyers=("n", "size"),
                repeaters=("n", lambda s: int((s >= 2).sum())),
            )
            ls = lines.merge(o[["id", "p"]], left_on="order_id", right_on="id")
            by_sku = ls.groupby(["p", "sku_code"])["allocated_amount"].sum().reset_index()
            by_sku = by_sku.sort_values(["p", "allocated_amount"], ascending=[True, False])
            lm = by_sku.groupby("p")["allocated_amount"].agg(
                line_gmv="sum", top3=lambda s: s.head(3).sum()
            )
            joined = om.join(lm).reset_index()
            out[grain] = _as_report(
                joined[
                    ["p", "gmv", "orders", "buyers", "repeaters", "top3", "line_gmv"]
                ].itertuples(index=False, name=None)
            )
        return out

    return _timed(report)


def _spark(store, expected: dict) -> dict:
    from shopops.analytics import spark_session

    with spark_session.standalone_cluster(workers=2) as master:
        os.environ["SPARK_MASTER"] = master
        spark_session.stop()
        seconds_first, first = run_engine(store, "spark")  # includes the JVM warm-up
        seconds, result = run_engine(store, "spark")
        spark_session.stop()
    return {
        "master": master,
        "first_run_seconds": round(seconds_first, 2),
        "seconds": round(seconds, 2),
        "equal_to_duckdb": result == expected and first == expected,
    }


def run(lines: int, with_spark: bool, fmt: str, runs: int = 3) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-metrics-"))
    prepare(work)
    from shopops.bootstrap import setup_django

    setup_django(migrate=True)
    from django.db import connection

    from shopops.core import services

    store = services.create_store(None, code="bench", name="Bench", platform="tmall")
    db_path = Path(connection.settings_dict["NAME"])
    connection.close()
    _say(f"generating {lines:,} order lines into {db_path} …")
    seconds_gen, orders = _timed(lambda: generate(store.pk, db_path, lines))
    _say(f"  {orders:,} orders in {seconds_gen:.1f} s; timing the report set …")
    # The engine on the live database (the lake switched off) …
    os.environ["SHOPOPS_DUCKDB_LAKE"] = "off"
    engines = {}
    engine_s, engine_out = best_of(2, lambda: run_engine(store))
    engines["engine (duckdb, live database)"] = engine_s
    _say(f"  engine on the live database {engine_s:.2f} s")
    baselines, checks = {}, {}
    for name, fn in (
        ("(a) hand-written DuckDB SQL", lambda: best_of(2, lambda: run_duckdb_sql(store.pk))),
        ("(b) the same SQL on SQLite", lambda: run_sqlite_sql(db_path, store.pk)),
        ("(c) pandas", lambda: run_pandas(db_path, store.pk)),
    ):
        seconds, out = fn()
        baselines[name] = seconds
        checks[name] = out == engine_out
        _say(f"  {name} {seconds:.2f} s")
    # … and on the Parquet lake, its columnar replica, once exported.
    from shopops.analytics import lake

    os.environ["SHOPOPS_LAKE_DIR"] = str(work / "lake")
    os.environ["SHOPOPS_DUCKDB_LAKE"] = "auto"
    seconds_export, summary = _timed(lambda: lake.export(work / "lake"))
    _say(f"  lake export {seconds_export:.2f} s")
    lake_s, lake_out = best_of(2, lambda: run_engine(store))
    engines["engine (duckdb, lake replica)"] = lake_s
    checks["engine (duckdb, lake replica)"] = lake_out == engine_out
    _say(f"  engine on the lake {lake_s:.2f} s")
    from shopops.devtools import bench_metrics_processes as whole

    _say("  whole processes (cold cache) …")
    processes = whole.processes(work, store, db_path, work / "lake", engine_out["month"], runs)
    for name, seconds in processes["seconds"].items():
        _say(f"    {name} {seconds:.2f} s")
    _say("  cold API calls in a warm server …")
    served = whole.api(work, store, db_path, work / "lake")
    report = {
        "lines": lines,
        "orders": orders,
        "generate_seconds": round(seconds_gen, 1),
        "lake_export_seconds": round(seconds_export, 2),
        "lake_rows": summary["rows"],
        "seconds": {k: round(v, 3) for k, v in {**engines, **baselines}.items()},
        "ratios": {
            e: {b: round(es / bs, 3) for b, bs in baselines.items()} for e, es in engines.items()
        },
        "same_numbers": checks,
        "processes": processes,
        "api": served,
    }
    if with_spark:
        _say("  spark: starting a standalone cluster with two workers …")
        report["spark"] = _spark(store, engine_out)
    if fmt == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(f"{lines:,} order lines, {orders:,} orders (generated in {seconds_gen:.1f} s)")
        print(f"  lake export: {seconds_export:.2f} s ({summary['rows']:,} rows)")
        for name, seconds in {**engines, **baselines}.items():
            same = "" if name not in checks else f"  same numbers: {checks[name]}"
            print(f"  {name:32s} {seconds:9.3f} s{same}")
        for engine, ratios in report["ratios"].items():
            shown = ", ".join(f"{b.split(' ')[0]} {r:.3f}" for b, r in ratios.items())
            print(f"  {engine} / baseline: {shown}")
        print("  whole processes, year by month, cold cache (median):")
        for name, seconds in processes["seconds"].items():
            ratios = processes["ratios"].get(name)
            shown = f"  / p1 {ratios['p1']:.2f}, / p2 {ratios['p2']:.2f}" if ratios else ""
            print(f"    {name:52s} {seconds:7.3f} s{shown}")
        cold, health = served["cold_metrics"], served["healthz"]
        print(
            f"  GET /api/v1/metrics, cache miss, warm server: p50 {cold['p50_ms']} ms, "
            f"p95 {cold['p95_ms']} ms (/healthz p50 {health['p50_ms']} ms, "
            f"p95 {health['p95_ms']} ms; first call {served['first_call_ms']} ms)"
        )
        if "spark" in report:
            s = report["spark"]
            print(
                f"  spark on {s['master']}: first run {s['first_run_seconds']} s (JVM warm-up), "
                f"then {s['seconds']} s; equal to duckdb: {s['equal_to_duckdb']}"
            )
    ok = (
        all(checks.values())
        and all(processes["same_numbers"].values())
        and report.get("spark", {}).get("equal_to_duckdb", True)
    )
    return 0 if ok else 1
