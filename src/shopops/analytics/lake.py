"""The Parquet lake the spark engine reads: `./shopops lake export --to DIR`.

Each fact table is written under DIR/<table>/store_id=<id>/month=<YYYY-MM>/, with the local
day (and the buyer identity) already computed in the store's zone, so the catalog's
expressions run unchanged on Spark. Export is incremental: every (table, store, month)
partition carries a fingerprint (row count and a sum of row hashes, computed by DuckDB over
the live database's rows); only partitions whose fingerprint changed are rewritten, and partitions
that no longer have rows are removed. DIR/_state.json keeps the fingerprints.
"""

import json
import shutil
import time
from datetime import datetime
from pathlib import Path

from shopops.analytics.duckdb_engine import connect, oltp_relation, sql_literal
from shopops.analytics.lake_read import (
    STATE,
    database_key,
    default_dir,
    partition_dir,
    read_state,
    store_stamp,
)


def _zone_sql(stores, column: str) -> str:
    if not stores:
        return "'UTC'"
    cases = " ".join(f"WHEN {int(s.pk)} THEN {sql_literal(s.timezone)}" for s in stores)
    return f"CASE {column} {cases} ELSE 'UTC' END"


def _sources(con, stores) -> dict:
    """For each table, a function giving its SELECT with store_id and month for
    partitioning; each reads its OLTP rows only when called, one table at a time."""
    zone = _zone_sql(stores, "o.store_id")

    def paid():
        raw = oltp_relation(
            con,
            "orders_order",
            "id, store_id, customer_id, paid_at, paid_amount, refunded_amount, channel, province",
            "paid_at IS NOT NULL",
        )
        day = f"CAST(timezone({zone}, o.paid_at::TIMESTAMPTZ) AS DATE)"
        return f"SELECT o.*, {day} AS day FROM {raw} o"

    def orders():
        return f"""
            SELECT o.store_id, strftime(o.day, '%Y-%m') AS month, o.id,
                   CAST(o.customer_id AS BIGINT) AS customer_id,
                   coalesce(o.customer_id, -o.id) AS buyer, o.day,
                   CAST(o.paid_amount AS DECIMAL(18,2)) AS paid_amount,
                   CAST(coalesce(o.refunded_amount, 0) AS DECIMAL(18,2)) AS refunded_amount,
                   o.channel, o.province
            FROM ({paid()}) o
        """

    def lines():
        raw = oltp_relation(
            con,
            "orders_orderline",
            "order_id, line_no, sku_code, category, quantity, allocated_amount, unit_cost",
        )
        return f"""
            SELECT o.store_id, strftime(o.day, '%Y-%m') AS month, l.order_id,
                   coalesce(o.customer_id, -o.id) AS buyer, o.day, o.channel, o.province,
                   CAST(l.line_no AS BIGINT) AS line_no, l.sku_code, l.category,
                   CAST(l.quantity AS BIGINT) AS quantity,
                   CAST(l.allocated_amount AS DECIMAL(18,2)) AS line_gmv,
                   CAST(coalesce(l.unit_cost, 0) AS DECIMAL(18,4)) AS unit_cost
            FROM {raw} l JOIN ({paid()}) o ON l.order_id = o.id
        """

    def traffic():
        facts = oltp_relation(
            con,
            "marketing_trafficfact",
            "store_id, date, source, sku_code, visitors, page_views, impressions, clicks",
        )
        skus = oltp_relation(con, "catalog_sku", "store_id, code, product_id")
        products = oltp_relation(con, "catalog_product", "id, category")
        return f"""
            SELECT t.store_id, strftime(CAST(t.date AS DATE), '%Y-%m') AS month,
                   CAST(t.date AS DATE) AS day, t.source, t.sku_code,
                   coalesce(c.category, '') AS category,
                   CAST(t.visitors AS BIGINT) AS visitors,
                   CAST(t.page_views AS BIGINT) AS page_views,
                   CAST(t.impressions AS BIGINT) AS impressions,
                   CAST(t.clicks AS BIGINT) AS clicks
            FROM {facts} t
            LEFT JOIN (
                SELECT k.store_id, k.code, p.category
                FROM {skus} k JOIN {products} p ON k.product_id = p.id
            ) c ON c.store_id = t.store_id AND c.code = t.sku_code AND t.sku_code <> ''
        """

    def ads():
        facts = oltp_relation(
            con,
            "marketing_adfact",
            "store_id, date, channel, plan, keyword, impressions, clicks, cost, gmv",
        )
        return f"""
            SELECT store_id, strftime(CAST(date AS DATE), '%Y-%m') AS month,
                   CAST(date AS DATE) AS day, channel, plan, keyword,
                   CAST(impressions AS BIGINT) AS impressions, CAST(clicks AS BIGINT) AS clicks,
                   CAST(cost AS DECIMAL(18,2)) AS cost, CAST(gmv AS DECIMAL(18,2)) AS gmv
            FROM {facts}
        """

    return {"orders": orders, "lines": lines, "traffic": traffic, "ads": ads}


