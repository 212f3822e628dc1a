"""Work done ahead of the first visitor, in one place the worker's tasks call: after new
facts land and after each morning's report, the lake is brought up to date (when kept),
the store's dashboard is computed into the metrics cache and its demand forecast made."""

from shopops.analytics import lake_refresh
from shopops.inventory.replenishment import forecast
from shopops.monitoring.dashboard import warm as warm_dashboard


def after_new_facts(store) -> None:
    if lake_refresh.EVERY > 0:
        lake_refresh.refresh_lake()
    warm_store(store)


def warm_store(store) -> None:
    warm_dashboard(store)
    forecast(store)  # a new day or new facts make a new forecast, not the first page view
