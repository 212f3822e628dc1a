"""What a user waits for in `./shopops bench metrics`: whole processes and a warm server.

Processes (median of the runs, every one a new Python process with
`PYTHONDONTWRITEBYTECODE=1`, result cache emptied before each engine run, so each is a cache
miss, as after new facts):
  engine, never asked    `shopops metrics <report set> --by month` for the year, the lake
                         current, its compiled SQL not kept either (Ibis imported, compiles);
  engine, other period   the same question, asked before only for another period: the SQL
                         kept for any period, filled in (analytics.compiled);
  engine, lake current   the same question asked before: its SQL kept (analytics.compiled);
  engine, a day marked   the same after one day of the year was marked as written (read live);
  engine, live database  the same with the lake off;
  (p1) hand-written DuckDB SQL in its own process over the SQLite file attached by DuckDB's
       SQLite scanner (fine in a process that holds no Django connection), the issue's
       baseline;
  (p2) hand-written DuckDB SQL in its own process over the lake's Parquet files.
The API (the lake current, as the worker leaves it): granian with one worker on loopback,
warmed by one request; then N cold
`GET /api/v1/metrics` (each a different period, so each misses the cache) and N `/healthz`
in the same run, p50 and p95.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from shopops.core.numbers import percentile

LAKE_SQL = """
WITH op AS (
    SELECT id, buyer, paid_amount AS paid, date_trunc('month', day) AS p
    FROM read_parquet({orders}) WHERE day BETWEEN '{start}' AND '{end}'),
pb AS (SELECT p, buyer, count(*) AS n, sum(paid) AS g FROM op GROUP BY p, buyer),
om AS (SELECT p, sum(g) AS gmv, sum(n) AS orders, count(*) AS buyers,
              sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeaters FROM pb GROUP BY p),
ls AS (SELECT op.p, l.sku_code, sum(l.line_gmv) AS g
       FROM read_parquet({lines}) l JOIN op ON l.order_id = op.id GROUP BY op.p, l.sku_code),
lm AS (SELECT p, sum(g) AS line_gmv, sum(CASE WHEN rn <= 3 THEN g ELSE 0 END) AS top3
       FROM (SELECT p, g, row_number() OVER (PARTITION BY p ORDER BY g DESC) AS rn
             FROM ls) r GROUP BY p)
SELECT om.p, gmv, orders, buyers, repeaters, top3, line_gmv
FROM om JOIN lm ON om.p = lm.p ORDER BY om.p
"""

# The baseline process: DuckDB alone, nothing of ShopOps imported.
BASELINE = """
import json, sys
import duckdb
con = duckdb.connect(config={"autoinstall_known_extensions": False})
con.execute("SET enable_progress_bar = false")
con.execute("SET TimeZone = 'UTC'")
if sys.argv[2]:
    con.execute(f"LOAD '{sys.argv[2]}'")
    con.execute(f"ATTACH '{sys.argv[3]}' AS s (TYPE sqlite, READ_ONLY)")
