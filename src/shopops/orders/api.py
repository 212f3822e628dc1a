"""Orders over HTTP: channel intake, the order's actions and shipment tracking events."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestInvalid
from pydantic import (
    BaseModel,
    BeforeValidator,
    PlainValidator,
    SkipValidation,
    WithJsonSchema,
    model_validator,
)
from pydantic import ValidationError as PydanticInvalid
from pydantic_core import PydanticCustomError

from shopops.core import bounds, validation
from shopops.core.access import get_scoped_or_404, personal
from shopops.core.access import mask_name as _mask_name
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.numbers import price_text
from shopops.core.schemas import responses
from shopops.customers.models import Customer
from shopops.orders import group_commit, intake, services, states, tracking
from shopops.orders.models import Order, OrderLine

router = Router(tags=["orders"], auth=ModuleAuth("orders"))
shipments_router = Router(tags=["orders"], auth=ModuleAuth("orders"))

INTAKE_DOC = """Idempotent by (store, order_id): posting the same order again returns the first
answer. The body is `OrderIn`; times in ISO 8601 with their zone.

A paid order reserves stock for all its lines or none. **201**: reserved, nothing to check.
**202**: accepted into the exception queue (`holds`: stock short 库存不足, incomplete address,
suspected duplicate, buyer message, high amount). **409**: the order was received with
different content, or cannot change so. **422**: invalid input, `errors` by field path
(`lines[0].sku`), every refused field at once.

Bounds (422 naming the field), beyond each field's own: `created_at`/`paid_at` from
2000-01-01 to tomorrow in the store's time zone, paid not before created; each line's amount
and the goods' total within the order's money columns; district + address together within
the address column; every SKU in the store; text valid Unicode without control characters,
and identifiers (store, order_id, sku, customer_id, channel) without bidirectional
controls."""


# --- The intake's body -------------------------------------------------------------------
# The schema checks what JSON sends (a string, a whole number, an object, a list; never a
# float for money); intake.clean checks the values, with the store at hand (its zone, its
# SKUs), so that one answer names every refused field. The limits documented here are the
# model's columns, which intake.clean enforces (core.bounds).


def _refused(why) -> PydanticCustomError:
    return PydanticCustomError("json_type", "{why}", {"why": str(why)})


def _said_by(check):
    """The message core.bounds gives for a value of a type it never takes."""

    def why(value) -> str:
        try:
            check(value, "")
        except bounds.OutOfBounds as exc:
            return exc.message
        raise AssertionError(f"{check.__name__} took {type(value).__name__}")

    return why


def _json(accepts: tuple[type, ...], why, schema: dict) -> Any:
    """A body field JSON sends as one of `accepts` (or null); any other type is refused
    with why(value). True and False are never numbers."""

    def check(value):
        if value is None or (isinstance(value, accepts) and not isinstance(value, bool)):
            return value
        raise _refused(why(value))

    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


def _text(model, name: str, **extra) -> Any:
    schema = {"type": "string", "maxLength": bounds.max_length(model, name), **extra}
    # A whole number is written out (numeric order ids), as core.bounds.check_text does.
    return _json((str, int), _said_by(lambda v, f: bounds.check_text(v, f, 0)), schema)


def _money(model, name: str) -> Any:
    places = bounds.model_decimal(model, name)
    whole = places["max_digits"] - places["decimal_places"]
    schema = {
        "type": "string",
        "pattern": rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{places['decimal_places']}}})?$",
        "description": 'A decimal string, e.g. "99.00" (or a whole number); never a float.',
        "example": "59.00",
    }
    return _json((str, int), _said_by(bounds.decimal_from_json), schema)


_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with its zone, from 2000-01-01 to tomorrow in the store's zone.",
    "example": "2026-11-11T00:00:05+08:00",
}
_NOT_A_TIME = gettext_lazy("An ISO 8601 time with its zone, e.g. 2026-11-11T00:00:05+08:00.")
Time = _json((str,), lambda v: _NOT_A_TIME, _TIME)
PaidAt = _json(
    (str,),
    lambda v: _NOT_A_TIME,
    {"anyOf": [_TIME, {"type": "null"}], "description": "Absent or null while unpaid."},
)
Quantity = _json(
    (int,),
    lambda v: gettext_lazy("A whole number above 0."),
    {"type": "integer", "minimum": 1, "maximum": bounds.integer_range(OrderLine, "quantity")[1]},
)


class _Object(BaseModel):
    """A JSON object of the body (unknown keys are ignored); anything else is refused with
    the class's `not_an_object`."""

    not_an_object: ClassVar[Any] = gettext_lazy("An object.")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        if isinstance(value, dict):
            return value
        raise _refused(cls.not_an_object)


