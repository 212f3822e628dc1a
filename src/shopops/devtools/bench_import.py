"""`./shopops bench import`: the import pipeline against a bare baseline, in the same run.

A generated export of N order lines (1 to 5 lines per order, 3 on average: an orders file
of about N/3 orders and an order_lines file of N lines) is imported by `./shopops import`
(a child process per file, so its peak memory is its own) into a fresh database, orders
first, then order lines; then both files are imported again, which must report every row
`unchanged` and be answered as the same files stored before (`ingest.same_file`: nothing
was written since), and a third time with `--reread`, every row read and compared again.
The baseline loads the same files into the same tables (orders, customers, order lines,
with their unique keys) of another fresh database with the csv module and executemany
(SQLite) or COPY (PostgreSQL), one transaction per file, converting only what the column
types need (no validation, no upsert, a line's share of the paid amount not
split: it takes its line amount).
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
    "goods_amount",
    "discount_amount",
]
LINE_HEADER = ["order_id", "sku", "quantity", "unit_price", "product_name", "category"]
PROVINCES = ["广东省", "浙江省", "江苏省", "上海", "北京", "山东省", "四川省"]
CATEGORIES = ["服饰", "美妆", "食品", "数码", "家居"]
ZONE = ZoneInfo("Asia/Shanghai")


def generate(work: Path, lines: int, seed: int = 1) -> tuple[Path, Path, int]:
    """orders.csv and order_lines.csv with `lines` order lines; returns their paths and the
    number of orders."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    start = datetime(2024, 1, 1, 8, 0, 0)
    orders_path, lines_path = work / "orders.csv", work / "order_lines.csv"
    buyers = lines // 9 + 1  # about three orders per buyer
    # An order every 30 s, closer at 10M lines so that the last is within two years of the
    # first (imports refuse times in the future).
    spacing = max(1, min(30, 2 * 365 * 86400 // (lines // 3 + 1)))
    written = n_orders = 0
    with (
        open(orders_path, "w", newline="", encoding="utf-8") as fo,
        open(lines_path, "w", newline="", encoding="utf-8") as fl,
    ):
        orders, order_lines = csv.writer(fo), csv.writer(fl)
        orders.writerow(HEADER)
        order_lines.writerow(LINE_HEADER)
        while written < lines:
            i = n_orders
            n_orders += 1
            order_id = f"B{i:09d}"
            count = min(rng.randint(1, 5), lines - written)
            goods = Decimal(0)
            for _ in range(count):
                sku = rng.randint(1, 2000)
                quantity = rng.randint(1, 3)
                price = Decimal(f"{rng.randint(1, 499)}.{rng.randint(0, 99):02d}")
                goods += quantity * price
                order_lines.writerow(
                    [
                        order_id,
                        f"S{sku:05d}",
                        quantity,
                        price,
                        f"商品 {sku}",
                        CATEGORIES[sku % len(CATEGORIES)],
                    ]
                )
            written += count
            created = start + timedelta(seconds=i * spacing)
            paid = rng.random() > 0.03
            discount = (goods * rng.randint(0, 10) / 100).quantize(Decimal("0.01"))
            customer = rng.randint(1, buyers)  # a buyer keeps one province
            orders.writerow(
                [
                    order_id,
                    goods - discount if paid else "0",
                    created.strftime("%Y-%m-%d %H:%M:%S"),
                    (created + timedelta(seconds=40)).strftime("%Y-%m-%d %H:%M:%S") if paid else "",
                    f"c{customer}" if rng.random() > 0.05 else "",
                    PROVINCES[customer % len(PROVINCES)],
                    "0",
                    goods,
                    discount,
                ]
            )
    return orders_path, lines_path, n_orders


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


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _import(env: dict, kind: str, file: Path, *options: str) -> dict:
    started, cpu = time.monotonic(), _cpu_children()
    result = _cli(env, "import", kind, str(file), "--store", "bench", "--output", "json", *options)
    wall = time.monotonic() - started
    summary = json.loads(result.stdout)
    summary["wall_seconds"] = wall
    # The command's CPU time (start-up included; on PostgreSQL the server's is not): on a
    # machine shared with other work it varies much less than the wall time.
    summary["cpu_seconds"] = _cpu_children() - cpu
    return summary


def engine_run(files: tuple[Path, Path], database_url: str, var_dir: Path) -> dict:
    """Orders, then order lines, then both again, then both with every row read again
    (nothing may change after the first time)."""
    env = _child_env(database_url, var_dir)
    _add_store(env)
    orders, lines = files
    out = {}
    for step, kind, file, options in (
        ("orders", "orders", orders, ()),
        ("order_lines", "order_lines", lines, ()),
        ("orders_again", "orders", orders, ()),
        ("order_lines_again", "order_lines", lines, ()),
        ("orders_reread", "orders", orders, ("--reread",)),
        ("order_lines_reread", "order_lines", lines, ("--reread",)),
    ):
        out[step] = _import(env, kind, file, *options)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def _baseline_orders(file: Path, store_id: int, customers: dict[str, int], new_customers: list):
    """The orders with the conversions the columns need: local times to UTC, money, and
    the buyer's customer row (ids assigned here, new buyers collected in `new_customers`)."""
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for pk, (
            order_id,
            paid,
            created,
            paid_at,
            customer,
            province,
            refunded,
            goods,
            discount,
        ) in enumerate(reader, start=1):
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
                pk,
                store_id,
                order_id,
                "paid" if paid_at else "pending_payment",
                "",
                created_utc,
                paid_utc,
                Decimal(paid),
                Decimal(refunded),
                Decimal(goods),
                Decimal(discount),
                province,
                customer_pk,
            )


def _baseline_lines(file: Path, store_id: int, order_pks: dict[str, int]):
    """The order lines: the order's id from the orders loaded before, the line's number in
    its order, line amount = quantity x unit price (also its share of the paid amount)."""
    line_no: dict[str, int] = {}
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for order_id, sku, quantity, price, name, category in reader:
            n = line_no[order_id] = line_no.get(order_id, 0) + 1
            amount = int(quantity) * Decimal(price)
            yield (
                store_id,
                order_pks[order_id],
                n,
                sku,
                name,
                category,
                int(quantity),
                Decimal(price),
                amount,
                amount,
            )


BASE_COLUMNS = (
    "id",
    "store_id",
    "order_id",
    "status",
    "channel",
    "created_at",
    "paid_at",
    "paid_amount",
    "refunded_amount",
    "goods_amount",
    "discount_amount",
    "province",
    "customer_id",
)
LINE_COLUMNS = (
    "store_id",
    "order_id",
    "line_no",
    "sku_code",
    "product_name",
    "category",
    "quantity",
    "unit_price",
    "line_amount",
    "allocated_amount",
)
CUSTOMER_SQL = (
    "INSERT INTO customers_customer (id, store_id, platform_id, province, name, phone, email,"
    " city, address, created_at) VALUES (?, ?, ?, ?, '', '', '', '', '', ?)"
)
DEFAULTS = {
    "shipping_fee": 0,
    "city": "",
    "receiver_name": "",
    "receiver_phone": "",
    "receiver_address": "",
    "buyer_message": "",
}


def _order_ids(file: Path) -> dict[str, int]:
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        return {row[0]: pk for pk, row in enumerate(reader, start=1)}


def baseline_sqlite(files: tuple[Path, Path], db_path: Path) -> tuple[float, float]:
    """Seconds for the orders file (orders and customers) and for the order lines file."""
    import sqlite3

    orders, lines = files
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
                    *row[:5],
                    row[5].isoformat(sep=" ")[:19],
                    row[6].isoformat(sep=" ")[:19] if row[6] else None,
                    *(str(v) for v in row[7:11]),
                    row[11],
                    row[12],
                    *extra,
                )
                for row in _baseline_orders(orders, store_id, customers, new_customers)
            ),
        )
        now = datetime.now(UTC).isoformat(sep=" ")[:26]
        conn.executemany(CUSTOMER_SQL, ((*c, now) for c in new_customers))
    orders_seconds = time.monotonic() - started
    order_pks = _order_ids(orders)  # what the orders load assigned (not timed twice)
    placeholders = ", ".join("?" * len(LINE_COLUMNS))
    sql = f"INSERT INTO orders_orderline ({', '.join(LINE_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    started = time.monotonic()
    with conn:
        conn.executemany(
            sql,
            (
                (*row[:7], str(row[7]), str(row[8]), str(row[9]))
                for row in _baseline_lines(lines, store_id, order_pks)
            ),
        )
    lines_seconds = time.monotonic() - started
    conn.close()
    return orders_seconds, lines_seconds


