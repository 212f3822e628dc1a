"""Stock over HTTP: levels, available-to-sell per channel (for syncing to the platforms)
and movements (receipt, adjustment, stock-take, transfer)."""

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from shopops.catalog.models import Sku
from shopops.core.access import get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.inventory import queries
from shopops.inventory.models import Warehouse
from shopops.inventory.movements import apply_movement

router = Router(tags=["inventory"], auth=ModuleAuth("inventory"))


@router.get("/available", summary="Available-to-sell per SKU for one sales channel")
def available(request, store: str, channel: str, sku: list[str] = Query(None)):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return queries.available_to_sell(target, channel, sku or None)


@router.get("/levels", summary="Stock per SKU and warehouse with alert state")
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


@router.post("/movements", summary="Receive, adjust, count or transfer stock")
def post_movement(request, payload: MovementIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    p = payload
    try:
        sku = Sku.objects.get(store=target, code=p.sku)
        wh = Warehouse.objects.get(store=target, code=p.warehouse)
    except (Sku.DoesNotExist, Warehouse.DoesNotExist):
        raise HttpError(
            422, f"sku/warehouse: {p.sku}@{p.warehouse} is not in {target.code}"
        ) from None
    try:
        move = apply_movement(
            request.auth, target, p.kind, sku, wh, p.quantity, p.reason, p.reference, p.to_warehouse
        )
    except ValidationError as exc:
        raise HttpError(
            422, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from None
    return {"kind": p.kind, "on_hand_after": move.on_hand_after if move else None}
