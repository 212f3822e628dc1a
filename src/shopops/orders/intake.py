"""Orders posted by channels (POST /api/v1/orders), idempotent by (store, order_id).

The first call of an order is answered and its answer kept (IntakeReceipt); a retry with
the same content gets the same answer, content that differs is refused. An unpaid order
posted again once paid is its payment. Concurrent duplicates are settled by the unique
constraints: the loser's transaction rolls back and it returns the winner's answer.

What one intake costs is kept small on purpose (a test counts it): the receipt is read
first (a retry needs nothing else), the order is not looked up before it is inserted (the
unique constraint says whether it exists), SKUs come in one query, the store's fulfilment
rules with the store when the caller read it with them, lines, events and holds are each
one INSERT, and the review rules run before the stock rows are locked, so the lock is held
only for the reservation and the writes that follow it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.analytics.cache import facts_changed
from shopops.catalog.models import Sku
from shopops.core import bounds
from shopops.core.audit import acting_user
from shopops.core.models import Store
from shopops.customers.models import Customer
from shopops.orders import services
from shopops.orders.models import (
    FulfilmentSettings,
    IntakeReceipt,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)

CENT = Decimal("0.01")
MAX_LINES = 200
# The receiver's fields of `shipping_address` and the Order field each is stored in;
# district and address are stored together in receiver_address.
ADDRESS_FIELDS = {
    "name": "receiver_name",
    "phone": "receiver_phone",
    "province": "province",
    "city": "city",
    "district": "receiver_address",
    "address": "receiver_address",
}


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict


class Skus:
    """A store's SKUs by code, each code asked of the database at most once: one intake asks
    once for its lines, a batch once for all its orders (`prefetch`)."""

    def __init__(self, store):
        self.store = store
        self.found: dict[str, Sku] = {}
        self.asked: set[str] = set()

    def of(self, codes) -> dict[str, Sku]:
        ask = set(codes) - self.asked
        if ask:
            self.found.update(
                (s.code, s)
                for s in Sku.objects.filter(store=self.store, code__in=ask).select_related(
                    "product"
                )
            )
            self.asked |= ask
        return {c: self.found[c] for c in codes if c in self.found}

    def prefetch(self, orders) -> None:
        """The codes of these raw orders' lines that clean() would look up, in one query."""
        codes = set()
        for data in orders:
            lines = data.get("lines") if isinstance(data, dict) else None
            for line in lines if isinstance(lines, list) else ():
                code = line.get("sku") if isinstance(line, dict) else None
                try:
                    code = bounds.check_model_text(
                        code, "sku", OrderLine, "sku_code", identifier=True
                    )
                except bounds.OutOfBounds:
                    continue
                if code:
                    codes.add(code)
        self.of(codes)


def rules_of(store) -> FulfilmentSettings:
    """The store's fulfilment rules: from the store when it was read with them
    (select_related("fulfilment_settings")), else one query."""
    if Store.fulfilment_settings.is_cached(store):
        try:
            return store.fulfilment_settings
        except FulfilmentSettings.DoesNotExist:
            return FulfilmentSettings(store=store)
    return FulfilmentSettings.of(store)


def _checked(errors: dict, check, *args, **kwargs):
    """check(*args, **kwargs), or None with its message filed under its field."""
    try:
        return check(*args, **kwargs)
    except bounds.OutOfBounds as exc:
        errors.setdefault(exc.field, exc.message)
        return None


def _money(value, where: str, errors: dict, model=Order, name="paid_amount") -> Decimal | None:
    if value is None or value == "":
        errors[where] = _('Required: an amount as a decimal string, e.g. "99.00".')
        return None
    amount = _checked(errors, bounds.decimal_from_json, value, where)
    if amount is None:
        return None
    return _checked(
        errors, bounds.check_decimal, amount, where, **bounds.model_decimal(model, name)
    )