def baseline_postgres(files: tuple[Path, Path], url: str) -> tuple[float, float]:
    import psycopg

    orders, lines = files
    with psycopg.connect(url) as conn:
        store_id = conn.execute("SELECT id FROM core_store WHERE code='bench'").fetchone()[0]
        columns = BASE_COLUMNS + tuple(DEFAULTS)
        extra = tuple(DEFAULTS.values())
        customers, new_customers = {}, []
        started = time.monotonic()
        with conn.cursor() as cur:
            with cur.copy(f"COPY orders_order ({', '.join(columns)}) FROM STDIN") as copy:
                for row in _baseline_orders(orders, store_id, customers, new_customers):
                    copy.write_row((*row, *extra))
            now = datetime.now(UTC)
            with cur.copy(
                "COPY customers_customer (id, store_id, platform_id, province, name,"
                " phone, email, city, address, created_at) FROM STDIN"
            ) as copy:
                for c in new_customers:
                    copy.write_row((*c, "", "", "", "", "", now))
        conn.commit()
        orders_seconds = time.monotonic() - started
        order_pks = _order_ids(orders)
        started = time.monotonic()
        sql = f"COPY orders_orderline ({', '.join(LINE_COLUMNS)}) FROM STDIN"
        with conn.cursor() as cur, cur.copy(sql) as copy:
            for row in _baseline_lines(lines, store_id, order_pks):
                copy.write_row(row)
        conn.commit()
        return orders_seconds, time.monotonic() - started


