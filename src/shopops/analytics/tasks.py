"""Keeps the Parquet lake (the DuckDB engine's columnar replica and the Spark engine's
input) current: every few minutes the worker exports what changed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from shopops.analytics.lake_refresh import EVERY, refresh_lake

if EVERY > 0:

    @db_periodic_task(crontab(minute=f"*/{EVERY}"))
    @lock_task("refresh-lake")
    def refresh_lake_task():
        refresh_lake()