def export(lake: Path | None = None, progress=None) -> dict:
    """Bring the lake up to date with the live database; returns what was written."""
    from shopops.analytics.cache import versions
    from shopops.core.models import Store

    lake = Path(lake or default_dir())
    lake.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stores = list(Store.objects.all())
    # Versions before the scan: a write committed meanwhile leaves the lake marked stale.
    stamp = versions([s.pk for s in stores])
    state = read_state(lake)
    old = state.get("partitions", {})
    new: dict[str, dict[str, str]] = {}
    summary = {"tables": {}, "rows": 0}
    con = connect()
    try:
        for table, sql in _sources(con, stores).items():
            if progress:
                progress(f"{table} …")
            con.execute(f"CREATE TEMP TABLE x AS {sql()}")
            prints = {
                f"{store_id}/{month}": f"{n}:{h}"
                for store_id, month, n, h in con.execute(
                    "SELECT store_id, month, count(*), sum(hash(x)::HUGEINT) FROM x GROUP BY ALL"
                ).fetchall()
            }
            before = old.get(table, {})
            changed = sorted(k for k, v in prints.items() if before.get(k) != v)
            removed = sorted(set(before) - set(prints))
            for key in [*changed, *removed]:
                shutil.rmtree(partition_dir(lake, table, *key.split("/")), ignore_errors=True)
            rows = 0
            if changed:
                con.execute("CREATE TEMP TABLE todo (store_id BIGINT, month VARCHAR)")
                con.executemany(
                    "INSERT INTO todo VALUES (?, ?)",
                    [(int(k.split("/")[0]), k.split("/")[1]) for k in changed],
                )
                rows = con.execute(
                    "SELECT count(*) FROM x SEMI JOIN todo USING (store_id, month)"
                ).fetchone()[0]
                con.execute(
                    f"""
                    COPY (SELECT * FROM x SEMI JOIN todo USING (store_id, month))
                    TO {sql_literal(str(lake / table))}
                    (FORMAT parquet, PARTITION_BY (store_id, month), OVERWRITE_OR_IGNORE true,
                     FILENAME_PATTERN 'part_{{uuid}}')
                    """
                )
                con.execute("DROP TABLE todo")
            con.execute("DROP TABLE x")
            new[table] = prints
            summary["tables"][table] = {
                "partitions": len(prints),
                "written": len(changed),
                "removed": len(removed),
                "rows": rows,
            }
            summary["rows"] += rows
    finally:
        con.close()
    state = {
        "exported_at": datetime.now().astimezone().isoformat(),
        "database": database_key(),
        "stores": {str(s.pk): store_stamp(s, stamp[s.pk]) for s in stores},
        "partitions": new,
    }
    tmp = lake / (STATE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(lake / STATE)
    summary["seconds"] = round(time.monotonic() - started, 2)
    summary["dir"] = str(lake)
    return summary