CHECK = """
from django.db.models import Sum
from shopops.orders.models import Order, OrderLine
shares = {
    o: s for o, s in OrderLine.objects.values_list("order_id").annotate(Sum("allocated_amount"))
}
paid = dict(Order.objects.values_list("pk", "paid_amount"))  # all: 1M ids are too many for IN
print(Order.objects.count(), OrderLine.objects.count(),
      sum(1 for o, s in shares.items() if s != paid[o]))
"""


def _count(database_url: str, var_dir: Path) -> tuple[int, int, int]:
    """Orders, order lines, and orders whose lines' shares do not add up to the paid amount."""
    env = _child_env(database_url, var_dir)
    out = _cli(env, "manage", "shell", "-c", CHECK)
    orders, lines, off = out.stdout.strip().splitlines()[-1].split()
    return int(orders), int(lines), int(off)


def _rate(rows: int, seconds: float) -> int:
    return round(rows / seconds) if seconds else 0


def run(lines: int, databases: list[str], fmt: str = "table") -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-"))
    print(f"generating {lines:,} order lines …", file=sys.stderr, flush=True)
    orders_file, lines_file, n_orders = generate(work, lines)
    files = (orders_file, lines_file)
    results = []
    for db in databases:
        if db == "sqlite":
            engine_url = f"sqlite:///{work / 'engine.sqlite3'}"
            base_url = f"sqlite:///{work / 'baseline.sqlite3'}"
            engine = engine_run(files, engine_url, work / "var-e")
            _add_store(_child_env(base_url, work / "var-b"))
            cpu = time.process_time()
            baseline = baseline_sqlite(files, work / "baseline.sqlite3")
            baseline_cpu = time.process_time() - cpu
            counts = (_count(engine_url, work / "var-e"), _count(base_url, work / "var-b"))
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
                engine = engine_run(files, engine_url, work / "var-pe")
                _add_store(_child_env(base_url, work / "var-pb"))
                cpu = time.process_time()
                baseline = baseline_postgres(files, base_url)
                baseline_cpu = time.process_time() - cpu
                counts = (_count(engine_url, work / "var-pe"), _count(base_url, work / "var-pb"))
            baseline_name = "csv + psycopg COPY"
        o, ol = engine["orders"], engine["order_lines"]
        o2, ol2 = engine["orders_again"], engine["order_lines_again"]
        o3, ol3 = engine["orders_reread"], engine["order_lines_reread"]
        first = o["seconds"] + ol["seconds"]
        again = o2["seconds"] + ol2["seconds"]
        reread = o3["seconds"] + ol3["seconds"]
        commands = o["wall_seconds"] + ol["wall_seconds"]
        again_commands = o2["wall_seconds"] + ol2["wall_seconds"]
        base_total = baseline[0] + baseline[1]
        results.append(
            {
                "database": db,
                "order_lines": lines,
                "orders": n_orders,
                "orders_seconds": round(o["seconds"], 2),
                "orders_per_second": _rate(n_orders, o["seconds"]),
                "order_lines_seconds": round(ol["seconds"], 2),
                "order_lines_per_second": _rate(lines, ol["seconds"]),
                "lines_per_second": _rate(n_orders + lines, first),
                "commands_seconds": round(commands, 2),
                "peak_rss_mb": round(engine["peak_rss_mb"], 1),
                "baseline": baseline_name,
                "baseline_orders_seconds": round(baseline[0], 2),
                "baseline_order_lines_seconds": round(baseline[1], 2),
                "baseline_lines_per_second": _rate(n_orders + lines, base_total),
                "ratio_orders": round(o["seconds"] / baseline[0], 2),
                "ratio_order_lines": round(ol["seconds"] / baseline[1], 2),
                "ratio": round(first / base_total, 2),
                "again_orders_seconds": round(o2["seconds"], 2),
                "again_order_lines_seconds": round(ol2["seconds"], 2),
                "again_unchanged": o2["unchanged"] + ol2["unchanged"],
                "again_changed": o2["inserted"] + o2["updated"] + ol2["inserted"] + ol2["updated"],
                "again_speed_up": round(first / again, 2) if again else None,
                "again_same_files": bool(o2["same_as"] and ol2["same_as"]),
                "again_commands_seconds": round(again_commands, 2),
                "again_commands_speed_up": round(commands / again_commands, 2),
                "reread_orders_seconds": round(o3["seconds"], 2),
                "reread_order_lines_seconds": round(ol3["seconds"], 2),
                "reread_unchanged": o3["unchanged"] + ol3["unchanged"],
                "reread_changed": o3["inserted"] + o3["updated"] + ol3["inserted"] + ol3["updated"],
                "reread_speed_up": round(first / reread, 2) if reread else None,
                "reread_cpu_seconds": round(o3["cpu_seconds"] + ol3["cpu_seconds"], 2),
                "cpu_seconds": round(o["cpu_seconds"] + ol["cpu_seconds"], 2),
                "again_cpu_seconds": round(o2["cpu_seconds"] + ol2["cpu_seconds"], 2),
                "baseline_cpu_seconds": round(baseline_cpu, 2),
                "rows_engine": counts[0][:2],
                "rows_baseline": counts[1][:2],
                "orders_with_shares_off": counts[0][2],
            }
        )
    if fmt == "json":
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(
                f"[{r['database']}] {r['orders']:,} orders + {r['order_lines']:,} lines: "
                f"orders {r['orders_seconds']} s ({r['orders_per_second']:,}/s, "
                f"{r['ratio_orders']}x), order lines {r['order_lines_seconds']} s "
                f"({r['order_lines_per_second']:,}/s, {r['ratio_order_lines']}x); together "
                f"{r['lines_per_second']:,} lines/s, {r['ratio']}x the baseline "
                f"({r['baseline']}: {r['baseline_orders_seconds']} s + "
                f"{r['baseline_order_lines_seconds']} s, {r['baseline_lines_per_second']:,} "
                f"lines/s); peak RSS {r['peak_rss_mb']} MB; again"
                f"{' (the same files, nothing changed since)' if r['again_same_files'] else ''}: "
                f"{r['again_orders_seconds']} s + {r['again_order_lines_seconds']} s, "
                f"{r['again_speed_up']}x faster (whole commands {r['commands_seconds']} s -> "
                f"{r['again_commands_seconds']} s, {r['again_commands_speed_up']}x), "
                f"{r['again_unchanged']:,} unchanged, {r['again_changed']} changed; every row "
                f"read again (--reread): {r['reread_orders_seconds']} s + "
                f"{r['reread_order_lines_seconds']} s, {r['reread_speed_up']}x faster, "
                f"{r['reread_unchanged']:,} unchanged, {r['reread_changed']} changed; "
                f"rows {r['rows_engine']} vs {r['rows_baseline']}, "
                f"orders whose shares miss the paid amount: {r['orders_with_shares_off']}; CPU "
                f"{r['cpu_seconds']} s (again {r['again_cpu_seconds']} s, reread "
                f"{r['reread_cpu_seconds']} s, baseline "
                f"{r['baseline_cpu_seconds']} s)"
            )
    expected = [n_orders, lines]
    ok = all(
        r["rows_engine"] == r["rows_baseline"] == expected
        and r["again_changed"] == r["reread_changed"] == 0
        and r["again_same_files"]
        and r["again_unchanged"] == r["reread_unchanged"] == sum(expected)
        and r["orders_with_shares_off"] == 0
        for r in results
    )
    return 0 if ok else 1
