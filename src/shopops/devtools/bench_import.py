"""`./shopops bench import`: the import pipeline against a bare baseline, in the same run.

A generated order export of N lines is imported by `./shopops import` (a child process, so
its peak memory is its own) into a fresh database; the baseline loads the same file into
the same table of another fresh database with the csv module and executemany (SQLite) or
COPY (PostgreSQL) in one transaction, converting only what the column types need.
"""

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HEADER = [
    "order_id",
    "paid_amount",
    "created_at",
    "paid_at",
    "customer_id",
    "province",
    "refunded_amount",
]
PROVINCES = ["广东省", "浙江省", "江苏省", "上海", "北京", "山东省", "四川省"]
ZONE = ZoneInfo("Asia/Shanghai")


def generate(path: Path, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)  # noqa: S311 (test data)
    start = datetime(2024, 1, 1, 8, 0, 0)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(lines):
            created = start + timedelta(seconds=i * 30)
            paid = rng.random() > 0.03
            amount = f"{rng.randint(10, 999)}.{rng.randint(0, 99):02d}" if paid else "0"
            customer = rng.randint(1, lines // 3 + 1)  # a buyer keeps one province
            out.writerow(
                [
                    f"B{i:09d}",
                    amount,
                    created.strftime("%Y-%m-%d %H:%M:%S"),
                    (created + timedelta(seconds=40)).strftime("%Y-%m-%d %H:%M:%S") if paid else "",
                    f"c{customer}" if rng.random() > 0.05 else "",
                    PROVINCES[customer % len(PROVINCES)],
                    "0",
                ]
            )


def _child_env(database_url: str, var_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHOPOPS_VAR_DIR": str(var_dir),
        "SHOPOPS_LANG": "en",
    }


def _cli(env: dict, *args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "shopops.cli", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode not in (0,):
        raise SystemExit(f"bench: `shopops {' '.join(args)}` failed:\n{result.stderr}")
    return result


def _add_store(env: dict) -> None:
    """A fresh database with the migrations applied and the bench store."""
    _cli(env, "store", "add", "bench", "--name", "Bench", "--platform", "tmall")


def engine_run(file: Path, database_url: str, var_dir: Path) -> dict:
    env = _child_env(database_url, var_dir)
    _add_store(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    result = _cli(env, "import", "orders", str(file), "--store", "bench", "--output", "json")
    wall = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(result.stdout)
    return {
        "seconds": wall,
        "import_seconds": summary["seconds"],
        "inserted": summary["inserted"],
        "peak_rss_mb": max(peak_kb, before) / 1024,
    }


def _baseline_rows(file: Path, store_id: int, customers: dict[str, int], new_customers: list):
    """The same rows with the conversions the columns need: local times to UTC, money, and
    the buyer's customer row (ids assigned here, new buyers collected in `new_customers`)."""
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for order_id, paid, created, paid_at, customer, province, refunded in reader:
            created_utc = datetime.fromisoformat(created).replace(tzinfo=ZONE).astimezone(UTC)
            paid_utc = (
                datetime.fromisoformat(paid_at).replace(tzinfo=ZONE).astimezone(UTC)
                if paid_at
                else None
            )
            customer_pk = None
            if customer:
                customer_pk = customers.get(customer)
                if customer_pk is None:
                    customer_pk = customers[customer] = len(customers) + 1
                    new_customers.append((customer_pk, store_id, customer, province))
            yield (
                store_id,
                order_id,
                "paid" if paid_at else "pending_payment",
                "",
                created_utc,
                paid_utc,
                Decimal(paid),
                Decimal(refunded),
                province,
                customer_pk,
            )


BASE_COLUMNS = (
    "store_id",
    "order_id",
    "status",
    "channel",
    "created_at",
    "paid_at",
    "paid_amount",
    "refunded_amount",
    "province",
    "customer_id",
)
CUSTOMER_SQL = (
    "INSERT INTO customers_customer (id, store_id, platform_id, province, name, phone, email,"
    " city, address, created_at) VALUES (?, ?, ?, ?, '', '', '', '', '', ?)"
)
DEFAULTS = {
    "goods_amount": 0,
    "discount_amount": 0,
    "shipping_fee": 0,
    "city": "",
    "receiver_name": "",
    "receiver_phone": "",
    "receiver_address": "",
    "buyer_message": "",
}


def baseline_sqlite(file: Path, db_path: Path) -> float:
    import sqlite3

    conn = sqlite3.connect(db_path)
    store_id = conn.execute("SELECT id FROM core_store WHERE code='bench'").fetchone()[0]
    columns = BASE_COLUMNS + tuple(DEFAULTS)
    placeholders = ", ".join("?" * len(columns))
    sql = f"INSERT INTO orders_order ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    extra = tuple(DEFAULTS.values())
    customers, new_customers = {}, []
    started = time.monotonic()
    with conn:
        conn.executemany(
            sql,
            (
                (
                    *row[:4],
                    row[4].isoformat(sep=" "),
                    row[5].isoformat(sep=" ") if row[5] else None,
                    str(row[6]),
                    str(row[7]),
                    row[8],
                    row[9],
                    *extra,
                )
                for row in _baseline_rows(file, store_id, customers, new_customers)
            ),
        )
        now = datetime.now(UTC).isoformat(sep=" ")
        conn.executemany(CUSTOMER_SQL, ((*c, now) for c in new_customers))
    seconds = time.monotonic() - started
    conn.close()
    return seconds


def baseline_postgres(file: Path, url: str) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        store_id = conn.execute("SELECT id FROM core_store WHERE code='bench'").fetchone()[0]
        columns = BASE_COLUMNS + tuple(DEFAULTS)
        extra = tuple(DEFAULTS.values())
        customers, new_customers = {}, []
        started = time.monotonic()
        with conn.cursor() as cur:
            with cur.copy(f"COPY orders_order ({', '.join(columns)}) FROM STDIN") as copy:
                for row in _baseline_rows(file, store_id, customers, new_customers):
                    copy.write_row((*row, *extra))
            now = datetime.now(UTC)
            with cur.copy(
                "COPY customers_customer (id, store_id, platform_id, province, name,"
                " phone, email, city, address, created_at) FROM STDIN"
            ) as copy:
                for c in new_customers:
                    copy.write_row((*c, "", "", "", "", "", now))
        conn.commit()
        return time.monotonic() - started


def _count(database_url: str, var_dir: Path) -> int:
    env = _child_env(database_url, var_dir)
    out = _cli(
        env,
        "manage",
        "shell",
        "-c",
        "from shopops.orders.models import Order; print(Order.objects.count())",
    )
    return int(out.stdout.strip().splitlines()[-1])


def run(lines: int, databases: list[str], fmt: str = "table") -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-"))
    file = work / "orders.csv"
    print(f"generating {lines:,} order lines …", file=sys.stderr, flush=True)
    generate(file, lines)
    results = []
    for db in databases:
        if db == "sqlite":
            engine_url = f"sqlite:///{work / 'engine.sqlite3'}"
            base_path = work / "baseline.sqlite3"
            engine = engine_run(file, engine_url, work / "var-e")
            _add_store(_child_env(f"sqlite:///{base_path}", work / "var-b"))
            baseline = baseline_sqlite(file, base_path)
            counts = (
                _count(engine_url, work / "var-e"),
                _count(f"sqlite:///{base_path}", work / "var-b"),
            )
            baseline_name = "csv + sqlite3 executemany"
        else:
            from shopops.devtools.testrun import postgres_cluster

            with postgres_cluster() as url:
                import psycopg

                with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                    conn.execute("CREATE DATABASE engine")
                    conn.execute("CREATE DATABASE baseline")
                engine_url = url.rsplit("/", 1)[0] + "/engine"
                base_url = url.rsplit("/", 1)[0] + "/baseline"
                engine = engine_run(file, engine_url, work / "var-pe")
                _add_store(_child_env(base_url, work / "var-pb"))
                baseline = baseline_postgres(file, base_url)
                counts = (_count(engine_url, work / "var-pe"), _count(base_url, work / "var-pb"))
            baseline_name = "csv + psycopg COPY"
        results.append(
            {
                "database": db,
                "lines": lines,
                "engine_seconds": round(engine["seconds"], 2),
                "engine_import_seconds": round(engine["import_seconds"], 2),
                "lines_per_second": round(lines / engine["import_seconds"]),
                "peak_rss_mb": round(engine["peak_rss_mb"], 1),
                "baseline": baseline_name,
                "baseline_seconds": round(baseline, 2),
                "ratio": round(engine["import_seconds"] / baseline, 2),
                "rows_engine": counts[0],
                "rows_baseline": counts[1],
            }
        )
    if fmt == "json":
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(
                f"[{r['database']}] {r['lines']:,} lines: import {r['engine_import_seconds']} s "
                f"({r['lines_per_second']:,} lines/s, whole command {r['engine_seconds']} s), "
                f"peak RSS {r['peak_rss_mb']} MB; baseline ({r['baseline']}) "
                f"{r['baseline_seconds']} s; ratio {r['ratio']}x "
                f"(rows: {r['rows_engine']:,} vs {r['rows_baseline']:,})"
            )
    return 0 if all(r["rows_engine"] == r["rows_baseline"] == lines for r in results) else 1