class LineIn(_Object):
    not_an_object: ClassVar[Any] = gettext_lazy("An object with sku, quantity and unit_price.")

    sku: _text(OrderLine, "sku_code", minLength=1)
    quantity: Quantity
    unit_price: _money(OrderLine, "unit_price")


class AddressIn(_Object):
    """The receiver; district and address are stored together, within 500 characters."""

    not_an_object: ClassVar[Any] = gettext_lazy("An object: name, phone, province, city, address.")

    name: _text(Order, "receiver_name") = None
    phone: _text(Order, "receiver_phone") = None
    province: _text(Order, "province") = None
    city: _text(Order, "city") = None
    district: _text(Order, "receiver_address") = None
    address: _text(Order, "receiver_address") = None


def _lines(value):
    """null is no line (intake.clean says at least one); more than MAX_LINES are refused
    before each is read."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _refused(
            gettext_lazy("A list of lines, each an object with sku, quantity and unit_price.")
        )
    if len(value) > intake.MAX_LINES:
        raise _refused(gettext_lazy("At most %(n)d lines.") % {"n": intake.MAX_LINES})
    return value


class OrderIn(_Object):
    """An order as a channel posts it. Money as decimal strings, times with their zone."""

    store: _text(Store, "code", minLength=1, description="The store's code.")
    order_id: _text(Order, "order_id", minLength=1)
    created_at: Time
    paid_at: PaidAt = None
    customer_id: _text(Customer, "platform_id") = None
    paid_amount: _money(Order, "paid_amount")
    lines: Annotated[
        list[LineIn],
        BeforeValidator(_lines),
        Field(json_schema_extra={"minItems": 1, "maxItems": intake.MAX_LINES}),
    ]
    shipping_address: AddressIn | None = None
    buyer_message: _text(Order, "buyer_message") = None
    channel: _text(Order, "channel") = None


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


BATCH_MAX = 1000

BATCH_DOC = f"""Up to {BATCH_MAX:,} orders in one request, each received exactly as `POST /orders`
receives it: the same checks, idempotency by (store, order_id), stock reserved all or none
per order, in the same lock order. `answers[i]` is what `POST /orders` would have answered
the i-th order: its `status_code` (200, 201, 202, 404, 409, 422) and its `body` (IntakeOut,
or `detail` and for 422 `errors` by field path within the order).

