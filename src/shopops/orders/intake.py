"""Orders posted by channels (POST /api/v1/orders), idempotent by (store, order_id).

The first call of an order is answered and its answer kept (IntakeReceipt); a retry with
the same content gets the same answer, content that differs is refused. An unpaid order
posted again once paid is its payment. Concurrent duplicates are settled by the unique
constraints: the loser's transaction rolls back and it returns the winner's answer.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.catalog.models import Sku
from shopops.core.audit import acting_user
from shopops.customers.models import Customer
from shopops.orders import services
from shopops.orders.models import (
    FulfilmentSettings,
    IntakeReceipt,
    Order,
    OrderEvent,
    OrderStatus,
)

CENT = Decimal("0.01")
MAX_LINES = 200


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict


def _money(value, where: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[where] = _("Not an amount: %(v)r.") % {"v": value}
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        errors[where] = _("An amount of 0 or more with at most 2 decimals.")
        return None
    return amount


def _when(value, where: str, errors: dict) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors[where] = _("Not an ISO 8601 time: %(v)r.") % {"v": value}
            return None
    if timezone.is_naive(value):
        errors[where] = _("Give the time zone, e.g. 2026-11-11T00:00:05+08:00.")
        return None
    return value


def clean(store, data: dict) -> dict:
    """The payload checked and normalised; ValidationError names each bad field."""
    errors: dict[str, str] = {}
    order_id = str(data.get("order_id") or "").strip()
    if not order_id or len(order_id) > 64:
        errors["order_id"] = _("Required, at most 64 characters.")
    created = _when(data.get("created_at"), "created_at", errors)
    if created is None and "created_at" not in errors:
        errors["created_at"] = _("Required.")
    paid = _when(data.get("paid_at"), "paid_at", errors)
    if created and paid and paid < created:
        errors["paid_at"] = _("Paid before it was created.")
    amount = _money(data.get("paid_amount"), "paid_amount", errors)
    lines = data.get("lines") or []
    if not lines:
        errors["lines"] = _("At least one line.")
    if len(lines) > MAX_LINES:
        errors["lines"] = _("At most %(n)d lines.") % {"n": MAX_LINES}
    codes = {str(x.get("sku") or "") for x in lines if isinstance(x, dict)}
    known = {
        s.code: s for s in Sku.objects.filter(store=store, code__in=codes).select_related("product")
    }
    clean_lines = []
    for i, line in enumerate(lines[:MAX_LINES]):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            errors[where] = _("An object with sku, quantity and unit_price.")
            continue
        sku = str(line.get("sku") or "").strip()
        if not sku:
            errors[f"{where}.sku"] = _("Required.")
        elif sku not in known:
            errors[f"{where}.sku"] = _("SKU %(sku)s is not in store %(store)s.") % {
                "sku": sku,
                "store": store.code,
            }
        qty = line.get("quantity")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            errors[f"{where}.quantity"] = _("A whole number above 0.")
        price = _money(line.get("unit_price"), f"{where}.unit_price", errors)
        clean_lines.append({"sku": sku, "quantity": qty, "unit_price": price})
    address = data.get("shipping_address") or {}
    if not isinstance(address, dict):
        errors["shipping_address"] = _("An object: name, phone, province, city, address.")
        address = {}
    if errors:
        raise ValidationError(errors)
    return {
        "order_id": order_id,
        "created_at": created,
        "paid_at": paid,
        "paid_amount": amount,
        "customer_id": str(data.get("customer_id") or "").strip()[:128],
        "channel": str(data.get("channel") or "").strip()[:64],
        "lines": clean_lines,
        "shipping_address": {
            k: str(address.get(k) or "").strip()
            for k in ("name", "phone", "province", "city", "district", "address")
        },
        "buyer_message": str(data.get("buyer_message") or "").strip(),
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


def _customer(store, platform_id: str, address: dict) -> Customer | None:
    if not platform_id:
        return None
    # get_or_create settles the same buyer's other order arriving at the same moment.
    return Customer.objects.get_or_create(
        store=store,
        platform_id=platform_id,
        defaults={k: address[k] for k in ("name", "phone", "province", "city", "address")},
    )[0]


def _create(actor, store, cleaned: dict, digest: str, via: str) -> Answer:
    address = cleaned["shipping_address"]
    goods = sum((Decimal(x["quantity"]) * x["unit_price"] for x in cleaned["lines"]), Decimal("0"))
    paid = cleaned["paid_at"] is not None
    rules = FulfilmentSettings.of(store)  # read before the write lock is taken
    user = acting_user(actor)
    with transaction.atomic():
        order = Order.objects.create(
            store=store,
            order_id=cleaned["order_id"],
            customer=_customer(store, cleaned["customer_id"], address),
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
            reserved, holds = services.on_paid(order, actor=actor, lines=lines, rules=rules)
        code, body = answer(order, reserved, holds)
        IntakeReceipt.objects.create(
            store=store, order_id=order.order_id, payload_hash=digest, status_code=code, body=body
        )
    return Answer(code, body)


def _replay(actor, order, cleaned, digest, receipt: IntakeReceipt, via) -> Answer:
    if receipt.payload_hash == digest:
        return Answer(receipt.status_code, receipt.body)
    paying = (
        cleaned["paid_at"] is not None
        and order.status == OrderStatus.PENDING_PAYMENT
        and receipt.payload_hash == fingerprint(cleaned, unpaid=True)
    )
    if not paying:
        raise Conflict(
            _(
                "Order %(o)s was received at %(at)s with different content; "
                "change it through its actions, not by posting it again."
            )
            % {"o": order.order_id, "at": receipt.received_at.isoformat()}
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


def receive(actor, store, data: dict, *, via: str = "api") -> Answer:
    cleaned = clean(store, data)
    digest = fingerprint(cleaned)
    for _attempt in range(3):
        order = Order.objects.filter(store=store, order_id=cleaned["order_id"]).first()
        if order is not None:
            # Order and receipt are committed together, so the order's receipt is here too,
            # unless the order was imported from a file before the channel posted it.
            receipt = IntakeReceipt.objects.filter(
                store=store, order_id=cleaned["order_id"]
            ).first()
            if receipt is not None:
                return _replay(actor, order, cleaned, digest, receipt, via)
            _code, body = describe(order)
            return Answer(200, body)
        try:
            return _create(actor, store, cleaned, digest, via)
        except IntegrityError:
            continue  # a concurrent call of the same order won; answer as it did
    raise Conflict(_("Order %(o)s is being received by another call.") % {"o": cleaned["order_id"]})
