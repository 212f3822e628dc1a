"""Orders over HTTP: channel intake, the order's actions and shipment tracking events."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from ninja import Body, Router, Schema

from shopops.core import bounds
from shopops.core.access import get_scoped_or_404, personal
from shopops.core.access import mask_name as _mask_name
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.orders import intake, services, states, tracking
from shopops.orders.models import Order

router = Router(tags=["orders"], auth=ModuleAuth("orders"))
shipments_router = Router(tags=["orders"], auth=ModuleAuth("orders"))

INTAKE_DOC = """Idempotent by (store, order_id): posting the same order again returns the first
answer. Body: `{store, order_id, created_at, paid_at?, customer_id?, paid_amount,
lines: [{sku, quantity, unit_price}], shipping_address?: {name, phone, province, city,
district, address}, buyer_message?, channel?}`; times in ISO 8601 with their zone.

A paid order reserves stock for all its lines or none. **201**: reserved, nothing to check.
**202**: accepted into the exception queue (`holds`: stock short 库存不足, incomplete address,
suspected duplicate, buyer message, high amount). **409**: the order was received with
different content, or cannot change so. **422**: invalid input, `errors` per field.

Bounds (422 naming the field): `created_at`/`paid_at` from 2000-01-01 to tomorrow in the
store's time zone; money as decimal strings (never JSON floats), at most 12 digits before
the point and 2 after; `quantity` a whole number from 1 to 2147483647; strings within their
column (order_id, sku, channel 64; customer_id 128; name 200; phone 50; province, city 64;
district + address 500; buyer_message 2000), valid Unicode without control characters, and
identifiers (store, order_id, sku, customer_id, channel) without bidirectional controls."""


def _errors(exc: ValidationError) -> JsonResponse:
    errors = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
    return JsonResponse(
        {"detail": "; ".join(f"{k}: {v}" for k, v in errors.items()), "errors": errors},
        status=422,
    )


def _conflict(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=409)


@router.post("", summary="Receive an order from a channel", description=INTAKE_DOC)
def post_order(request, payload: dict = Body(...)):  # noqa: B008 (ninja's declaration)
    try:
        code = bounds.check_model_text(
            payload.get("store"), "store", Store, "code", identifier=True
        )
    except bounds.OutOfBounds as exc:
        return _errors(ValidationError({exc.field: exc.message}))
    if not code:
        return _errors(ValidationError({"store": "Required: the store's code."}))
    store = get_scoped_or_404(Store, request.auth, code=code)
    try:
        answer = intake.receive(request.auth, store, payload)
    except ValidationError as exc:
        return _errors(exc)
    except (intake.Conflict, states.IllegalTransition) as exc:
        return _conflict(str(exc))
    return JsonResponse(answer.body, status=answer.status_code)


def order_dict(order: Order, user) -> dict:
    _code, body = intake.describe(order)
    return {
        **body,
        "channel": order.channel,
        "created_at": order.created_at.isoformat(),
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "shipped_at": order.shipped_at.isoformat() if order.shipped_at else None,
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "refunded_amount": str(order.refunded_amount),
        "receiver_name": personal(order.receiver_name, user, _mask_name),
        "receiver_phone": personal(order.receiver_phone, user),
        "province": order.province,
        "lines": [
            {"sku": x.sku_code, "quantity": x.quantity, "unit_price": str(x.unit_price)}
            for x in order.lines.order_by("line_no")
        ],
        "shipments": [
            {"carrier": s.carrier, "tracking_no": s.tracking_no, "status": s.status}
            for s in order.shipments.all()
        ],
        "events": [
            {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status, "note": e.note}
            for e in order.events.all()
        ],
    }


@router.get("/{store}/{order_id}", summary="One order with its lines, holds and history")
def get_order(request, store: str, order_id: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    order = get_scoped_or_404(Order, request.auth, store=target, order_id=order_id)
    return order_dict(order, request.auth)


class ActionIn(Schema):
    reason: str = ""
    note: str = ""
    carrier: str = ""
    tracking_no: str = ""
    amount: Decimal | None = None
    restock: bool = False
    at: datetime | None = None
    hold: str = ""


ACTIONS = ("pay", "audit", "ship", "deliver", "complete", "cancel", "refund", "resolve")


@router.post(
    "/{store}/{order_id}/{action}",
    summary="Act on an order: pay, audit, ship, deliver, complete, cancel, refund, resolve",
    description="409 with the reason when the order's status does not allow the action.",
)
def act(request, store: str, order_id: str, action: str, payload: ActionIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    order = get_scoped_or_404(Order, request.auth, store=target, order_id=order_id)
    user, p = request.auth, payload
    if action not in ACTIONS:
        return _errors(ValidationError({"action": f"One of {', '.join(ACTIONS)}."}))
    try:
        if p.at is not None:
            # The same window as intake's times: a payment in year 9999 breaks every page.
            if timezone.is_naive(p.at):
                raise ValidationError({"at": "Give the time zone, e.g. 2026-11-11T00:00:05+08:00."})
            bounds.check_event_time(p.at, "at", target.zone)
        if action == "pay":
            if p.at is None:
                raise ValidationError({"at": "The payment time is required."})
            services.pay(user, order, p.at, via="api")
        elif action == "audit":
            services.audit(user, order, via="api")
        elif action == "ship":
            services.ship(
                user, order, carrier=p.carrier, tracking_no=p.tracking_no, at=p.at, via="api"
            )
        elif action == "deliver":
            services.deliver(user, order, at=p.at, via="api")
        elif action == "complete":
            services.complete(user, order, at=p.at, via="api")
        elif action == "cancel":
            services.cancel(user, order, reason=p.reason, via="api")
        elif action == "refund":
            if p.amount is None:
                raise ValidationError({"amount": "Required."})
            services.refund(
                user, order, amount=p.amount, reason=p.reason, restock=p.restock, via="api"
            )
        else:
            services.resolve_hold(user, order, p.hold, p.note, via="api")
    except bounds.OutOfBounds as exc:
        return _errors(ValidationError({exc.field: exc.message}))
    except ValidationError as exc:
        return _errors(exc)
    except states.IllegalTransition as exc:
        return _conflict(str(exc))
    order.refresh_from_db()
    return order_dict(order, user)


class EventIn(Schema):
    at: datetime
    status: str
    location: str = ""
    description: str = ""


class TrackingIn(Schema):
    store: str
    carrier: str
    tracking_no: str
    events: list[EventIn]


@shipments_router.post("/events", summary="Record tracking events of a shipment")
def post_events(request, payload: TrackingIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    try:
        added = tracking.record_events(
            request.auth,
            target,
            payload.carrier,
            payload.tracking_no,
            [e.dict() for e in payload.events],
            via="api",
        )
    except ValidationError as exc:
        return _errors(exc)
    return {"added": added}
