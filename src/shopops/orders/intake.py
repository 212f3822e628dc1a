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
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.analytics.cache import facts_changed, local_days
from shopops.catalog.models import Sku
from shopops.core import bounds
from shopops.core import rows as new_rows
from shopops.core.audit import acting_user
from shopops.core.models import Store
from shopops.core.numbers import line_amount
from shopops.customers.models import Customer
from shopops.inventory import services as stock
from shopops.orders import services, states
from shopops.orders.models import (
    FulfilmentSettings,
    HoldReason,
    IntakeReceipt,
    Order,
    OrderEvent,
    OrderHold,
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
            _checked(errors, bounds.check_decimal, line_amount(qty, price), where, **money)
        clean_lines.append({"sku": sku, "quantity": qty, "unit_price": price})
    if not errors and clean_lines:
        goods = sum(
            (line_amount(x["quantity"], x["unit_price"]) for x in clean_lines), Decimal("0")
        )
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


def _new_order(store, cleaned: dict, customer) -> Order:
    """The order a cleaned payload makes, not saved yet."""
    address = cleaned["shipping_address"]
    goods = sum(
        (line_amount(x["quantity"], x["unit_price"]) for x in cleaned["lines"]), Decimal("0")
    )
    return Order(
        store=store,
        order_id=cleaned["order_id"],
        customer=customer,
        status=OrderStatus.PAID if cleaned["paid_at"] is not None else OrderStatus.PENDING_PAYMENT,
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


def _events(store, order: Order, user, via: str) -> list[dict]:
    """A new order's history ({attname: value}): received, and paid when it came paid."""
    events = [("", OrderStatus.PENDING_PAYMENT)]
    if order.status == OrderStatus.PAID:
        events.append((OrderStatus.PENDING_PAYMENT, OrderStatus.PAID))
    user_id = getattr(user, "pk", None)
    return [
        {
            "store_id": store.pk,
            "order_id": order.pk,
            "from_status": a,
            "to_status": b,
            "user_id": user_id,
            "via": via,
            "note": _("received"),
        }
        for a, b in events
    ]


def _create(actor, store, cleaned: dict, digest: str, via: str) -> Answer:
    paid = cleaned["paid_at"] is not None
    rules = rules_of(store)  # read before the write lock is taken
    user = acting_user(actor)
    with transaction.atomic():
        customer, new_buyer = _customer(store, cleaned["customer_id"], cleaned["shipping_address"])
        order = _new_order(store, cleaned, customer)
        order.save(force_insert=True)
        order.store = store
        facts_changed(store.pk, local_days(store, order.paid_at))
        lines = services.create_lines(order, cleaned["lines"], cleaned["_skus"])
        OrderEvent.objects.bulk_create(OrderEvent(**e) for e in _events(store, order, user, via))
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


# What receiving an order may refuse it with (the API answers 409 or 422).
REFUSALS = (Conflict, states.IllegalTransition, ValidationError, bounds.OutOfBounds)


def receive(actor, store, data: dict, *, via: str = "api", skus: Skus | None = None) -> Answer:
    """One order, in its own transaction (or savepoint, inside the caller's). `skus` shares
    the SKU lookups of a batch; a store read with select_related("fulfilment_settings")
    shares its rules."""
    cleaned = clean(store, data, skus)
    return _receive(actor, store, cleaned, fingerprint(cleaned), via)


def _receive(actor, store, cleaned: dict, digest: str, via: str) -> Answer:
    """receive() of a payload already cleaned."""
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


# --- a batch ---------------------------------------------------------------------------


def receive_many(actor, orders: list[tuple], *, via: str = "api", attempts: int = 2) -> list:
    """Cleaned orders (store, cleaned) received as receive() would receive each, one after
    another; for each its Answer, or the refusal receive() raises (Conflict,
    IllegalTransition, ValidationError, OutOfBounds).

    New orders (no receipt, no stored order, not earlier in the batch) that follow each
    other in one store are written together in one transaction (_create_many): a handful of
    statements for all of them instead of about fifteen each. A retry with the same content
    gets the answer of its first call (its receipt, or the answer of the same order earlier
    in the batch) without ending the run. Any other order (a payment, a conflict, an
    imported order) is received on its own in its place, after the new orders before it are
    committed, so it meets them as it would one by one. If the
    database refuses a run of new orders as a whole (a concurrent call received one of
    them, or created one of their buyers), the run is rolled back and received again the
    same way, now meeting what the other call stored; after `attempts` such refusals its
    orders are received one by one."""
    keys = {(store.pk, cleaned["order_id"]) for store, cleaned in orders}
    receipts = _receipts(keys)
    known = set(receipts) | _stored(Order, keys)
    results: list = [None] * len(orders)
    run: list[tuple[int, dict, str]] = []
    run_store = None
    # An order posted again with the same content is answered as its first call was: from
    # its receipt, or after the run, as the order earlier in the batch was answered.
    again: dict[tuple[int, str], tuple[str, int]] = {}  # key: (digest, position) in run
    copies: list[tuple[int, int]] = []  # (position, position of its first call)

    def flush():
        if run:
            for (i, _c, _d), result in zip(
                run, _create_run(actor, run_store, run, via, attempts), strict=True
            ):
                results[i] = result
            run.clear()
            for i, first in copies:
                results[i] = results[first]
            copies.clear()
            again.clear()

    for i, (store, cleaned) in enumerate(orders):
        key = (store.pk, cleaned["order_id"])
        digest = fingerprint(cleaned)
        receipt = receipts.get(key)
        if receipt is not None and receipt.payload_hash == digest:
            results[i] = Answer(receipt.status_code, receipt.body)
            continue
        if key in again and again[key][0] == digest:
            copies.append((i, again[key][1]))
            continue
        if key in known or (run_store is not None and store.pk != run_store.pk):
            flush()
        if key in known:
            receipts.pop(key, None)  # a payment may change it: read it again after this
            results[i] = answer_or_refusal(actor, store, cleaned, digest, via)
            continue
        known.add(key)
        again[key] = (digest, i)
        run_store = store
        run.append((i, cleaned, digest))
    flush()
    return results


def _receipts(keys: set[tuple[int, str]]) -> dict[tuple[int, str], IntakeReceipt]:
    """The receipts of these (store, order_id), in one query."""
    if not keys:
        return {}
    found = IntakeReceipt.objects.filter(
        store_id__in={s for s, _o in keys}, order_id__in={o for _s, o in keys}
    )
    return {(r.store_id, r.order_id): r for r in found if (r.store_id, r.order_id) in keys}


def _stored(model, keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (store, order_id) of `keys` have a row of `model`, in one query."""
    if not keys:
        return set()
    found = model.objects.filter(
        store_id__in={s for s, _o in keys}, order_id__in={o for _s, o in keys}
    ).values_list("store_id", "order_id")
    return set(found) & keys


def answer_or_refusal(actor, store, cleaned, digest, via):
    """_receive()'s Answer, or the refusal it raised."""
    try:
        return _receive(actor, store, cleaned, digest, via)
    except REFUSALS as exc:
        return exc


def _create_run(actor, store, run, via, attempts: int) -> list:
    try:
        done = _create_many(actor, store, [(c, d) for _i, c, d in run], via)
    except IntegrityError:
        pass  # a concurrent call received one of them, or created one of their buyers
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "40P01":  # deadlock detected
            raise
    else:
        # Left out because a concurrent call stored them: received now, as retries.
        return [
            found if found is not None else answer_or_refusal(actor, store, c, d, via)
            for found, (_i, c, d) in zip(done, run, strict=True)
        ]
    if attempts > 0:
        return receive_many(
            actor, [(store, c) for _i, c, _d in run], via=via, attempts=attempts - 1
        )
    return [answer_or_refusal(actor, store, c, d, via) for _i, c, d in run]


def _create_many(actor, store, orders: list[tuple[dict, str]], via: str) -> list[Answer | None]:
    """_create for several new orders of one store in one transaction, set-based: buyers
    read and created, then orders, lines, events, holds and receipts each one INSERT for
    all; stock reserved for all the paid ones by stock.allocate_many (rows locked in
    (SKU, stock row) order, all or none per order, served in the batch's order); the review
    rules see the batch's earlier orders as _duplicate_of would (services.Twins). None for
    an order a concurrent call stored while this one waited for it (PostgreSQL)."""
    rules = rules_of(store)  # read before the write lock is taken
    user = acting_user(actor)
    total = len(orders)
    with transaction.atomic():
        buyers, created = _customers(store, [c for c, _d in orders])
        made = [
            _new_order(store, cleaned, buyers.get(cleaned["customer_id"])) for cleaned, _d in orders
        ]
        twins = services.Twins(store.pk, rules, made, created)
        # An order a concurrent call stored meanwhile is left out (answered after the run,
        # from what that call stored), the others go on.
        inserted = {id(o) for o in new_rows.insert_untaken(made, key="order_id")}
        live = [k for k, order in enumerate(made) if id(order) in inserted]
        made, orders = [made[k] for k in live], [orders[k] for k in live]
        facts_changed(store.pk, local_days(store, *(o.paid_at for o in made)))
        lines = [
            services.build_lines(order, cleaned["lines"], cleaned["_skus"])
            for order, (cleaned, _d) in zip(made, orders, strict=True)
        ]
        new_rows.insert([x for group in lines for x in group], with_pks=True)
        new_rows.insert_values(
            OrderEvent, [e for order in made for e in _events(store, order, user, via)]
        )
        checks, wants = {}, []
        for k, order in enumerate(made):
            if order.status == OrderStatus.PAID:
                checks[k] = services.review_rules(
                    order, rules, lines[k], twin=lambda o=order, k=k: twins.of(o, lines[k])
                )
                missing = services.not_in_catalog(services.wants_of(lines[k]))
                if missing is None:
                    wants.append((k, services.wants_of(lines[k])))
                else:
                    checks[k] = [(HoldReason.STOCK_SHORT, missing), *checks[k]]
            twins.add(order, lines[k])
        reservations = stock.allocate_many(
            store, [(made[k].order_id, w) for k, w in wants], user=user
        )
        reserved = {}
        for (k, _w), reservation in zip(wants, reservations, strict=True):
            reserved[k] = reservation.short is None
            if reservation.short is not None:
                checks[k] = [
                    (HoldReason.STOCK_SHORT, services.short_of(reservation.short)),
                    *checks[k],
                ]
        holds, receipts, answers = [], [], []
        for k, (order, (_cleaned, digest)) in enumerate(zip(made, orders, strict=True)):
            found = checks.get(k, [])
            holds += [
                {"store_id": store.pk, "order_id": order.pk, "reason": r, "detail": d[:500]}
                for r, d in found
            ]
            code, body = answer(order, reserved.get(k, False), found)
            receipts.append(
                {
                    "store_id": store.pk,
                    "order_id": order.order_id,
                    "payload_hash": digest,
                    "status_code": code,
                    "body": body,
                }
            )
            answers.append(Answer(code, body))
        new_rows.insert_values(OrderHold, holds)
        new_rows.insert_values(IntakeReceipt, receipts)
    placed: list[Answer | None] = [None] * total
    for k, found in zip(live, answers, strict=True):
        placed[k] = found
    return placed


def _customers(store, orders: list[dict]) -> tuple[dict, set[int]]:
    """The buyers of these orders by platform id, read in one query and the missing ones
    created in one INSERT (from the address of their first order), and the pks created."""
    wanted = {}
    for cleaned in orders:
        if cleaned["customer_id"]:
            wanted.setdefault(cleaned["customer_id"], cleaned["shipping_address"])
    if not wanted:
        return {}, set()
    found = {c.platform_id: c for c in Customer.objects.filter(store=store, platform_id__in=wanted)}
    new = [
        Customer(store=store, platform_id=pid, **_buyer(address))
        for pid, address in sorted(wanted.items())
        if pid not in found
    ]
    made = new_rows.insert_untaken(new, key="platform_id")
    found.update((c.platform_id, c) for c in made)
    if len(made) < len(new):  # created meanwhile by a concurrent call: theirs
        taken = [c.platform_id for c in new if c.platform_id not in found]
        found.update(
            (c.platform_id, c) for c in Customer.objects.filter(store=store, platform_id__in=taken)
        )
    return found, {c.pk for c in made}
