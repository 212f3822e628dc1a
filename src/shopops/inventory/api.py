"""Stock over HTTP: levels, available-to-sell per channel (for syncing to the platforms)
and movements (receipt, adjustment, stock-take, transfer)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from ninja import Query, Router, Schema

from shopops.catalog.models import Sku, Supplier
from shopops.core.access import get_scoped_or_404, redact
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
from shopops.inventory import drafting, purchasing, queries, replenishment
from shopops.inventory.models import PurchaseOrder, Warehouse
from shopops.inventory.movements import apply_movement

router = Router(tags=["inventory"], auth=ModuleAuth("inventory"))


class AvailableOut(Schema):
    sku: str
    on_hand: int
    reserved: int
    available: int
    buffer: int
    available_to_sell: int


class LevelOut(Schema):
    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    safety_stock: int
    warning_stock: int
    alert: str | None


class MovementOut(Schema):
    kind: str
    on_hand_after: int | None


class ExcludedOut(Schema):
    """An order line left out of the demand: a one-off bulk line, or a cancelled or
    refunded order's."""

    order_id: str
    day: str
    quantity: int
    reason: str


class SuggestionOut(Schema):
    sku: str
    model: str
    forecast_per_day: str
    available: int
    on_order: int
    safety_stock: int
    lead_days: int
    days_of_cover: str | None
    stockout_on: str | None
    reorder_point: int
    suggested: int
    # More than 3 x the largest 30 days of the year before: check by hand.
    review: bool
    largest_30_days: int
    excluded: list[ExcludedOut]
    # The rolling backtest of the last 8 weeks (null when the SKU's history is too short).
    why: str  # how the quantity is computed, in the request's language
    mase: float | None = None
    naive_mase: float | None = None
    wape: float | None = None


class ReadinessOut(Schema):
    sku: str
    expected: str
    needed: int
    available: int
    arriving: int
    short: int
    ready: bool


class PurchaseLineOut(Schema):
    id: int
    sku: str
    quantity: int
    received: int
    unit_cost: str | None = None  # absent for roles that must not see costs


class PurchaseOrderOut(Schema):
    number: str
    currency: str  # of the lines' unit costs (the store's)
    status: str
    supplier: str | None
    warehouse: str
    expected_at: str | None
    lines: list[PurchaseLineOut]


@router.get(
    "/available",
    response=responses({200: list[AvailableOut]}, 404),
    summary="Available-to-sell per SKU for one sales channel",
)
def available(request, store: str, channel: str, sku: list[str] = Query(None)):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return queries.available_to_sell(target, channel, sku or None)


@router.get(
    "/levels",
    response=responses({200: list[LevelOut]}, 404),
    summary="Stock per SKU and warehouse with alert state",
)
def levels(request, store: str, alert: str = ""):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return [
        {
            "sku": level.sku.code,
            "warehouse": level.warehouse.code,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.available,
            "safety_stock": level.safety_stock,
            "warning_stock": level.warning_stock,
            "alert": state,
        }
        for level, state in queries.levels(target, alert=alert)
    ]


class MovementIn(Schema):
    store: str
    kind: str  # receipt | adjustment | stocktake | transfer
    sku: str
    warehouse: str
    quantity: int
    reason: str = ""
    reference: str = ""
    to_warehouse: str = ""


