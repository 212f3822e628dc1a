"""When the Parquet lake is re-exported. Between two exports the DuckDB engine reads the
live database, so numbers never wait for this."""

import logging
import os

log = logging.getLogger(__name__)
EVERY = int(os.environ.get("SHOPOPS_LAKE_REFRESH_MINUTES", "10"))


def refresh_lake() -> dict | None:
    """Export when some store's data moved on since the last export; None when current."""
    from shopops.analytics import lake, lake_read
    from shopops.core.models import Store

    stores = list(Store.objects.all())
    state, _ = lake_read.staleness(lake_read.default_dir(), stores)
    if state is not None and set(state.get("stores", {})) == {str(s.pk) for s in stores}:
        return None
    summary = lake.export()
    log.info("lake refreshed: %s rows written in %s s", summary["rows"], summary["seconds"])
    return summary
