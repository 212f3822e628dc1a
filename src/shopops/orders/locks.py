"""Row locks of orders and their logistics cases, named once (the model is Saleor's
`lock_objects.py`). Call these inside a transaction; the locks are held until it ends."""

from shopops.orders.models import DelayCase, Order


def order(pk: int) -> Order:
    """An order with its store, while an action changes it. Only the order's row is locked
    (`of=("self",)`): the store is read with it, not locked, so actions on different orders
    of one store do not queue behind each other on the store's row."""
    return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=pk)


def delay_case(pk: int) -> DelayCase:
    """A logistics exception case, while it is handled."""
    return DelayCase.objects.select_for_update().get(pk=pk)


def fulfilment_settings(store):
    """A store's fulfilment rules (None when it has none yet), while the team changes them."""
    from shopops.orders.models import FulfilmentSettings

    return FulfilmentSettings.objects.select_for_update().filter(store=store).first()
