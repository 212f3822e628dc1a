"""`shopops bench soak`: everything a team does at once, on the embedded database.

A fresh SQLite database gets one store, a few SKUs with plenty of stock and an ops_lead
with an API token. granian serves the app with several workers and the real huey worker
runs the queued tasks. Then, until the deadline and all at once, each in its own thread:
order intakes over HTTP, console writes (goals, stock movements), metric queries, a CLI
import of a few thousand orders every 30 s, an API upload every 60 s (parsed by the
worker), a /healthz probe, and an outside process that opens and closes the SQLite file
in a loop (the trigger of the old data-loss bug). Every answer is counted by status, and
every write answered as committed is remembered.

At the end the load stops, the worker drains its queued imports, /healthz must show the
worker's heartbeat alive, the processes stop, and the file is read back: integrity_check,
and every committed order, goal and stock movement present. The baseline, measured in the
same run on the same server, is the intake loop alone.
"""

import http.client
import itertools
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
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from shopops.core.numbers import percentile, ratio
from shopops.devtools.bench_flash_sale import _serve
from shopops.devtools.processes import stop, worker_command
from shopops.devtools.testrun import free_port

STORE = "soak"
SKUS = ["SOAK-1", "SOAK-2", "SOAK-3", "SOAK-4"]
WAREHOUSE = "HZ"
STOCK = 10_000_000  # per SKU: intakes never run short
INTAKE_THREADS = 4
WEB_THREADS = 8
CLI_EVERY = 30.0
UPLOAD_EVERY = 60.0
CLI_ROWS = 3000
UPLOAD_ROWS = 2000
TZ8 = "+08:00"


# --- child mode: runs with DATABASE_URL of the soak database -------------------------------


def _prepare() -> dict:
    from shopops.analytics.cache import facts_changed
    from shopops.catalog.models import Product, Sku
    from shopops.core import services as core
    from shopops.inventory import services as inventory
    from shopops.inventory.models import Warehouse

    store = core.create_store(None, via="bench", code=STORE, name="压测店", platform="tmall")
    warehouse = Warehouse.objects.create(store=store, code=WAREHOUSE, name="杭州仓")
    for code in SKUS:
        product = Product.objects.create(store=store, spu=code, name=f"商品 {code}")
        sku = Sku.objects.create(store=store, product=product, code=code, price="39.00")
        inventory.receive(None, store, sku, warehouse, STOCK, reason="压测备货")
    facts_changed(store.pk)
    user = core.create_user(username="soak", password=None, role="ops_lead", stores=[store])
    _token, raw = core.create_token(user, "soak bench")
    return {"token": raw}


def child_main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(_prepare()))


