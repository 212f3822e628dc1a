"""The worker's fulfilment sweeps: unpaid orders past their timeout are cancelled (every
minute), shipments gone late or silent become logistics exceptions (every hour)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(minute="*"))
@lock_task("cancel-unpaid")
def cancel_unpaid_orders():
    from shopops.orders.services import cancel_unpaid

    cancel_unpaid()


@db_periodic_task(crontab(minute="7"))
@lock_task("find-delays")
def find_logistics_delays():
    from shopops.core.models import Store
    from shopops.orders.tracking import find_delays

    for store in Store.objects.filter(is_active=True):
        find_delays(store)