@router.post(
    "/movements",
    response=responses({200: MovementOut}, 400, 404),
    summary="Receive, adjust, count or transfer stock",
)
def post_movement(request, payload: MovementIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    p = payload
    try:
        sku = Sku.objects.get(store=target, code=p.sku)
        wh = Warehouse.objects.get(store=target, code=p.warehouse)
    except (Sku.DoesNotExist, Warehouse.DoesNotExist):
        raise ValidationError({"sku": f"{p.sku}@{p.warehouse} is not in {target.code}"}) from None
    move = apply_movement(
        request.auth, target, p.kind, sku, wh, p.quantity, p.reason, p.reference, p.to_warehouse
    )
    return {"kind": p.kind, "on_hand_after": move.on_hand_after if move else None}


@router.get(
    "/replenishment",
    response=responses({200: list[SuggestionOut]}, 404),
    summary="Forecast, days of cover, stock-out date, what to order",
)
def replenishment_list(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return [
        {
            "sku": s.sku,
            "model": s.model,
            "forecast_per_day": str(s.daily),
            "available": s.available,
            "on_order": s.on_order,
            "safety_stock": s.safety,
            "lead_days": s.lead_days,
            "days_of_cover": None if s.days_of_cover is None else str(s.days_of_cover),
            "stockout_on": s.stockout_on.isoformat() if s.stockout_on else None,
            "reorder_point": s.reorder_point,
            "suggested": s.suggested,
            "review": s.review,
            "largest_30_days": s.largest_30,
            "why": replenishment.explain(s, (get_language() or "zh-hans").startswith("zh")),
            "mase": s.accuracy.mase if s.accuracy else None,
            "naive_mase": s.accuracy.naive_mase if s.accuracy else None,
            "wape": s.accuracy.wape if s.accuracy else None,
            "excluded": [
                {
                    "order_id": e.order_id,
                    "day": e.day.isoformat(),
                    "quantity": e.quantity,
                    "reason": e.reason,
                }
                for e in s.excluded
            ],
        }
        for s in replenishment.suggestions(target)
    ]


@router.get(
    "/readiness",
    response=responses({200: list[ReadinessOut]}, 404),
    summary="Flash-sale readiness: stock vs 1.2 × forecast demand",
)
def readiness(
    request,
    store: str,
    start: date,
    end: date,
    sku: list[str] = Query(...),
    uplift: Decimal = Decimal(1),
):
    target = get_scoped_or_404(Store, request.auth, code=store)
    if end < start:
        raise ValidationError({"end": "The campaign ends before it starts."})
    return [
        {
            "sku": r.sku,
            "expected": str(r.expected),
            "needed": r.needed,
            "available": r.available,
            "arriving": r.arriving,
            "short": r.short,
            "ready": r.ready,
        }
        for r in replenishment.readiness(target, sku, start, end, uplift)
    ]


class PurchaseLineIn(Schema):
    sku: str
    quantity: int
    unit_cost: Decimal | None = None


class PurchaseOrderIn(Schema):
    store: str
    warehouse: str
    supplier: str = ""
    expected_at: date | None = None
    note: str = ""
    lines: list[PurchaseLineIn]


def po_dict(po, user) -> dict:
    return {
        "number": po.number,
        "currency": po.store.currency,
        "status": po.status,
        "supplier": po.supplier.code if po.supplier else None,
        "warehouse": po.warehouse.code,
        "expected_at": po.expected_at.isoformat() if po.expected_at else None,
        "lines": [
            redact(
                {
                    "id": line.pk,
                    "sku": line.sku.code,
                    "quantity": line.quantity,
                    "received": line.received,
                    "unit_cost": None if line.unit_cost is None else str(line.unit_cost),
                },
                user,
            )
            for line in po.lines.select_related("sku").order_by("sku__code")
        ],
    }


@router.post(
    "/purchase-orders",
    response=responses({200: PurchaseOrderOut}, 400, 404),
    exclude_unset=True,
    summary="Draft a purchase order",
)
def create_purchase_order(request, payload: PurchaseOrderIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    wh = Warehouse.objects.filter(store=target, code=payload.warehouse).first()
    supplier = Supplier.objects.filter(store=target, code=payload.supplier).first()
    skus = {
        s.code: s for s in Sku.objects.filter(store=target, code__in=[x.sku for x in payload.lines])
    }
    missing = [x.sku for x in payload.lines if x.sku not in skus]
    errors = {}
    if wh is None:
        errors["warehouse"] = f"{payload.warehouse} is not in {target.code}"
    if payload.supplier and supplier is None:
        errors["supplier"] = f"{payload.supplier} is not in {target.code}"
    if missing:
        errors["lines"] = f"not in {target.code}: {', '.join(missing)}"
    if errors:
        raise ValidationError(errors)
    po = purchasing.create(
        request.auth,
        target,
        warehouse=wh,
        supplier=supplier,
        expected_at=payload.expected_at,
        note=payload.note,
        lines=[
            (skus[x.sku], x.quantity, x.unit_cost)
            if x.unit_cost is not None
            else (skus[x.sku], x.quantity)
            for x in payload.lines
        ],
    )
    return po_dict(po, request.auth)


class DraftLineIn(Schema):
    sku: str
    quantity: int


class DraftsIn(Schema):
    store: str
    warehouse: str
    lines: list[DraftLineIn]


@router.post(
    "/purchase-orders/drafts",
    response=responses({200: list[PurchaseOrderOut]}, 400, 404),
    exclude_unset=True,
    summary="Draft one purchase order per supplier (all or none)",
)
def draft_purchase_orders(request, payload: DraftsIn):
    """What the replenishment page's "Draft purchase orders" does: SKUs are grouped by their
    product's supplier into draft POs at the SKUs' unit costs; one transaction, so a
    refused line leaves no draft behind."""
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    wh = Warehouse.objects.filter(store=target, code=payload.warehouse).first()
    if wh is None:
        raise ValidationError({"warehouse": f"{payload.warehouse} is not in {target.code}"})
    made = drafting.draft_by_supplier(
        request.auth,
        target,
        warehouse=wh,
        lines=[(x.sku, x.quantity) for x in payload.lines],
    )
    return [po_dict(po, request.auth) for po in made]


class PurchaseActionIn(Schema):
    expected_at: date | None = None
    received: dict[str, int] = {}  # sku code -> units


@router.post(
    "/purchase-orders/{store}/{number}/{action}",
    response=responses({200: PurchaseOrderOut}, 400, 404),
    exclude_unset=True,
    summary="place, cancel or receive",
)
def purchase_order_action(request, store: str, number: str, action: str, payload: PurchaseActionIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    po = get_scoped_or_404(PurchaseOrder, request.auth, store=target, number=number)
    if action == "place":
        purchasing.place(request.auth, po, payload.expected_at)
    elif action == "cancel":
        purchasing.cancel(request.auth, po)
    elif action == "receive":
        lines = dict(po.lines.values_list("sku__code", "pk"))
        unknown = set(payload.received) - set(lines)
        if unknown:
            raise ValidationError({"received": f"not on {po.number}: {sorted(unknown)}"})
        purchasing.receive(request.auth, po, {lines[c]: n for c, n in payload.received.items()})
    else:
        raise ValidationError({"action": "One of place, cancel, receive."})
    po.refresh_from_db()
    return po_dict(po, request.auth)