Orders are received in the order posted, as if one after another: new orders that follow
each other in one store are written together in one transaction, with stock reserved all or
none per order in the same lock order; a retry, a payment or any other order is received on
its own in its place (an order another call is receiving at the same moment: after the
new orders, as that call answered it). One order's refusal (422, 409, 404, stock short)
undoes nothing of the others, and an order answered has been committed. If the request
fails as a whole (a 5xx, a lost connection), some orders may have been received: post the
same batch again and those are answered from their receipts. The whole request is refused
(422) only when it is not `{{"orders": [...]}}` with 1 to {BATCH_MAX:,} items."""


def _batch_orders(value):
    """A list of 1 to BATCH_MAX items; each item is checked as OrderIn on its own."""
    if not isinstance(value, list):
        raise _refused(gettext_lazy("A list of orders, each as POST /orders takes it."))
    if not value:
        raise _refused(gettext_lazy("At least one order."))
    if len(value) > BATCH_MAX:
        raise _refused(gettext_lazy("At most %(n)d orders.") % {"n": BATCH_MAX})
    return value


class BatchIn(Schema):
    """Orders as `POST /orders` takes them (OrderIn). Each is checked on its own, so that a
    bad order is answered 422 in its place without refusing the batch."""

    orders: Annotated[
        SkipValidation[list[OrderIn]],
        BeforeValidator(_batch_orders),
        Field(json_schema_extra={"minItems": 1, "maxItems": BATCH_MAX}),
    ]


class BatchAnswerOut(Schema):
    status_code: int = Field(description="What POST /orders answers this order.")
    body: dict[str, Any] = Field(
        description="IntakeOut for 200, 201 and 202; `detail` (and `errors` for 422) else."
    )


class BatchOut(Schema):
    """One answer per posted order, in the order posted."""

    answers: list[BatchAnswerOut]


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

    currency: str  # of every amount of the order (the store's)
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


def _conflict(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=409)


class _Stores:
    """The stores an intake request names, each looked up once (with its fulfilment rules,
    which intake then reads from it) and with one SKU lookup for all of a batch's orders."""

    def __init__(self, user, orders=()):
        self.user = user
        self.orders = orders
        self.found: dict[str, tuple] = {}

    def get(self, code: str):
        if code not in self.found:
            try:
                store = get_scoped_or_404(
                    Store.objects.select_related("fulfilment_settings"), self.user, code=code
                )
            except Http404 as exc:
                self.found[code] = (None, None, str(exc))
            else:
                skus = intake.Skus(store)
                skus.prefetch(
                    x for x in self.orders if isinstance(x, dict) and x.get("store") == code
                )
                self.found[code] = (store, skus, None)
        store, skus, refused = self.found[code]
        if refused is not None:
            raise Http404(refused)  # a new one for each order: raised in its own request
        return store, skus


def _store_of(data: dict, stores: _Stores):
    """The store an order names (with its SKU lookups), or the 422 or 404 raised."""
    code = bounds.check_model_text(data["store"], "store", Store, "code", identifier=True)
    if not code:
        raise ValidationError({"store": "Required: the store's code."})
    return stores.get(code)


def _receive_all(user, orders: list[dict], stores: _Stores) -> list:
    """Orders (as OrderIn gives them) received as intake.receive_many receives them, each
    store looked up once: for each, its Answer or what refused it (returned, not raised)."""
    results: list = [None] * len(orders)
    ready = []  # (position, store, cleaned)
    for i, data in enumerate(orders):
        try:
            store, skus = _store_of(data, stores)
            ready.append((i, store, intake.clean(store, data, skus)))
        except (ValidationError, bounds.OutOfBounds, Http404, HttpError) as exc:
            results[i] = exc
    if len(ready) == 1:  # receive()'s own path: cheaper for one order than a batch of one
        i, store, cleaned = ready[0]
        digest = intake.fingerprint(cleaned)
        results[i] = intake.answer_or_refusal(user, store, cleaned, digest, "api")
    elif ready:
        received = intake.receive_many(user, [(s, c) for _i, s, c in ready])
        for (i, _s, _c), result in zip(ready, received, strict=True):
            results[i] = result
    return results


def _receive_group(calls: list[tuple]) -> list:
    """The POST /orders calls of one user that reached this worker together, received
    together (group_commit): (user, order) each."""
    user = calls[0][0]
    orders = [data for _user, data in calls]
    return _receive_all(user, orders, _Stores(user, orders))


def _receive_alone(call: tuple):
    """One POST /orders call on its own: a lone call, or each call of a group that failed
    (those it stored are answered from their receipts)."""
    user, data = call
    return _receive_all(user, [data], _Stores(user))[0]


# A flash sale's single calls, each written with the ones its worker receives meanwhile.
_single_calls = group_commit.GroupCommit(_receive_group, _receive_alone)


