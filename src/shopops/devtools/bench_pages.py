"""`./shopops bench pages`: server time of every console page on the demo store.

A fresh database in a temporary var dir gets the demo store as `./shopops demo` makes it
(a simulated year, this quarter's goals, yesterday's daily report, today's open orders and
the demand forecast the worker computes ahead of the first visitor). Then, as the ops lead
(role ops_lead, the demo store granted), through Django's test client in this process
(server time: middleware, queries, engine, template), each page is requested once cold (its
first request in this process, right after the store's facts changed, so every cached
number is stale) and N times warm. The pages are every module's
page (core.modules.MODULES) and every other page of the apps' URL confs that takes no
argument or a store; views that only answer POST are left out. The baseline, measured in
the same run, is N requests of /healthz, a page that reads the database and renders
nothing. Goal: every page's p95 under 300 ms.
"""

import os
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from shopops.core.numbers import percentile

GOAL_P95 = 0.300
# The URL confs of the console's pages (shopops.urls includes them all).
APP_URLCONFS = (
    "core",
    "analytics",
    "ingest",
    "monitoring",
    "alerts",
    "orders",
    "inventory",
    "planning",
    "campaigns",
    "web",
)
# Views that answer only POST (a GET is refused or redirected).
POST_ONLY = {"core:switch_store", "ingest:mapping_finish"}
COLUMNS = ("page", "path", "status", "cold_ms", "p50_ms", "p95_ms", "ratio_p95", "goal_met")


def pages(store_code: str) -> list[tuple[str, str]]:
    """(URL name, path) of every console page taking no argument or a store, in URL order."""
    from importlib import import_module

    from django.urls import reverse

    from shopops.core.modules import MODULES

    out: list[tuple[str, str]] = []
    for app in APP_URLCONFS:
        conf = import_module(f"shopops.{app}.urls")
        for pattern in conf.urlpatterns:
            name = f"{conf.app_name}:{pattern.name}"
            regex = pattern.pattern.regex
            params = set(regex.groupindex)
            if name in POST_ONLY or regex.groups > len(params) or not params <= {"code"}:
                continue
            kwargs = {"code": store_code} if params else {}
            out.append((name, reverse(name, kwargs=kwargs)))
    missing = {m.url_name for m in MODULES} - {name for name, _path in out}
    if missing:
        raise SystemExit(f"bench: module pages not found: {', '.join(sorted(missing))}")
    return out


def setup_store(work: Path, months: int, target_orders: int):
    """A demo store in a fresh database under `work`, as `./shopops demo` leaves it."""
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'pages.sqlite3'}"
    os.environ["SHOPOPS_VAR_DIR"] = str(work / "var")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    from shopops.bootstrap import setup_django

    setup_django(migrate=True)
    from datetime import datetime, timedelta

    from shopops.core import services
    from shopops.devtools import demo_data
    from shopops.devtools.demo import DEMO_STORE, demo_fulfilment, demo_goals
    from shopops.monitoring.daily_report import build
    from shopops.monitoring.warmup import warm_store

    store = services.create_store(None, via="demo", **DEMO_STORE)
    made = demo_data.load(
        store, seed=1, months=months, target_orders=target_orders, progress=lambda m: None
    )
    demo_goals(store)
    build(store, datetime.now(store.zone).date() - timedelta(days=1))
    demo_fulfilment(store)
    from shopops.devtools import demo_campaigns

    demo_campaigns.load(store)
    warm_store(store)  # what the worker computes after new facts: dashboard, forecast
    lead = services.create_user(
        username="lead", password=secrets.token_urlsafe(16), role="ops_lead", stores=[store]
    )
    return store, lead, made


def measure(client, store, paths: list[tuple[str, str]], requests: int) -> tuple[list[dict], dict]:
    """Per page: status, cold seconds and the warm timings; and /healthz's timings.

    A page's cold request is its first in this process, right after the store's facts
    changed (as after an order arrived): every cached number of the store is stale."""
    from shopops.analytics.cache import facts_changed

    def timed(path: str) -> tuple[int, float]:
        started = time.perf_counter()
        response = client.get(path)
        return response.status_code, time.perf_counter() - started

    health_cold = timed("/healthz")[1]
    health = [timed("/healthz")[1] for _ in range(requests)]
    out = []
    for name, path in paths:
        facts_changed(store.pk)
        status, cold = timed(path)
        warm = []
        for _ in range(requests):
            code, seconds = timed(path)
            status = status if status != 200 else code
            warm.append(seconds)
        out.append({"page": name, "path": path, "status": status, "cold": cold, "warm": warm})
    health += [timed("/healthz")[1] for _ in range(requests)]  # before and after the pages
    return out, {"cold": health_cold, "warm": health}


def run(requests: int, months: int, target_orders: int, fmt: str) -> int:
    from shopops.core.output import format_rows

    requests = max(requests, 1)
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-pages-"))
    try:
        store, lead, made = setup_store(work, months, target_orders)
        from django.test import Client

        client = Client()
        client.force_login(lead)
        measured, health = measure(client, store, pages(store.code), requests)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    health_p95 = percentile(health["warm"], 0.95)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    rows = [
        {
            "page": "/healthz (baseline)",
            "path": "/healthz",
            "status": 200,
            "cold_ms": ms(health["cold"]),
            "p50_ms": ms(statistics.median(health["warm"])),
            "p95_ms": ms(health_p95),
            "ratio_p95": "1.0",
            "goal_met": True,
        }
    ]
    for m in measured:
        p95 = percentile(m["warm"], 0.95)
        rows.append(
            {
                "page": m["page"],
                "path": m["path"],
                "status": m["status"],
                "cold_ms": ms(m["cold"]),
                "p50_ms": ms(statistics.median(m["warm"])),
                "p95_ms": ms(p95),
                "ratio_p95": f"{p95 / health_p95:.1f}" if health_p95 else "",
                "goal_met": m["status"] == 200 and p95 < GOAL_P95,
            }
        )
    if fmt == "table":
        print(
            f"demo store, {made['orders']:,} orders, {made['skus']} SKUs; server time as the ops "
            f"lead; per page its first request right after new facts (cold: cache miss) and "
            f"{requests} more (warm); goal p95 < "
            f"{GOAL_P95 * 1000:.0f} ms"
        )
    print(format_rows(rows, COLUMNS, fmt), end="")
    return 0 if all(r["goal_met"] for r in rows) else 1
