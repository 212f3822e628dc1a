"""Row locks of stock and purchasing, named once (the model is Saleor's `lock_objects.py`).

Stock rows are always locked in the order of (SKU, stock row id): allocation takes its
conditional UPDATEs in that order too, so two writers touching the same rows queue behind
each other instead of deadlocking. Call these inside a transaction; the locks are held
until it ends."""

from django.db.models import QuerySet

from shopops.inventory.models import PurchaseOrder, StockLevel


def stock_rows(store, sku_ids) -> QuerySet[StockLevel]:
    """The store's stock rows of these SKUs (every warehouse), in key order."""
    return (
        StockLevel.objects.select_for_update()
        .filter(store=store, sku_id__in=sku_ids)
        .order_by("sku_id", "pk")
    )


def stock_row(pk: int) -> StockLevel:
    """One stock row, e.g. while it is counted."""
    return StockLevel.objects.select_for_update().get(pk=pk)


def purchase_order(pk: int) -> PurchaseOrder:
    """A purchase order, while goods are received against it."""
    return PurchaseOrder.objects.select_for_update().get(pk=pk)


def demand_override(store, sku):
    """A SKU's demand override (made when first needed), while the team changes it."""
    from shopops.inventory.models import DemandOverride

    DemandOverride.objects.get_or_create(store=store, sku=sku)
    return DemandOverride.objects.select_for_update().get(store=store, sku=sku)
