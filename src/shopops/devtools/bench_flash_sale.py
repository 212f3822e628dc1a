"""`shopops bench flash-sale`: a 秒杀 against the real server.

A fresh database (SQLite file or a PostgreSQL cluster on loopback) gets one store, one SKU
with STOCK units and an API token. granian serves the app with several workers, and
CONCURRENCY client threads post ORDERS paid one-unit orders for that SKU over HTTP (with a
share of them posted twice, as channels retry). Then the database is read back: allocated,
exceptions, lost, duplicated, final stock and whether the ledger reconciles. The baseline,
measured in the same run from the same number of threads, is bare conditional UPDATEs
(`UPDATE … SET qty = qty - 1 WHERE qty >= 1`) through psycopg or sqlite3.

A second row does the same through `POST /api/v1/orders/batch`: the same calls (retries
included) in batches of BATCH orders, against a second store with the same stock, on the
same server, from one client thread per granian worker (a channel sends a few large
requests, not 64 at once); it prints batch orders/s against the same baseline.
"""

import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shopops.core.numbers import percentile
from shopops.devtools.processes import THREADS

SKU = "FLASH-1"
STORE = "flash"
BATCH_STORE = "flash-batch"
BATCH = 100


# --- child mode: runs with DATABASE_URL of the bench database ------------------------------


def _prepare(stock: int) -> dict:
    from shopops.analytics.cache import facts_changed
    from shopops.catalog.models import Product, Sku
    from shopops.core import services as core
    from shopops.inventory import services as inventory
    from shopops.inventory.models import Warehouse

    stores = []
    for code, name in ((STORE, "秒杀店"), (BATCH_STORE, "秒杀店（批量）")):
        store = core.create_store(None, via="bench", code=code, name=name, platform="tmall")
        product = Product.objects.create(store=store, spu="FLASH", name="秒杀保温杯")
        sku = Sku.objects.create(store=store, product=product, code=SKU, price="59.00")
        facts_changed(store.pk)
        warehouse = Warehouse.objects.create(store=store, code="HZ", name="杭州仓")
        inventory.receive(None, store, sku, warehouse, stock, reason="秒杀备货")
        stores.append(store)
    user = core.create_user(username="channel", password=None, role="ops_lead", stores=stores)
    _token, raw = core.create_token(user, "flash-sale bench")
    return {"token": raw}


def _check(code: str = STORE) -> dict:
    from django.db.models import Count

    from shopops.core.models import Store
    from shopops.inventory import services as inventory
    from shopops.inventory.models import Allocation, StockLevel
    from shopops.orders.models import HoldReason, Order, OrderHold

    store = Store.objects.get(code=code)
    level = StockLevel.objects.get(store=store, sku__code=SKU)
    orders = Order.objects.filter(store=store)
    return {
        "order_ids": list(orders.values_list("order_id", flat=True)),
        "duplicated": sum(
            n - 1
            for n in orders.values("order_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("n", flat=True)
        ),
        "allocated": Allocation.objects.filter(store=store, released_at=None)
        .values("line__order_id")
        .distinct()
        .count(),
        "allocated_units": level.reserved,
        "exceptions": OrderHold.objects.filter(
            store=store, reason=HoldReason.STOCK_SHORT, resolved_at=None
        ).count(),
        "on_hand": level.on_hand,
        "final_available": level.on_hand - level.reserved,
        "ledger_reconciles": inventory.reconcile(store) == [],
    }


def child_main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
    django.setup()
    if argv[0] == "prepare":
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        out = _prepare(int(argv[1]))
    else:
        out = _check(*argv[1:])
    print(json.dumps(out))


# --- the driver -------------------------------------------------------------------------


def _child(env: dict, *args) -> dict:
    command = [sys.executable, "-m", "shopops.devtools.bench_flash_sale", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"bench flash-sale: {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _payload(i: int) -> bytes:
    return json.dumps(_order(i, STORE)).encode()


def _order(i: int, store: str) -> dict:
    return {
        "store": store,
        "order_id": f"FS{i:06d}",
        "created_at": "2026-11-11T00:00:00+08:00",
        "paid_at": "2026-11-11T00:00:01+08:00",
        "customer_id": f"buyer-{i}",
        "paid_amount": "59.00",
        "lines": [{"sku": SKU, "quantity": 1, "unit_price": "59.00"}],
        "shipping_address": {
            "name": "买家",
            "phone": "13800000000",
            "province": "浙江省",
            "city": "杭州市",
            "address": f"文三路 {i} 号",
        },
    }


def _fire(port: int, token: str, calls: list[int], concurrency: int) -> dict:
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(i: int):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/orders", body=_payload(i), headers=headers)
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            return i, 0, time.perf_counter() - started, str(exc)
        return i, status, time.perf_counter() - started, _same_answer(body)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, calls))
    elapsed = time.perf_counter() - started
    return {"results": results, "seconds": elapsed}