def _when(value, where: str, errors: dict, zone) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors[where] = _("Not an ISO 8601 time: %(v)r.") % {"v": value[:40]}
            return None
    elif not isinstance(value, datetime):
        errors[where] = _("An ISO 8601 time with its zone, e.g. 2026-11-11T00:00:05+08:00.")
        return None
    if timezone.is_naive(value):
        errors[where] = _("Give the time zone, e.g. 2026-11-11T00:00:05+08:00.")
        return None
    return _checked(errors, bounds.check_event_time, value, where, zone)


def _text(errors: dict, value, where: str, model, name: str, **kwargs) -> str:
    found = _checked(errors, bounds.check_model_text, value, where, model, name, **kwargs)
    return found or ""


def clean(store, data: dict, skus: Skus | None = None) -> dict:
    """The payload checked and normalised; ValidationError names each bad field. Every
    value is bounded by what its model field holds (core.bounds), so nothing the database
    would refuse, or silently store beyond its limits on SQLite, gets further."""
    errors: dict[str, str] = {}
    order_id = _text(errors, data.get("order_id"), "order_id", Order, "order_id", identifier=True)
    if not order_id and "order_id" not in errors:
        errors["order_id"] = _("Required, at most 64 characters.")
    created = _when(data.get("created_at"), "created_at", errors, store.zone)
    if created is None and "created_at" not in errors:
        errors["created_at"] = _("Required.")
    paid = _when(data.get("paid_at"), "paid_at", errors, store.zone)
    if created and paid and paid < created:
        errors["paid_at"] = _("Paid before it was created.")
    amount = _money(data.get("paid_amount"), "paid_amount", errors)
    lines = data.get("lines") or []
    if not isinstance(lines, list):
        errors["lines"] = _("A list of lines, each an object with sku, quantity and unit_price.")
        lines = []
    elif not lines:
        errors["lines"] = _("At least one line.")
    elif len(lines) > MAX_LINES:
        errors["lines"] = _("At most %(n)d lines.") % {"n": MAX_LINES}
        lines = []
    _lowest, highest = bounds.integer_range(OrderLine, "quantity")
    money = bounds.model_decimal(OrderLine, "line_amount")
    clean_lines = []
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            errors[where] = _("An object with sku, quantity and unit_price.")
            continue
        sku = _text(errors, line.get("sku"), f"{where}.sku", OrderLine, "sku_code", identifier=True)
        if not sku and f"{where}.sku" not in errors:
            errors[f"{where}.sku"] = _("Required.")
        qty = line.get("quantity")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            errors[f"{where}.quantity"] = _("A whole number above 0.")
            qty = None
        else:
            qty = _checked(
                errors, bounds.check_int, qty, f"{where}.quantity", minimum=1, maximum=highest
            )
        price = _money(
            line.get("unit_price"), f"{where}.unit_price", errors, OrderLine, "unit_price"
        )
        if qty is not None and price is not None:
            _checked(errors, bounds.check_decimal, qty * price, where, **money)
        clean_lines.append({"sku": sku, "quantity": qty, "unit_price": price})
    if not errors and clean_lines:
        goods = sum((x["quantity"] * x["unit_price"] for x in clean_lines), Decimal("0"))
        _checked(
            errors,
            bounds.check_decimal,
            goods,
            "lines",
            **bounds.model_decimal(Order, "goods_amount"),
        )
    address = data.get("shipping_address") or {}
    if not isinstance(address, dict):
        errors["shipping_address"] = _("An object: name, phone, province, city, address.")
        address = {}
    receiver = {
        key: _text(errors, address.get(key), f"shipping_address.{key}", Order, name)
        for key, name in ADDRESS_FIELDS.items()
    }
    joined = " ".join(p for p in (receiver["district"], receiver["address"]) if p)
    limit = bounds.max_length(Order, "receiver_address")
    if len(joined) > limit and "shipping_address.address" not in errors:
        errors["shipping_address.address"] = _(
            "District and address together at most %(n)d characters."
        ) % {"n": limit}
    customer_id = _text(
        errors, data.get("customer_id"), "customer_id", Customer, "platform_id", identifier=True
    )
    channel = _text(errors, data.get("channel"), "channel", Order, "channel", identifier=True)
    message = _text(errors, data.get("buyer_message"), "buyer_message", Order, "buyer_message")
    # Only codes that passed as identifiers are looked up (a lone surrogate cannot even be
    # sent to PostgreSQL).
    codes = {x["sku"] for x in clean_lines if x["sku"]}
    known = (skus or Skus(store)).of(codes)
    for i, line in enumerate(clean_lines):
        if line["sku"] and line["sku"] not in known and f"lines[{i}].sku" not in errors:
            errors[f"lines[{i}].sku"] = _("SKU %(sku)s is not in store %(store)s.") % {
                "sku": line["sku"],
                "store": store.code,
            }
    if errors:
        raise ValidationError(errors)
    return {
        "order_id": order_id,
        "created_at": created,
        "paid_at": paid,
        "paid_amount": amount,
        "customer_id": customer_id,
        "channel": channel,
        "lines": clean_lines,
        "shipping_address": receiver,
        "buyer_message": message,
        "_skus": known,
    }


