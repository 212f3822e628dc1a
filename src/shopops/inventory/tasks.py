"""The worker makes each store's demand forecast, so the replenishment page reads one
instead of fitting it on the request: again once the store's facts changed (an order
arrived, an order was refunded), and for each new day soon after the store's midnight."""

from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from shopops.analytics.cache import versions


def run_inline() -> bool:
    """Whether tasks run at once in the caller (the tests, SHOPOPS_HUEY_IMMEDIATE)."""
    return HUEY.immediate


def refresh_forecast_soon(store) -> None:
    """Enqueue `refresh_forecast` once per version of the store's facts."""
    version = versions([store.pk])[store.pk]
    if cache.add(f"forecast:refresh:v1:{store.pk}:{version}", 1, 15 * 60):
        refresh_forecast(store.pk)


@db_task(retries=0)
def refresh_forecast(store_id: int):
    from shopops.core.models import Store
    from shopops.inventory.replenishment import forecast

    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        forecast(store)


@db_periodic_task(crontab(minute="*/10"))
@lock_task("forecast-new-day")
def forecast_new_day():
    """A store whose today has no forecast yet (a new day in its zone) gets one."""
    from shopops.core.models import Store
    from shopops.inventory.replenishment import forecast, latest_forecast

    for store in Store.objects.filter(is_active=True):
        if latest_forecast(store)[0] is None:
            forecast(store)