def _child(env: dict, *args) -> dict:
    command = [sys.executable, "-m", "shopops.devtools.bench_soak", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"bench soak: {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# The outside process: plain sqlite3 opening and closing the live file, as any tool would.
TOUCHER = """
import sqlite3, sys, time
path, until = sys.argv[1], time.monotonic() + float(sys.argv[2])
n = errors = 0
while time.monotonic() < until:
    try:
        conn = sqlite3.connect(path, timeout=5)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()
        n += 1
    except sqlite3.Error:
        errors += 1
    time.sleep(0.05)
print(n, errors)
"""


# --- the load ---------------------------------------------------------------------------


class Tally:
    """Answers per kind and status, latencies, and what was answered as committed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[str, dict[str, int]] = {}
        self.latencies: dict[str, list[float]] = {}
        self.committed: dict[str, set[str]] = {
            "orders": set(),
            "goals": set(),
            "movements": set(),
        }
        self.refused_busy: set[str] = set()  # intakes answered 503: nothing may be stored
        self.samples: list[str] = []  # first bodies of failures, for the report

    def record(self, kind: str, status: int, seconds: float, body: bytes = b"") -> None:
        with self.lock:
            by = self.statuses.setdefault(kind, {})
            by[str(status)] = by.get(str(status), 0) + 1
            self.latencies.setdefault(kind, []).append(seconds)
            if (status == 0 or (status >= 400 and status != 503)) and len(self.samples) < 20:
                self.samples.append(f"{kind} {status}: {body[:300].decode(errors='replace')}")

    def commit(self, kind: str, keys) -> None:
        with self.lock:
            self.committed[kind].update(keys)


class Client:
    """One keep-alive connection to the server on loopback, reopened after an error and
    after IDLE seconds unused: the server closes idle keep-alive connections, and a large
    upload written onto one it has closed ends in a broken pipe (as pooled clients do, a
    connection idle that long is not reused)."""

    IDLE = 15.0

    def __init__(self, port: int, token: str, tally: Tally):
        self.port, self.tally = port, tally
        self.headers = {"Authorization": f"Bearer {token}"}
        self.conn = None
        self.used = 0.0

    def call(self, kind, method, path, body=None, content_type="application/json"):
        if self.conn is not None and time.monotonic() - self.used > self.IDLE:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            self.tally.record(kind, 0, time.perf_counter() - started, str(exc).encode())
            return 0, b""
        self.used = time.monotonic()
        self.tally.record(kind, status, time.perf_counter() - started, data)
        return status, data


def _paid(rng: random.Random) -> tuple[str, str]:
    paid = datetime.now(UTC) - timedelta(seconds=rng.uniform(60, 3 * 86400))
    created = paid - timedelta(seconds=rng.uniform(5, 600))
    zone = timedelta(hours=8)
    fmt = "%Y-%m-%dT%H:%M:%S" + TZ8
    return (created + zone).strftime(fmt), (paid + zone).strftime(fmt)


def _order(order_id: str, rng: random.Random) -> bytes:
    created, paid = _paid(rng)
    lines = [
        {"sku": sku, "quantity": rng.randint(1, 3), "unit_price": "39.00"}
        for sku in rng.sample(SKUS, rng.randint(1, 3))
    ]
    amount = sum(line["quantity"] for line in lines) * 39
    return json.dumps(
        {
            "store": STORE,
            "order_id": order_id,
            "created_at": created,
            "paid_at": paid,
            "customer_id": f"buyer-{rng.randint(1, 5000)}",
            "paid_amount": f"{amount}.00",
            "lines": lines,
            "shipping_address": {
                "name": "买家",
                "phone": "13800000000",
                "province": "浙江省",
                "city": "杭州市",
                "address": f"文三路 {rng.randint(1, 999)} 号",
            },
        }
    ).encode()


def _orders_csv(path: Path, prefix: str, rows: int, rng: random.Random) -> list[str]:
    ids = [f"{prefix}-{i:05d}" for i in range(rows)]
    with open(path, "w", encoding="utf-8") as out:
        out.write("order_id,paid_amount,created_at,paid_at,customer_id,province,city\n")
        for order_id in ids:
            created, paid = _paid(rng)
            out.write(
                f"{order_id},{rng.randint(10, 900)}.{rng.randint(0, 99):02d},{created},{paid},"
                f"buyer-{rng.randint(1, 5000)},浙江省,杭州市\n"
            )
    return ids


class Soak:
    def __init__(self, work: Path, env: dict, port: int, token: str, db: Path):
        self.work, self.env, self.port, self.token, self.db = work, env, port, token, db
        self.tally = Tally()
        self.stop = threading.Event()
        self.seq = itertools.count(1)
        self.imports = {"cli_done": 0, "cli_failed": 0, "api_done": 0, "api_failed": 0}
        self.import_errors: list[str] = []
        self.import_seconds: dict[str, list[float]] = {"cli": [], "api": []}
        self.health: list[dict] = []
        self.errors: list[str] = []  # exceptions inside the load threads (bench faults)

    def client(self) -> Client:
        return Client(self.port, self.token, self.tally)

    def guarded(self, loop):
        def run():
            try:
                loop()
            except Exception as exc:  # a bench fault: say it, never hide it
                self.errors.append(f"{loop.__name__}: {exc!r}")

        return threading.Thread(target=run, name=loop.__name__, daemon=True)

    # each loop runs until self.stop is set

    def intakes(self):
        client, rng = self.client(), random.Random()  # noqa: S311 (load shape)
        while not self.stop.is_set():
            order_id = f"SK-I{next(self.seq):07d}"
            status, _body = client.call("intake", "POST", "/api/v1/orders", _order(order_id, rng))
            if status in (201, 202):
                self.tally.commit("orders", [order_id])
            elif status == 503:
                with self.tally.lock:
                    self.tally.refused_busy.add(order_id)

    def goals(self):
        client, n = self.client(), 0
        while not self.stop.wait(0.5):
            n += 1
            name = f"soak goal {n} {uuid.uuid4().hex[:8]}"
            body = {
                "store": STORE,
                "name": name,
                "metric": "gmv",
                "target": "900000",
                "period": "quarter",
                "start": "2026-07-01",
                "end": "2026-09-30",
                "scope": {},
            }
            status, _ = client.call("goal", "POST", "/api/v1/goals", json.dumps(body).encode())
            if 200 <= status < 300:
                self.tally.commit("goals", [name])

    def movements(self):
        client, rng, n = self.client(), random.Random(), 0  # noqa: S311
        while not self.stop.wait(0.2):
            n += 1
            reference = f"SOAK-MV-{n:06d}"
            body = {
                "store": STORE,
                "kind": "receipt",
                "sku": rng.choice(SKUS),
                "warehouse": WAREHOUSE,
                "quantity": rng.randint(1, 5),
                "reason": "soak receipt",
                "reference": reference,
            }
            path = "/api/v1/inventory/movements"
            status, _ = client.call("movement", "POST", path, json.dumps(body).encode())
            if 200 <= status < 300:
                self.tally.commit("movements", [reference])

    def metric_queries(self):
        client = self.client()
        today = datetime.now(UTC).date()
        spans = [(today - timedelta(days=7), "day"), (today - timedelta(days=90), "week")]
        n = 0
        while not self.stop.wait(1.0):
            start, by = spans[n % len(spans)]
            n += 1
            path = (
                f"/api/v1/metrics?store={STORE}&from={start}&to={today}"
                f"&metric=gmv&metric=orders&metric=aov&metric=buyers&by={by}"
            )
            client.call("metrics", "GET", path)

    def healthz(self):
        client = self.client()
        while not self.stop.wait(5.0):
            status, body = client.call("healthz", "GET", "/healthz")
            if status == 200:
                self.health.append(json.loads(body))

    def cli_imports(self):
        rng, batch = random.Random(), 0  # noqa: S311
        while not self.stop.wait(2.0 if batch == 0 else CLI_EVERY):
            batch += 1
            path = self.work / f"cli-{batch}.csv"
            ids = _orders_csv(path, f"SK-C{batch:03d}", CLI_ROWS, rng)
            command = [sys.executable, "-m", "shopops.cli", "import", "orders", str(path)]
            started = time.perf_counter()
            result = subprocess.run(  # noqa: S603 (our own command)
                [*command, "--store", STORE, "--output", "json"],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            self.import_seconds["cli"].append(time.perf_counter() - started)
            if result.returncode == 0:
                self.imports["cli_done"] += 1
                self.tally.commit("orders", ids)
            else:
                self.imports["cli_failed"] += 1
                self.import_errors.append(
                    f"cli batch {batch}: exit {result.returncode}: {result.stderr[-600:]}"
                )

    def uploads(self):
        client, rng, batch = self.client(), random.Random(), 0  # noqa: S311
        while not self.stop.wait(5.0 if batch == 0 else UPLOAD_EVERY):
            batch += 1
            path = self.work / f"upload-{batch}.csv"
            ids = _orders_csv(path, f"SK-U{batch:03d}", UPLOAD_ROWS, rng)
            boundary = uuid.uuid4().hex
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in (("store", STORE), ("kind", "orders"))
            ]
            body = (
                "".join(parts).encode()
                + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="upload-{batch}.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + path.read_bytes()
                + f"\r\n--{boundary}--\r\n".encode()
            )
            started = time.perf_counter()
            status, data = client.call(
                "upload",
                "POST",
                "/api/v1/imports",
                body,
                f"multipart/form-data; boundary={boundary}",
            )
            if status != 202:
                self.imports["api_failed"] += 1
                self.import_errors.append(f"upload {batch}: HTTP {status} {data[:300]!r}")
                continue
            run_id = json.loads(data)["id"]
            run = self.poll_run(client, run_id, timeout=600)
            self.import_seconds["api"].append(time.perf_counter() - started)
            if run and run["status"] == "done" and run["inserted"] == len(ids):
                self.imports["api_done"] += 1
                self.tally.commit("orders", ids)
            else:
                self.imports["api_failed"] += 1
                self.import_errors.append(f"upload {batch}: run {run_id}: {run}")

    def poll_run(self, client: Client, run_id: int, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, data = client.call("import-status", "GET", f"/api/v1/imports/{run_id}")
            if status == 200:
                run = json.loads(data)
                if run["status"] in ("done", "failed"):
                    return run
            time.sleep(1.0)
        return None

    def run_intakes_alone(self, seconds: float, label: str = "baseline") -> dict:
        return self._phase(seconds, [self.intakes] * INTAKE_THREADS, label)

    def run_mixed(self, seconds: float) -> dict:
        loops = [self.intakes] * INTAKE_THREADS + [
            self.goals,
            self.movements,
            self.metric_queries,
            self.healthz,
            self.cli_imports,
            self.uploads,
        ]
        toucher = subprocess.Popen(  # noqa: S603 (our own script)
            [sys.executable, "-c", TOUCHER, str(self.db), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        phase = self._phase(seconds, loops, "soak")
        out, _ = toucher.communicate(timeout=60)
        opens, errors = (int(x) for x in out.split())
        phase["outside_opens"], phase["outside_open_errors"] = opens, errors
        return phase

    def _phase(self, seconds: float, loops, label: str) -> dict:
        before = len(self.tally.latencies.get("intake", []))
        self.stop.clear()
        threads = [self.guarded(loop) for loop in loops]
        started = time.perf_counter()
        for t in threads:
            t.start()
        self.stop.wait(seconds)
        self.stop.set()
        # threads finish their call in flight; an upload waits for its run to end
        for t in threads:
            t.join(timeout=900)
        elapsed = time.perf_counter() - started
        latencies = self.tally.latencies.get("intake", [])[before:]
        print(f"bench soak: {label} done, {len(latencies)} intakes", file=sys.stderr, flush=True)
        return {
            "seconds": round(elapsed, 1),
            "intakes": len(latencies),
            "intakes_per_second": round(len(latencies) / seconds, 1),
            "p50_ms": _ms(statistics.median(latencies)) if latencies else None,
            "p99_ms": _ms(percentile(latencies, 0.99)) if latencies else None,
            "latencies": latencies,
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- processes --------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakRss:
    """Peak RSS (VmHWM) of each process under the web server and the worker, sampled while
    they run (so the worker's short-lived parse children are seen too) and read last just
    before they stop."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.peak: dict[str, dict[int, int]] = {name: {} for name in roots}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        for name, root in self.roots.items():
            for pid in _descendants(root):
                kb = _hwm_kb(pid)
                self.peak[name][pid] = max(self.peak[name].get(pid, 0), kb)

    def _loop(self):
        while not self.done.wait(2.0):
            self.sample()

    def result(self) -> dict:
        return {
            name: {
                "processes": len(by_pid),
                "max_mb": round(max(by_pid.values(), default=0) / 1024, 1),
            }
            for name, by_pid in self.peak.items()
        }


def _start_worker(env: dict, log: Path):
    with open(log, "wb") as out:
        return subprocess.Popen(  # noqa: S603 (our own command)
            worker_command(), env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _health(port: int) -> dict:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        return json.loads(response.read())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return {"status": "unreachable", "error": str(exc)}


def _wait_worker(port: int, worker, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        if _health(port).get("worker", {}).get("ok"):
            return True
        time.sleep(0.5)
    return False


def _drain(soak: Soak, timeout: float) -> list[dict]:
    """Wait until no import run is queued or running; returns the runs still unfinished."""
    client = soak.client()
    deadline = time.monotonic() + timeout
    pending: list[dict] = []
    while time.monotonic() < deadline:
        status, data = client.call("import-status", "GET", f"/api/v1/imports?store={STORE}")
        if status == 200:
            pending = [r for r in json.loads(data) if r["status"] in ("queued", "running")]
            if not pending:
                return []
        time.sleep(1.0)
    return pending


# --- reading the file back --------------------------------------------------------------


def _check_db(db: Path, tally: Tally) -> dict:
    conn = sqlite3.connect(db)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        store_id = conn.execute("SELECT id FROM core_store WHERE code = ?", (STORE,)).fetchone()[0]

        def present(sql: str) -> set[str]:
            return {r[0] for r in conn.execute(sql, (store_id,))}

        stored = {
            "orders": present("SELECT order_id FROM orders_order WHERE store_id = ?"),
            "goals": present("SELECT name FROM planning_goal WHERE store_id = ?"),
            "movements": present(
                "SELECT reference FROM inventory_stockmovement "
                "WHERE store_id = ? AND reference LIKE 'SOAK-MV-%'"
            ),
        }
    finally:
        conn.close()
    kinds = {
        kind: {
            "committed": len(keys),
            "present": len(keys & stored[kind]),
            "missing": len(keys - stored[kind]),
        }
        for kind, keys in tally.committed.items()
    }
    return {
        "integrity_check": integrity[0] if len(integrity) == 1 else "; ".join(integrity[:10]),
        "writes": kinds,
        "busy_refused_but_stored": len(tally.refused_busy & stored["orders"]),
        "missing_examples": sorted(tally.committed["orders"] - stored["orders"])[:10],
    }


def _log_errors(log: Path) -> dict[str, int]:
    """Each traceback's closing line (the exception) in a log, with how often it came."""
    found: dict[str, int] = {}
    inside = False
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            inside = True
        elif inside and line and not line[0].isspace():
            found[line[:300]] = found.get(line[:300], 0) + 1
            inside = False
    return found


# --- the driver -------------------------------------------------------------------------

EXPECTED = {
    "intake": {"201", "202", "503"},
    "goal": {"200", "201", "503"},
    "movement": {"200", "201", "503"},
    "metrics": {"200"},
    "healthz": {"200"},
    "upload": {"202", "503"},
    "import-status": {"200"},
}


def run(minutes: float, web_workers: int, fmt: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-soak-"))
    db = work / "soak.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "SHOPOPS_VAR_DIR": str(work / "var"),
        "SHOPOPS_LANG": "en",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50,
    }
    env.pop("SHOPOPS_HUEY_IMMEDIATE", None)  # the real worker runs the tasks
    env.pop("REDIS_URL", None)
    soak_seconds = minutes * 60
    baseline_seconds = min(20.0, max(5.0, soak_seconds / 4))
    token = _child(env, "prepare")["token"]
    port = free_port()
    print(f"bench soak: {work}", file=sys.stderr, flush=True)
    server = _serve(env, port, web_workers, WEB_THREADS, work / "server.log")
    worker = _start_worker(env, work / "worker.log")
    rss = PeakRss({"web": server.pid, "worker": worker.pid})
    try:
        if not _wait_worker(port, worker, timeout=90):
            raise SystemExit(f"bench soak: the worker did not beat; see {work / 'worker.log'}")
        rss.thread.start()
        soak = Soak(work, env, port, token, db)
        print(
            f"bench soak: intakes alone for {baseline_seconds:.0f} s, then the mixed load for "
            f"{soak_seconds:.0f} s ({web_workers} granian workers) …",
            file=sys.stderr,
            flush=True,
        )
        soak.run_intakes_alone(3.0, "warm-up")  # warm-up: every granian worker loads the app
        alone = soak.run_intakes_alone(baseline_seconds)
        mixed = soak.run_mixed(soak_seconds)
        pending = _drain(soak, timeout=600)
        health = _health(port)
        rss.done.set()
        rss.sample()
    finally:
        rss.done.set()
        stop(worker)
        stop(server)
    found = _check_db(db, soak.tally)
    logs = {name: _log_errors(work / f"{name}.log") for name in ("server", "worker")}
    result = _summarise(
        minutes, web_workers, soak, alone, mixed, pending, health, rss.result(), found, logs
    )
    result["work_dir"] = str(work)
    if fmt == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_table(result)
    print(f"(server and worker logs and the database in {work})", file=sys.stderr)
    return 0 if result["pass"] else 1


def _summarise(minutes, web_workers, soak, alone, mixed, pending, health, rss, found, logs):
    tally = soak.tally
    statuses = {k: dict(sorted(v.items())) for k, v in sorted(tally.statuses.items())}
    busy = sum(v.get("503", 0) for v in statuses.values())
    server_errors = sum(
        n for v in statuses.values() for s, n in v.items() if s.startswith("5") and s != "503"
    )
    connection_errors = sum(v.get("0", 0) for v in statuses.values())
    unexpected = {
        kind: {s: n for s, n in v.items() if s not in EXPECTED.get(kind, set()) and s != "0"}
        for kind, v in statuses.items()
    }
    unexpected = {k: v for k, v in unexpected.items() if v}
    latency = {
        kind: {
            "p50_ms": _ms(statistics.median(values)),
            "p99_ms": _ms(percentile(values, 0.99)),
        }
        for kind, values in sorted(tally.latencies.items())
        if values
    }
    # the intake row shows the mixed load; the baseline's intakes are counted in its answers
    latency["intake"] = {"p50_ms": mixed["p50_ms"], "p99_ms": mixed["p99_ms"]}
    heartbeat = bool(health.get("worker", {}).get("ok"))
    missing = sum(w["missing"] for w in found["writes"].values())
    imports = dict(soak.imports)
    imports["seconds"] = {
        k: round(statistics.median(v), 1) if v else None for k, v in soak.import_seconds.items()
    }

    def times(a, b):
        """mixed / alone, to 2 places; None when either was not measured."""
        found = ratio(a, b, places=Decimal("0.01")) if a else None
        return float(found) if found is not None else None

    checks = {
        "integrity_check ok": found["integrity_check"] == "ok",
        "no committed write missing": missing == 0,
        "no 5xx other than 503": server_errors == 0,
        "no connection errors": connection_errors == 0,
        "no unexpected answers": not unexpected,
        "no import failed": imports["cli_failed"] == 0 and imports["api_failed"] == 0,
        "worker queue drained": not pending,
        "worker heartbeat alive": heartbeat,
        "nothing stored for a 503": found["busy_refused_but_stored"] == 0,
        "load threads ran clean": not soak.errors,
    }
    return {
        "minutes": minutes,
        "granian_workers": web_workers,
        "web_threads_per_worker": WEB_THREADS,
        "intake_threads": INTAKE_THREADS,
        "requests": statuses,
        "busy_503": busy,
        "server_errors_5xx": server_errors,
        "connection_errors": connection_errors,
        "unexpected_answers": unexpected,
        "latency": latency,
        "baseline_intakes_alone": {k: v for k, v in alone.items() if k != "latencies"},
        "intakes_under_mixed_load": {k: v for k, v in mixed.items() if k != "latencies"},
        "ratio_mixed_vs_alone": {
            "p50": times(mixed["p50_ms"], alone["p50_ms"]),
            "p99": times(mixed["p99_ms"], alone["p99_ms"]),
            "throughput": times(mixed["intakes_per_second"], alone["intakes_per_second"]),
        },
        "imports": imports,
        "import_errors": soak.import_errors[:10],
        "pending_runs_after_drain": pending,
        "writes": found["writes"],
        "missing_examples": found["missing_examples"],
        "busy_refused_but_stored": found["busy_refused_but_stored"],
        "integrity_check": found["integrity_check"],
        "heartbeat_alive": heartbeat,
        "health_at_end": health,
        "health_during": {
            "probes": len(soak.health),
            "worker_not_ok": sum(1 for h in soak.health if not h.get("worker", {}).get("ok")),
        },
        "peak_rss": rss,
        "exceptions_in_logs": logs,
        "failure_samples": tally.samples,
        "bench_errors": soak.errors,
        "checks": checks,
        "pass": all(checks.values()),
    }


def _print_table(r: dict) -> None:
    alone, mixed, ratio = (
        r["baseline_intakes_alone"],
        r["intakes_under_mixed_load"],
        r["ratio_mixed_vs_alone"],
    )
    print(
        f"soak: {r['minutes']} min on SQLite, {r['granian_workers']} granian workers × "
        f"{r['web_threads_per_worker']} threads, the huey worker, {r['intake_threads']} intake "
        f"threads; outside process opened the file {mixed.get('outside_opens')} times"
    )
    print(f"{'kind':<14} {'answers':<40} {'p50 ms':>9} {'p99 ms':>9}")
    for kind, statuses in r["requests"].items():
        answers = ", ".join(f"{s} × {n:,}" for s, n in statuses.items())
        lat = r["latency"].get(kind, {})
        print(f"{kind:<14} {answers:<40} {lat.get('p50_ms', '-'):>9} {lat.get('p99_ms', '-'):>9}")
    print(
        f"503 (busy): {r['busy_503']}   other 5xx: {r['server_errors_5xx']}   connection "
        f"errors: {r['connection_errors']}   unexpected: {r['unexpected_answers'] or 'none'}"
    )
    print(
        f"intakes alone (baseline): {alone['intakes_per_second']}/s, p50 {alone['p50_ms']} ms, "
        f"p99 {alone['p99_ms']} ms over {alone['seconds']} s"
    )
    print(
        f"intakes under mixed load: {mixed['intakes_per_second']}/s, p50 {mixed['p50_ms']} ms, "
        f"p99 {mixed['p99_ms']} ms over {mixed['seconds']} s; ratio p50 {ratio['p50']}x, "
        f"p99 {ratio['p99']}x, throughput {ratio['throughput']}x"
    )
    imp = r["imports"]
    print(
        f"imports: CLI {imp['cli_done']} done / {imp['cli_failed']} failed (median "
        f"{imp['seconds']['cli']} s), API {imp['api_done']} done / {imp['api_failed']} failed "
        f"(median {imp['seconds']['api']} s upload to done)"
    )
    for kind, w in r["writes"].items():
        print(
            f"{kind:<10} committed {w['committed']:,}  present {w['present']:,}  "
            f"missing {w['missing']:,}"
        )
    rss = r["peak_rss"]
    print(
        f"integrity_check: {r['integrity_check']}   heartbeat alive: "
        f"{str(r['heartbeat_alive']).lower()}   peak RSS: web {rss['web']['max_mb']} MB "
        f"({rss['web']['processes']} processes), worker {rss['worker']['max_mb']} MB "
        f"({rss['worker']['processes']} processes)"
    )
    if not any(r["exceptions_in_logs"].values()):
        print("exceptions in the server and worker logs: none")
    for name, errors in r["exceptions_in_logs"].items():
        for line, n in errors.items():
            print(f"  {name}.log: {n} × {line}")
    for name, ok in r["checks"].items():
        if not ok:
            print(f"  failed: {name}")
    for line in r["import_errors"] + r["failure_samples"] + r["bench_errors"]:
        print(f"  {line}")
    print("PASS" if r["pass"] else "FAIL")


if __name__ == "__main__":
    child_main(sys.argv[1:])
