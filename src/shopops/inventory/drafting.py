"""Drafting purchase orders from the reorder suggestions: one draft per supplier, all of
them or none. The replenishment page and `POST /api/v1/inventory/purchase-orders/drafts`
both call `draft_by_supplier`."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shopops.catalog.models import Sku, Supplier
from shopops.inventory import purchasing
from shopops.inventory.models import PurchaseOrder

# A purchase order line holds a PositiveIntegerField: its range, refused before the database.
MAX_UNITS = 2_147_483_647


@transaction.atomic
def draft_by_supplier(
    actor, store, *, warehouse, lines: Iterable[tuple[str, int]]
) -> list[PurchaseOrder]:
    """One draft PO per supplier of the SKUs in `lines` ((SKU code, units) pairs; a SKU
    given twice is ordered once with the units added up), receiving into `warehouse`.
    SKUs whose product has no supplier share one PO without a supplier. Suppliers come in
    the order their first SKU is given. One transaction: when any draft fails, none is
    kept. Unit costs are the SKUs' costs."""
    wanted = list(lines)
    if not wanted:
        raise ValidationError({"lines": _("Tick the SKUs to order and give their quantities.")})
    if warehouse.store_id != store.pk:
        raise ValidationError({"warehouse": _("Not a warehouse of this store.")})
    codes = [code for code, _units in wanted]
    skus = {
        s.code: s for s in Sku.objects.filter(store=store, code__in=codes).select_related("product")
    }
    unknown = sorted(set(codes) - set(skus))
    if unknown:
        raise ValidationError(
            {"sku": _("Not SKUs of this store: %(c)s") % {"c": ", ".join(unknown)}}
        )
    by_supplier: dict[int | None, dict[str, int]] = {}
    for code, units in wanted:
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValidationError({"quantity": _("%(sku)s: order at least 1.") % {"sku": code}})
        ordered = by_supplier.setdefault(skus[code].product.supplier_id, {})
        ordered[code] = ordered.get(code, 0) + units
        if ordered[code] > MAX_UNITS:
            raise ValidationError(
                {"quantity": _("%(sku)s: at most %(n)d units.") % {"sku": code, "n": MAX_UNITS}}
            )
    suppliers = Supplier.objects.filter(store=store).in_bulk([k for k in by_supplier if k])
    return [
        purchasing.create(
            actor,
            store,
            warehouse=warehouse,
            supplier=suppliers.get(supplier_id),
            lines=[(skus[code], units) for code, units in ordered.items()],
        )
        for supplier_id, ordered in by_supplier.items()
    ]