print(json.dumps(con.execute(sys.argv[1]).fetchall(), default=str))
"""


def _median_process(command: list[str], env: dict, runs: int, before=None) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"bench: {' '.join(command[:4])} … failed:\n{done.stderr[-2000:]}")
        out = done.stdout
    return statistics.median(times), out


def _report_of_rows(rows) -> list[tuple]:
    from shopops.devtools.bench_metrics_sql import _as_report

    return _as_report(rows)


def _report_of_cli(text: str, keys: list[str]) -> list[tuple]:
    from shopops.devtools.bench_metrics_sql import _engine_report

    rows = []
    for row in json.loads(text):
        values = {k: None if row.get(k) is None else Decimal(str(row[k])) for k in keys}
        values["orders"] = int(values["orders"] or 0)
        values["buyers"] = int(values["buyers"] or 0)
        rows.append(values)
    return _engine_report(rows)


def processes(work: Path, store, db_path: Path, lake: Path, expected: list, runs: int = 3) -> dict:
    """Whole processes answering the year by month; `expected` is the in-process engine's
    month report."""
    from shopops.analytics.cache import facts_changed
    from shopops.analytics.duckdb_engine import extension_file, sql_literal
    from shopops.analytics.lake_read import lake_paths, read_state
    from shopops.devtools.bench_metrics_sql import KEYS, YEAR, handwritten_sql

    var = work / "var-processes"
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SHOPOPS_VAR_DIR": str(var),
        "SHOPOPS_LAKE_DIR": str(lake),
        "SHOPOPS_DUCKDB_LAKE": "auto",
        "SHOPOPS_LANG": "en",
    }
    command = [
        sys.executable,
        *("-m", "shopops.cli", "metrics", *KEYS, "--store", store.code),
        *("--from", str(YEAR[0]), "--to", str(YEAR[1]), "--by", "month", "--format", "json"),
    ]

    def cold():  # no cached result, as after new facts; the kept SQL stays
        shutil.rmtree(var / "cache", ignore_errors=True)

    def first_time():  # nor the question's compiled SQL: a question never asked before
        cold()
        shutil.rmtree(var / "compiled", ignore_errors=True)

    def other_period_only():  # the question asked once before, for its first month only
        first_time()
        month = [*command]
        month[month.index("--to") + 1] = str(YEAR[0] + timedelta(days=30))
        subprocess.run(month, env=env, check=True, capture_output=True, timeout=600)  # noqa: S603
        cold()

    out: dict = {"seconds": {}, "same_numbers": {}}

    def engine(name: str, extra_env=None, before=cold):
        seconds, text = _median_process(command, {**env, **(extra_env or {})}, runs, before)
        out["seconds"][name] = seconds
        out["same_numbers"][name] = _report_of_cli(text, KEYS) == expected

    engine("engine process, lake current, question never asked (compiles)", before=first_time)
    engine(
        "engine process, lake current, question asked for another period before",
        before=other_period_only,
    )
    engine("engine process, lake current")
    facts_changed(store.pk, {YEAR[0] + timedelta(days=165)})  # a write of 06-15, say
    engine("engine process, one day marked (read live)")
    from shopops.analytics import lake as lake_module

    lake_module.export(lake, full=False)  # as the worker does within a minute: current again
    engine("engine process, live database", {"SHOPOPS_DUCKDB_LAKE": "off"})
    tables = ("s.orders_order", "s.orders_orderline")
    sql = handwritten_sql("month", "duckdb", store.pk, tables)
    baseline = [sys.executable, "-c", BASELINE]
    seconds, text = _median_process(
        [*baseline, sql, str(extension_file("sqlite")), str(db_path)], env, runs
    )
    out["seconds"]["(p1) hand-written DuckDB, SQLite file, own process"] = seconds
    out["same_numbers"]["(p1)"] = _report_of_rows(json.loads(text)) == expected
    state = read_state(lake)

    def files(table):
        return (
            "["
            + ", ".join(sql_literal(str(p)) for p in lake_paths(lake, state, table, [store.pk]))
            + "]"
        )

    sql = LAKE_SQL.format(orders=files("orders"), lines=files("lines"), start=YEAR[0], end=YEAR[1])
    seconds, text = _median_process([*baseline, sql, "", ""], env, runs)
    out["seconds"]["(p2) hand-written DuckDB, lake files, own process"] = seconds
    out["same_numbers"]["(p2)"] = _report_of_rows(json.loads(text)) == expected
    p1 = out["seconds"]["(p1) hand-written DuckDB, SQLite file, own process"]
    p2 = out["seconds"]["(p2) hand-written DuckDB, lake files, own process"]
    out["ratios"] = {
        name: {"p1": round(s / p1, 3), "p2": round(s / p2, 3)}
        for name, s in out["seconds"].items()
        if name.startswith("engine")
    }
    out["seconds"] = {k: round(v, 3) for k, v in out["seconds"].items()}
    return out


def api(work: Path, store, db_path: Path, lake: Path, requests: int = 20) -> dict:
    """Cold metric calls (each a cache miss) against a warm server, and /healthz."""
    from shopops.core import services
    from shopops.devtools.bench_metrics_sql import KEYS, YEAR
    from shopops.devtools.processes import _wait_ready, stop, web_command

    user = services.create_user(
        username="bench-api", password=None, role="ops_lead", stores=[store]
    )
    _token, raw = services.create_token(user, "bench metrics")
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SHOPOPS_VAR_DIR": str(work / "var-api"),
        "SHOPOPS_LAKE_DIR": str(lake),
        "SHOPOPS_DUCKDB_LAKE": "auto",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    # The server's log goes to stderr: stdout may be the report (--format json).
    proc = subprocess.Popen(web_command("127.0.0.1", port, 1, 4), env=env, stdout=sys.stderr)  # noqa: S603
    try:
        if not _wait_ready(f"http://127.0.0.1:{port}/healthz", [proc], timeout=60):
            raise SystemExit("bench: the server did not come up")
        base = f"http://127.0.0.1:{port}"

        def get(path: str) -> float:
            headers = {"Authorization": f"Bearer {raw}"}
            request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                answer.read()
                if answer.status != 200:
                    raise SystemExit(f"bench: {path} answered {answer.status}")
            return time.perf_counter() - started

        metrics = "".join(f"&metric={k}" for k in KEYS)

        def question(k: int) -> str:
            start = YEAR[0] + timedelta(days=k)  # a new period each time: a cache miss
            return f"/api/v1/metrics?store={store.code}&from={start}&to={YEAR[1]}&by=month{metrics}"

        warm_up = get(question(0))  # the first call imports the engine and the lake's reader
        cold = [get(question(k)) for k in range(1, requests + 1)]
        health = [get("/healthz") for _ in range(requests)]
    finally:
        stop(proc)

    def ms(values):
        return {
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        }

    return {
        "first_call_ms": round(warm_up * 1000, 1),
        "cold_metrics": ms(cold),
        "healthz": ms(health),
        "requests": requests,
    }