def fingerprint(cleaned: dict, *, unpaid: bool = False) -> str:
    """The content's hash; `unpaid` hashes it as if not paid yet, to recognise a payment."""

    def plain(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        raise TypeError(type(value))

    content = {k: v for k, v in cleaned.items() if not k.startswith("_")}
    if unpaid:
        content["paid_at"] = None
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, default=plain, ensure_ascii=False).encode()
    ).hexdigest()


def describe(order: Order) -> tuple[int, dict]:
    """The intake answer for an order as it stands in the database."""
    holds = [(h.reason, h.detail) for h in services.open_holds(order)]
    return answer(order, services.is_reserved(order), holds)


def answer(order: Order, reserved: bool, holds: list[tuple[str, str]]) -> tuple[int, dict]:
    """201 when unpaid, or paid with its stock reserved and nothing to check; else 202."""
    body = {
        "store": order.store.code,
        "order_id": order.order_id,
        "status": order.status,
        "allocated": reserved,
        "holds": [{"reason": str(reason), "detail": detail[:500]} for reason, detail in holds],
        "paid_amount": str(order.paid_amount),
    }
    if order.status == OrderStatus.PENDING_PAYMENT:
        return 201, body
    return (201 if reserved and not holds else 202), body


def _customer(store, platform_id: str, address: dict) -> tuple[Customer | None, bool]:
    """The buyer, and whether they were created here (then no other order is theirs)."""
    if not platform_id:
        return None, False
    found = Customer.objects.filter(store=store, platform_id=platform_id).first()
    if found is not None:
        return found, False
    # Without a savepoint: when the same buyer's other order creates them at the same
    # moment, the IntegrityError rolls this intake back and receive() tries it again.
    return Customer.objects.create(store=store, platform_id=platform_id, **_buyer(address)), True


def _buyer(address: dict) -> dict:
    return {k: address[k] for k in ("name", "phone", "province", "city", "address")}