def _same_answer(body: bytes) -> str:
    """The answer as the retry check compares it: its JSON with sorted keys (PostgreSQL's
    jsonb gives a receipt back with its keys in its own order), else the raw text."""
    try:
        return json.dumps(json.loads(body), sort_keys=True)[:300]
    except ValueError:
        return body[:300].decode(errors="replace")


def _fire_batches(port: int, token: str, calls: list[int], concurrency: int, size: int) -> dict:
    """The calls in batches of `size` through POST /orders/batch; one result per order, as
    _fire gives, with its batch's request time."""
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    batches = [calls[k : k + size] for k in range(0, len(calls), size)]

    def one(batch: list[int]):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        body = json.dumps({"orders": [_order(i, BATCH_STORE) for i in batch]}).encode()
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/orders/batch", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            return [(i, 0, time.perf_counter() - started, str(exc)) for i in batch]
        seconds = time.perf_counter() - started
        if status != 200:
            text = data[:300].decode(errors="replace")
            return [(i, status, seconds, text) for i in batch]
        answers = json.loads(data)["answers"]
        return [
            (i, a["status_code"], seconds, json.dumps(a["body"], sort_keys=True)[:300])
            for i, a in zip(batch, answers, strict=True)
        ]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(batches)))) as pool:
        results = [row for rows in pool.map(one, batches) for row in rows]
    elapsed = time.perf_counter() - started
    return {"results": results, "seconds": elapsed, "requests": len(batches)}


def _baseline_sqlite(path: Path, stock: int, attempts: int, concurrency: int) -> dict:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL)")
        conn.execute("INSERT INTO stock VALUES (1, ?)", (stock,))
    local = threading.local()

    def one(_i):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        n = conn.execute("UPDATE stock SET qty = qty - 1 WHERE id = 1 AND qty >= 1").rowcount
        conn.execute("COMMIT")
        return n

    return _time_baseline(one, attempts, concurrency, lambda: _sqlite_left(path))


