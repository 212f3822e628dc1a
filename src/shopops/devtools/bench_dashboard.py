"""`./shopops bench dashboard`: server time of the dashboard on the demo store.

A fresh database gets the demo store (a simulated year), this quarter's goals and
yesterday's daily report, as `./shopops demo` makes them. Then, through Django's test
client in this process (server time: middleware, queries, engine, template), the dashboard
is requested: once cold, once right after the store's facts changed (the cache is stale),
and N times as people use it; the baseline in the same run is N requests of /healthz, a page
that reads the database and renders nothing. Goal: p95 under 300 ms.
"""

import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from shopops.core.numbers import percentile

GOAL_P95 = 0.300


def run(requests: int, months: int, fmt: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-dashboard-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'dashboard.sqlite3'}"
    os.environ["SHOPOPS_VAR_DIR"] = str(work / "var")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    from shopops.bootstrap import setup_django

    setup_django(migrate=True)
    from datetime import datetime, timedelta

    from django.test import Client

    from shopops.analytics.cache import facts_changed
    from shopops.core import services
    from shopops.devtools import demo_data
    from shopops.devtools.demo import demo_goals
    from shopops.monitoring.daily_report import build

    store = services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    made = demo_data.load(store, seed=1, months=months, progress=lambda m: None)
    demo_goals(store)
    build(store, datetime.now(store.zone).date() - timedelta(days=1))
    lead = services.create_user(
        username="lead", password=secrets.token_urlsafe(16), role="ops_lead", stores=[store]
    )
    client = Client()
    client.force_login(lead)

    def timed(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {path} answered {response.status_code}")
        return seconds

    cold = timed("/")
    facts_changed(store.pk)  # as after an import: every cached number is stale
    stale = timed("/")
    # The same after the worker refreshed the lake (DuckDB's columnar replica).
    from shopops.analytics import lake

    facts_changed(store.pk)
    lake.export(work / "var" / "lake")
    stale_lake = timed("/")
    board = [timed("/") for _ in range(requests)]
    health = [timed("/healthz") for _ in range(requests)]
    result = {
        "orders": made["orders"],
        "requests": requests,
        "cold_seconds": round(cold, 3),
        "after_new_data_seconds": round(stale, 3),
        "after_new_data_lake_seconds": round(stale_lake, 3),
        "dashboard_p50": round(statistics.median(board), 4),
        "dashboard_p95": round(percentile(board, 0.95), 4),
        "healthz_p50": round(statistics.median(health), 4),
        "healthz_p95": round(percentile(health, 0.95), 4),
    }
    result["ratio_p95"] = round(result["dashboard_p95"] / result["healthz_p95"], 2)
    result["goal_met"] = result["dashboard_p95"] < GOAL_P95
    if fmt == "json":
        print(json.dumps(result, indent=2))
    else:
        print(
            f"demo store, {result['orders']:,} orders; dashboard server time over {requests} "
            f"requests: p50 {result['dashboard_p50'] * 1000:.1f} ms, "
            f"p95 {result['dashboard_p95'] * 1000:.1f} ms (goal < 300 ms: {result['goal_met']}); "
            f"baseline /healthz p95 {result['healthz_p95'] * 1000:.1f} ms, "
            f"ratio {result['ratio_p95']}x; first request {cold * 1000:.0f} ms, "
            f"first after new data {stale * 1000:.0f} ms "
            f"({stale_lake * 1000:.0f} ms once the worker refreshed the lake)"
        )
    return 0 if result["goal_met"] else 1
