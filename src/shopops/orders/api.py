"""Orders over HTTP: channel intake, the order's actions and shipment tracking events."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from ninja import Body, Field, Router, Schema

from shopops.core import bounds
from shopops.core.access import get_scoped_or_404, personal
from shopops.core.access import mask_name as _mask_name
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
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


_MONEY = {
    "type": "string",
    "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
    "description": 'A decimal string, e.g. "99.00"; never a JSON number.',
    "example": "59.00",
}
_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with its zone, from 2000-01-01 to tomorrow in the store's zone.",
    "example": "2026-11-11T00:00:05+08:00",
}


def _text_field(limit: int, **extra) -> dict:
    return {"type": "string", "maxLength": limit, **extra}


# The body of POST /orders as OpenAPI describes it. The operation reads the raw JSON itself
# (orders.intake.clean) so that every invalid field gets its own message in `errors`.
INTAKE_BODY = {
    "type": "object",
    "required": ["store", "order_id", "created_at", "paid_amount", "lines"],
    "properties": {
        "store": _text_field(32, minLength=1, description="The store's code."),
        "order_id": _text_field(64, minLength=1),
        "created_at": _TIME,
        "paid_at": {**_TIME, "description": "Absent or null while unpaid; " + _TIME["description"]},
        "customer_id": _text_field(128),
        "paid_amount": _MONEY,
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": intake.MAX_LINES,
            "items": {
                "type": "object",
                "required": ["sku", "quantity", "unit_price"],
                "properties": {
                    "sku": _text_field(64, minLength=1),
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    "unit_price": _MONEY,
                },
            },
        },
        "shipping_address": {
            "type": "object",
            "properties": {
                "name": _text_field(200),
                "phone": _text_field(50),
                "province": _text_field(64),
                "city": _text_field(64),
                "district": _text_field(500),
                "address": _text_field(500, description="District and address at most 500."),
            },
        },
        "buyer_message": _text_field(2000),
        "channel": _text_field(64),
    },
}


class HoldOut(Schema):
    reason: str
    detail: str


class IntakeOut(Schema):
    """The intake's answer; the same answer again for a retry of the same order."""

    store: str
    order_id: str
    status: str
    allocated: bool
    holds: list[HoldOut]
    paid_amount: str


class OrderLineOut(Schema):
    sku: str
    quantity: int
    unit_price: str


class ShipmentOut(Schema):
    carrier: str
    tracking_no: str
    status: str


class OrderEventOut(Schema):
    at: str
    from_status: str = Field(alias="from")
    to: str
    note: str


class OrderOut(IntakeOut):
    """Times in ISO 8601 with their zone; the receiver masked without the permission."""

    channel: str
    created_at: str
    paid_at: str | None
    shipped_at: str | None
    delivered_at: str | None
    refunded_amount: str
    receiver_name: str
    receiver_phone: str
    province: str
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    events: list[OrderEventOut]


class AddedOut(Schema):
    added: int


def _errors(exc: ValidationError) -> JsonResponse:
    errors = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
    return JsonResponse(
        {"detail": "; ".join(f"{k}: {v}" for k, v in errors.items()), "errors": errors},
        status=422,
    )


def _conflict(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=409)


@router.post(
    "",
    response=responses({200: IntakeOut, 201: IntakeOut, 202: IntakeOut}, 400, 404, 409),
    summary="Receive an order from a channel",
    description=INTAKE_DOC,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": INTAKE_BODY}}, "required": True}
    },
)
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


@router.get(
    "/{store}/{order_id}",
    response=responses({200: OrderOut}, 404),
    by_alias=True,
    summary="One order with its lines, holds and history",
)
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
    response=responses({200: OrderOut}, 400, 404, 409),
    by_alias=True,
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


@shipments_router.post(
    "/events",
    response=responses({200: AddedOut}, 400, 404),
    summary="Record tracking events of a shipment",
)
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