def _sqlite_left(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT qty FROM stock WHERE id = 1").fetchone()[0]


def _baseline_postgres(url: str, stock: int, attempts: int, concurrency: int) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE stock (id integer PRIMARY KEY, qty integer NOT NULL)")
        conn.execute("INSERT INTO stock VALUES (1, %s)", (stock,))
    local = threading.local()
    opened = []

    def one(_i):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(url, autocommit=True)
            opened.append(conn)
        cur = conn.execute("UPDATE stock SET qty = qty - 1 WHERE id = 1 AND qty >= 1")
        return cur.rowcount

    def left():
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT qty FROM stock WHERE id = 1").fetchone()[0]

    try:
        return _time_baseline(one, attempts, concurrency, left)
    finally:
        for conn in opened:
            conn.close()


def _time_baseline(one, attempts, concurrency, left) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        taken = sum(pool.map(one, range(attempts)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "taken": taken, "left": left()}


def _cpu_seconds(roots: set[int]) -> float:
    """CPU time (user + system) used so far by the processes `roots` and their descendants,
    from /proc (Linux; 0 elsewhere): what the server and the database spent, whatever else
    runs on the machine. Children that ended count once their parent has reaped them."""
    parents, ticks = {}, {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        ticks[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    total = 0
    for pid, used in ticks.items():
        seen, up = set(), pid
        while up not in roots and up in parents and up not in seen:
            seen.add(up)
            up = parents[up]
        if up in roots:
            total += used
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def _postmaster(url: str) -> set[int]:
    """The PostgreSQL server of `url` (a cluster on loopback started here), by its port."""
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    found = set()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"/postgres") and port.encode() in argv:
                found.add(int(entry.name))
    return found


def _serve(env: dict, port: int, workers: int, threads: int, log: Path):
    from shopops.devtools.processes import _wait_ready, web_command

    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 (our own command)
            web_command("127.0.0.1", port, workers, threads),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if not _wait_ready(f"http://127.0.0.1:{port}/healthz", [proc], timeout=60):
        proc.terminate()
        raise SystemExit(f"bench flash-sale: the server did not come up; see {log}")
    return proc


def run_one(
    db: str,
    orders: int,
    stock: int,
    concurrency: int,
    workers: int,
    retries: float,
    work: Path,
    batch: int = BATCH,
    threads: int | None = None,
) -> list[dict]:
    from shopops.devtools.testrun import free_port

    rng = random.Random(11)  # noqa: S311 (which orders are retried; not security)
    calls = list(range(orders)) + rng.sample(range(orders), int(orders * retries))
    rng.shuffle(calls)
    env = {
        **os.environ,
        "SHOPOPS_VAR_DIR": str(work / f"var-{db}"),
        "SHOPOPS_LANG": "en",
        "SHOPOPS_HUEY_IMMEDIATE": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50,
    }
    port = free_port()
    threads = threads or THREADS

    def measure(url: str, baseline) -> dict:
        env["DATABASE_URL"] = url
        token = _child(env, "prepare", str(stock))["token"]
        server = _serve(env, port, workers, threads, work / f"server-{db}.log")
        try:
            print(
                f"[{db}] {len(calls):,} intake calls ({orders:,} orders) for {stock} units "
                f"from {concurrency} threads, {workers} granian workers …",
                file=sys.stderr,
                flush=True,
            )
            roots = {server.pid} | (_postmaster(url) if url.startswith("postgres") else set())
            cpu = _cpu_seconds(roots)
            fired = _fire(port, token, calls, concurrency)
            fired["cpu_seconds"], cpu = _cpu_seconds(roots) - cpu, _cpu_seconds(roots)
            print(
                f"[{db}] the same through POST /orders/batch, {batch} orders a request "
                f"from {workers} threads …",
                file=sys.stderr,
                flush=True,
            )
            batched = _fire_batches(port, token, calls, workers, batch)
            batched["cpu_seconds"] = _cpu_seconds(roots) - cpu
        finally:
            from shopops.devtools.processes import stop

            stop(server)
        found = _child(env, "check", STORE)
        found_batched = _child(env, "check", BATCH_STORE)
        base = baseline()
        return [
            {"fired": fired, "found": found, "baseline": base},
            {"fired": batched, "found": found_batched, "baseline": base, "batch": batch},
        ]

    if db == "sqlite":
        measured = measure(
            f"sqlite:///{work / 'flash.sqlite3'}",
            lambda: _baseline_sqlite(work / "baseline.sqlite3", stock, orders, concurrency),
        )
        baseline_name = "sqlite3 BEGIN IMMEDIATE + conditional UPDATE"
    else:
        from shopops.devtools.testrun import postgres_cluster

        with postgres_cluster() as url:
            import psycopg

            root = url.rsplit("/", 1)[0]
            with psycopg.connect(root + "/postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE shopops")
                conn.execute("CREATE DATABASE baseline")
            measured = measure(
                url,
                lambda: _baseline_postgres(root + "/baseline", stock, orders, concurrency),
            )
        baseline_name = "psycopg autocommit conditional UPDATE"
    return [
        {
            **_summarise(db, orders, stock, concurrency, workers, calls, m, baseline_name),
            "threads_per_worker": threads,
        }
        for m in measured
    ]


def _summarise(db, orders, stock, concurrency, workers, calls, measured, baseline_name) -> dict:
    fired, found, base = measured["fired"], measured["found"], measured["baseline"]
    results = fired["results"]
    codes: dict[str, int] = {}
    first_answer: dict[int, tuple] = {}
    retry_mismatch = 0
    for i, status, _seconds, body in results:
        codes[str(status)] = codes.get(str(status), 0) + 1
        if i in first_answer and first_answer[i] != (status, body):
            retry_mismatch += 1
        first_answer.setdefault(i, (status, body))
    posted = {f"FS{i:06d}" for i in range(orders)}
    stored = set(found["order_ids"])
    latencies = [r[2] for r in results]
    seconds = fired["seconds"]
    posting = "single"
    if "batch" in measured:
        posting = f"batch of {measured['batch']}"
        concurrency = min(workers, fired["requests"])
    return {
        "database": db,
        "intake": posting,
        "requests": fired.get("requests", len(calls)),
        "orders": orders,
        "calls": len(calls),
        "retried_calls": len(calls) - orders,
        "stock": stock,
        "concurrency": concurrency,
        "granian_workers": workers,
        "allocated": found["allocated"],
        "exceptions": found["exceptions"],
        "lost": len(posted - stored),
        "duplicated": found["duplicated"] + len(stored - posted),
        "final_available": found["final_available"],
        "ledger_reconciles": found["ledger_reconciles"],
        "answers": codes,
        "retries_answered_differently": retry_mismatch,
        "seconds": round(seconds, 2),
        "intakes_per_second": round(len(calls) / seconds, 1),
        "allocations_per_second": round(found["allocated"] / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        # The server's and the database's CPU for the calls, unlike throughput not shared
        # with whatever else runs on the machine.
        "server_cpu_ms_per_call": round(fired.get("cpu_seconds", 0) * 1000 / len(calls), 2),
        "baseline": baseline_name,
        "baseline_seconds": round(base["seconds"], 3),
        "baseline_updates_per_second": round(orders / base["seconds"], 1),
        "baseline_taken": base["taken"],
        "baseline_left": base["left"],
        "ratio_seconds_vs_baseline": round(seconds * orders / len(calls) / base["seconds"], 1),
    }


def ok(r: dict) -> bool:
    return (
        r["allocated"] == min(r["stock"], r["orders"])
        and r["exceptions"] == r["orders"] - r["allocated"]
        and r["lost"] == 0
        and r["duplicated"] == 0
        and r["final_available"] == max(r["stock"] - r["orders"], 0)
        and r["ledger_reconciles"]
        and r["retries_answered_differently"] == 0
        and set(r["answers"]) <= {"201", "202"}
    )


def run(
    databases: list[str],
    orders: int,
    stock: int,
    concurrency: int,
    workers: int,
    retries: float,
    fmt: str,
    batch: int = BATCH,
    threads: int | None = None,
) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-flash-"))
    workers = workers or os.cpu_count() or 2
    results = [
        r
        for db in databases
        for r in run_one(db, orders, stock, concurrency, workers, retries, work, batch, threads)
    ]
    if fmt == "json":
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(
                f"[{r['database']}, {r['intake']}] {r['calls']:,} calls ({r['orders']:,} orders, "
                f"{r['retried_calls']} retries) for {r['stock']} units from "
                f"{r['concurrency']} clients ({r['granian_workers']} granian workers x "
                f"{r['threads_per_worker']} threads): allocated "
                f"{r['allocated']}, exceptions {r['exceptions']}, lost {r['lost']}, duplicated "
                f"{r['duplicated']}, final available {r['final_available']}, ledger reconciles "
                f"{str(r['ledger_reconciles']).lower()}; answers {r['answers']}\n"
                f"  {r['seconds']} s, {r['intakes_per_second']} "
                f"{'intakes' if r['intake'] == 'single' else 'batch orders'}/s, "
                f"{r['allocations_per_second']} allocations/s, {r['requests']:,} requests, "
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms per request; server and "
                f"database CPU {r['server_cpu_ms_per_call']} ms a call\n"
                f"  baseline ({r['baseline']}, {r['orders']:,} attempts): "
                f"{r['baseline_seconds']} s, {r['baseline_updates_per_second']} updates/s "
                f"(took {r['baseline_taken']}, left {r['baseline_left']}); "
                f"ratio {r['ratio_seconds_vs_baseline']}x the baseline's time per order"
            )
    print(f"(server logs and databases in {work})", file=sys.stderr)
    return 0 if all(ok(r) for r in results) else 1


if __name__ == "__main__":
    child_main(sys.argv[1:])
