"""When the Parquet lake is brought up to date: after every import or batch of facts
(`monitoring.tasks.after_new_facts`) and every minute by the worker, each time only the
months the writers marked. Between two exports the DuckDB engine reads the marked days
live, so numbers never wait for this."""

import logging
import os

log = logging.getLogger(__name__)
EVERY = int(os.environ.get("SHOPOPS_LAKE_REFRESH_MINUTES", "1"))


def refresh_lake() -> dict | None:
    """Export what the writers marked since the last export (everything when the lake cannot
    be trusted); None when the lake was current."""
    from shopops.analytics import lake

    if not lake.pending():
        return None
    summary = lake.export(full=False)
    log.info("lake refreshed: %s rows written in %s s", summary["rows"], summary["seconds"])
    return summary
