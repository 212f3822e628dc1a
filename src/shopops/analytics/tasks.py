"""Keeps the Parquet lake (the DuckDB engine's columnar replica and the Spark engine's
input) current: every few minutes the worker exports what changed. Between two runs the
DuckDB engine reads the live database, so numbers never wait for this."""

import logging
import os

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

log = logging.getLogger(__name__)
EVERY = int(os.environ.get("SHOPOPS_LAKE_REFRESH_MINUTES", "10"))


def refresh_lake() -> dict | None:
    """Export when some store's data moved on since the last export; None when current."""
    from shopops.analytics import lake
    from shopops.core.models import Store

    stores = list(Store.objects.all())
    state, _ = lake.staleness(lake.default_dir(), stores)
    if state is not None and set(state.get("stores", {})) == {str(s.pk) for s in stores}:
        return None
    summary = lake.export()
    log.info("lake refreshed: %s rows written in %s s", summary["rows"], summary["seconds"])
    return summary


if EVERY > 0:

    @db_periodic_task(crontab(minute=f"*/{EVERY}"))
    @lock_task("refresh-lake")
    def refresh_lake_task():
        refresh_lake()


@db_task(retries=0)
def after_new_facts(store_id: int):
    """After an import: bring the lake up to date (when the lake is kept) and compute the
    store's dashboard and demand forecast, so the next person to open them does not wait
    for the numbers."""
    from shopops.core.models import Store
    from shopops.inventory.replenishment import forecast
    from shopops.web.dashboard import warm

    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return
    if EVERY > 0:
        refresh_lake()
    warm(store)
    forecast(store)