def _create(actor, store, cleaned: dict, digest: str, via: str) -> Answer:
    address = cleaned["shipping_address"]
    goods = sum((Decimal(x["quantity"]) * x["unit_price"] for x in cleaned["lines"]), Decimal("0"))
    paid = cleaned["paid_at"] is not None
    rules = rules_of(store)  # read before the write lock is taken
    user = acting_user(actor)
    with transaction.atomic():
        customer, new_buyer = _customer(store, cleaned["customer_id"], address)
        order = Order.objects.create(
            store=store,
            order_id=cleaned["order_id"],
            customer=customer,
            status=OrderStatus.PAID if paid else OrderStatus.PENDING_PAYMENT,
            channel=cleaned["channel"] or store.platform,
            created_at=cleaned["created_at"],
            paid_at=cleaned["paid_at"],
            goods_amount=goods,
            discount_amount=max(goods - cleaned["paid_amount"], Decimal("0")),
            paid_amount=cleaned["paid_amount"],
            province=address["province"],
            city=address["city"],
            receiver_name=address["name"],
            receiver_phone=address["phone"],
            receiver_address=" ".join(p for p in (address["district"], address["address"]) if p),
            buyer_message=cleaned["buyer_message"],
        )
        order.store = store
        facts_changed(store.pk)
        lines = services.create_lines(order, cleaned["lines"], cleaned["_skus"])
        events = [("", OrderStatus.PENDING_PAYMENT)]
        if paid:
            events.append((OrderStatus.PENDING_PAYMENT, OrderStatus.PAID))
        OrderEvent.objects.bulk_create(
            OrderEvent(
                store=store,
                order=order,
                from_status=a,
                to_status=b,
                user=user,
                via=via,
                note=_("received"),
            )
            for a, b in events
        )
        # The answer from what was just done, without reading it back.
        reserved, holds = False, []
        if paid:
            reserved, holds = services.on_paid(
                order, actor=actor, lines=lines, rules=rules, new=True, new_buyer=new_buyer
            )
        code, body = answer(order, reserved, holds)
        IntakeReceipt.objects.create(
            store=store, order_id=order.order_id, payload_hash=digest, status_code=code, body=body
        )
    return Answer(code, body)


def _replay(actor, store, cleaned, digest, receipt: IntakeReceipt, via) -> Answer:
    if receipt.payload_hash == digest:
        return Answer(receipt.status_code, receipt.body)
    order = Order.objects.filter(store=store, order_id=cleaned["order_id"]).first()
    paying = (
        order is not None
        and cleaned["paid_at"] is not None
        and order.status == OrderStatus.PENDING_PAYMENT
        and receipt.payload_hash == fingerprint(cleaned, unpaid=True)
    )
    if not paying:
        raise Conflict(
            _(
                "Order %(o)s was received at %(at)s with different content; "
                "change it through its actions, not by posting it again."
            )
            % {"o": cleaned["order_id"], "at": receipt.received_at.isoformat()}
        )
    with transaction.atomic():
        order = services.pay(actor, order, cleaned["paid_at"], via=via)
        code, body = describe(order)
        IntakeReceipt.objects.filter(pk=receipt.pk).update(
            payload_hash=digest, status_code=code, body=body
        )
    return Answer(code, body)


class Conflict(Exception):
    """The call cannot be applied to the order as it stands (HTTP 409)."""


def receive(actor, store, data: dict, *, via: str = "api", skus: Skus | None = None) -> Answer:
    """One order, in its own transaction (or savepoint, inside the caller's). `skus` shares
    the SKU lookups of a batch; a store read with select_related("fulfilment_settings")
    shares its rules."""
    cleaned = clean(store, data, skus)
    digest = fingerprint(cleaned)
    for attempt in range(3):
        # Order and receipt are committed together, so an order received before has its
        # receipt, unless it was imported from a file before the channel posted it.
        receipt = IntakeReceipt.objects.filter(store=store, order_id=cleaned["order_id"]).first()
        if receipt is not None:
            return _replay(actor, store, cleaned, digest, receipt, via)
        if attempt:  # the insert met an order: imported, or a concurrent call's
            order = Order.objects.filter(store=store, order_id=cleaned["order_id"]).first()
            if order is not None:
                _code, body = describe(order)
                return Answer(200, body)
        try:
            return _create(actor, store, cleaned, digest, via)
        except IntegrityError:
            continue  # a concurrent call of the same order won; answer as it did
    raise Conflict(_("Order %(o)s is being received by another call.") % {"o": cleaned["order_id"]})