@router.post(
    "",
    response=responses({200: IntakeOut, 201: IntakeOut, 202: IntakeOut}, 400, 404, 409),
    summary="Receive an order from a channel",
    description=INTAKE_DOC,
)
def post_order(request, payload: OrderIn):
    # One run for the calls of one user in one language: the run records its user as the
    # actor, and its refusals are worded in the language active where it runs.
    key = (request.auth.pk, get_language())
    result = _single_calls.submit(key, (request.auth, payload.model_dump()))
    if isinstance(result, (intake.Conflict, states.IllegalTransition)):
        return _conflict(str(result))
    if isinstance(result, Exception):
        raise result  # answered by the API's handlers (422, 404)
    return JsonResponse(result.body, status=result.status_code)


def _refusal(exc) -> tuple[int, dict]:
    """What the API's handlers answer POST /orders for what it raises (core.validation's one
    422, django-ninja's 404 and HTTP errors), so that a batch answers it in the order's
    place; the batch test compares the two."""
    if isinstance(exc, ValidationError):
        return 422, validation.refusal(validation.field_errors(exc))
    if isinstance(exc, bounds.OutOfBounds):
        return 422, validation.refusal({exc.field: exc.message})
    if isinstance(exc, RequestInvalid):
        return 422, validation.refusal(validation.request_errors(exc.errors))
    if isinstance(exc, Http404):
        return 404, {"detail": "Not Found" + (f": {exc}" if settings.DEBUG else "")}
    return exc.status_code, {"detail": str(exc)}


@router.post(
    "/batch",
    response=responses({200: BatchOut}, 400),
    summary="Receive up to 1,000 orders from a channel, each as POST /orders would",
    description=BATCH_DOC,
)
def post_batch(request, payload: BatchIn):
    answers: list = [None] * len(payload.orders)
    valid = []  # (position, order)
    for i, item in enumerate(payload.orders):
        try:
            order = OrderIn.model_validate(item)
        except PydanticInvalid as exc:
            # As django-ninja reports the body of POST /orders (its parameter `payload`).
            answers[i] = _refusal(
                RequestInvalid(
                    [
                        {**e, "loc": ["body", "payload", *e["loc"]]}
                        for e in exc.errors(
                            include_url=False, include_context=False, include_input=False
                        )
                    ]
                )
            )
        else:
            valid.append((i, order.model_dump()))
    orders = [data for _i, data in valid]
    received = _receive_all(request.auth, orders, _Stores(request.auth, payload.orders))
    for (i, _data), result in zip(valid, received, strict=True):
        if isinstance(result, (intake.Conflict, states.IllegalTransition)):
            answers[i] = 409, {"detail": str(result)}
        elif isinstance(result, Exception):
            answers[i] = _refusal(result)
        else:
            answers[i] = result.status_code, result.body
    return {"answers": [{"status_code": code, "body": body} for code, body in answers]}


def order_dict(order: Order, user) -> dict:
    _code, body = intake.describe(order)
    return {
        **body,
        "currency": order.store.currency,
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
            {"sku": x.sku_code, "quantity": x.quantity, "unit_price": price_text(x.unit_price)}
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


# "audit" is the former name of "review" (审单), still accepted.
ACTIONS = ("pay", "review", "audit", "ship", "deliver", "complete", "cancel", "refund", "resolve")


@router.post(
    "/{store}/{order_id}/{action}",
    response=responses({200: OrderOut}, 400, 404, 409),
    by_alias=True,
    summary="Act on an order: pay, review (or audit), ship, deliver, complete, cancel, refund, "
    "resolve",
    description="409 with the reason when the order's status does not allow the action.",
)
def act(request, store: str, order_id: str, action: str, payload: ActionIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    order = get_scoped_or_404(Order, request.auth, store=target, order_id=order_id)
    user, p = request.auth, payload
    if action not in ACTIONS:
        raise ValidationError({"action": f"One of {', '.join(ACTIONS)}."})
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
        elif action in ("review", "audit"):
            services.review_order(user, order, via="api")
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
    added = tracking.record_events(
        request.auth,
        target,
        payload.carrier,
        payload.tracking_no,
        [e.dict() for e in payload.events],
        via="api",
    )
    return {"added": added}
