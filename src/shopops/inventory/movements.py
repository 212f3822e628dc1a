"""A stock movement asked for by a person (page or API), with what follows it: a receipt
sends `signals.stock_arrived`, on which the orders app serves the stock-short orders waiting
in the exception queue, oldest first."""

from django.core.exceptions import ValidationError

from shopops.inventory import services, signals
from shopops.inventory.models import StockMovement, Warehouse

KINDS = ("receipt", "adjustment", "stocktake", "transfer")


def apply_movement(actor, store, kind, sku, warehouse, quantity, reason="", reference="", to=""):
    """One entry point for the page and the API; a receipt announces the stock after."""
    if kind == "receipt":
        move = services.receive(
            actor, store, sku, warehouse, quantity, reason=reason, reference=reference
        )
        signals.stock_arrived.send(sender=StockMovement, store=store, sku_ids=[sku.pk], actor=actor)
        return move
    if kind == "adjustment":
        return services.adjust(
            actor, store, sku, warehouse, quantity, reason=reason, reference=reference
        )
    if kind == "stocktake":
        return services.stocktake(
            actor, store, sku, warehouse, quantity, reason=reason, reference=reference
        )
    if kind == "transfer":
        target = Warehouse.objects.filter(store=store, code=to).first()
        if target is None:
            raise ValidationError({"to_warehouse": f"No warehouse {to!r} in this store."})
        return services.transfer(
            actor, store, sku, warehouse, target, quantity, reason=reason, reference=reference
        )
    raise ValidationError({"kind": "One of receipt, adjustment, stocktake, transfer."})
