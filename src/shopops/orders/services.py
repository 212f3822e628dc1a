"""Every write to an order after it is received: payment, review (审单), shipping, delivery,
cancellation, refund and the holds of the exception queue. One transaction per action;
a status changes only by a conditional UPDATE from the status it was read in. Each write
of an order's facts raises `facts_changed` for its store (once per transaction)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.analytics.cache import facts_changed, local_days
from shopops.catalog.models import Sku
from shopops.core.audit import acting_user
from shopops.core.models import Store
from shopops.core.numbers import line_amount, split
from shopops.inventory import services as stock
from shopops.inventory.models import Allocation
from shopops.orders import locks, states
from shopops.orders.models import (
    FulfilmentSettings,
    HoldReason,
    Order,
    OrderEvent,
    OrderHold,
    OrderLine,
    OrderStatus,
    Shipment,
)

S = OrderStatus


def transition(order: Order, target: str, *, actor=None, via="web", note="", **fields) -> Order:
    """Move the order to `target` if the state machine allows it from its current status.

    The UPDATE is conditional on the status read, so two clerks acting on one order at once
    cannot both succeed; the loser gets IllegalTransition with the status it lost to."""
    states.check(order, target)
    current, paid_before = order.status, order.paid_at
    if not Order.objects.filter(pk=order.pk, status=current).update(status=target, **fields):
        order.refresh_from_db()
        raise states.IllegalTransition(order, target)
    order.status = target
    for name, value in fields.items():
        setattr(order, name, value)
    _event(order, current, target, actor, via, note)
    facts_changed(order.store_id, local_days(order.store, paid_before, order.paid_at))
    return order


def _event(order, from_status: str, to_status: str, actor, via: str, note: str) -> None:
    """One line of the order's history; from = to for what happens within a status."""
    OrderEvent.objects.create(
        store_id=order.store_id,
        order=order,
        from_status=from_status,
        to_status=to_status,
        user=acting_user(actor),
        via=via,
        note=note[:500],
    )


# --- holds -------------------------------------------------------------------------------


def open_holds(order) -> list[OrderHold]:
    return list(order.holds.filter(resolved_at=None).order_by("opened_at", "pk"))


def hold(order, reason: str, detail: str = "") -> OrderHold:
    found = order.holds.filter(reason=reason, resolved_at=None).first()
    if found:
        return found
    return OrderHold.objects.create(
        store_id=order.store_id, order=order, reason=reason, detail=detail[:500]
    )


def _close_holds(order, actor, resolution: str, reasons=None) -> None:
    rows = order.holds.filter(resolved_at=None)
    if reasons is not None:
        rows = rows.filter(reason__in=reasons)
    rows.update(
        resolved_at=timezone.now(), resolved_by=acting_user(actor), resolution=resolution[:500]
    )


def _wants(order) -> list[stock.Want]:
    return [
        stock.Want(line_id=pk, sku_id=sku_id, sku_code=code, quantity=qty)
        for pk, sku_id, code, qty in order.lines.order_by("line_no").values_list(
            "pk", "sku_id", "sku_code", "quantity"
        )
    ]


def try_allocate(order, *, actor=None, lines=None) -> str | None:
    """Reserve the order's stock, all lines or none. None when reserved, else why not."""
    wants = _wants(order) if lines is None else wants_of(lines)
    missing = not_in_catalog(wants)
    if missing:
        return missing
    try:
        stock.allocate(order.store, wants, reference=order.order_id, user=acting_user(actor))
    except stock.InsufficientStock as short:
        return short_of(short)
    return None


def not_in_catalog(wants: list[stock.Want]) -> str | None:
    """Why wants cannot be reserved at all (a line of a SKU not in the catalog), or None."""
    missing = [w.sku_code for w in wants if w.sku_id is None]
    if missing:
        return _("SKU %(codes)s is not in the catalog") % {"codes": ", ".join(missing)}
    return None


def short_of(short: stock.InsufficientStock) -> str:
    """The stock-short hold's detail."""
    return _("%(sku)s: %(n)d wanted, not enough free stock") % {
        "sku": short.sku_code,
        "n": short.wanted,
    }


def wants_of(lines) -> list[stock.Want]:
    """The stock a new order's lines need."""
    return [
        stock.Want(line_id=x.pk, sku_id=x.sku_id, sku_code=x.sku_code, quantity=x.quantity)
        for x in lines
    ]


def is_reserved(order) -> bool:
    lines = order.lines.count()
    held = (
        Allocation.objects.filter(line__order=order, released_at=None, shipped_at=None)
        .values("line_id")
        .distinct()
        .count()
    )
    return lines > 0 and held == lines


def _address_missing(order) -> list[str]:
    names = {
        "receiver_name": _("receiver"),
        "receiver_phone": _("phone"),
        "province": _("province"),
        "receiver_address": _("address"),
    }
    return [str(label) for f, label in names.items() if not (getattr(order, f) or "").strip()]


def _duplicate_of(order, rules: FulfilmentSettings, lines=None, new_buyer=False) -> Order | None:
    """An earlier or later order of the same buyer to the same address with the same SKUs
    and quantities within the store's window. `lines`: the order's lines when the caller
    holds them (a new order), else they are read. `new_buyer`: the buyer was created with
    this order, so no other order is theirs and nothing is looked up."""
    if order.customer_id is None or not order.receiver_address or new_buyer:
        return None
    if lines is None:
        skus = sorted(order.lines.values_list("sku_code", "quantity"))
    else:
        skus = sorted((x.sku_code, x.quantity) for x in lines)
    window = timedelta(hours=rules.duplicate_window_hours)
    candidates = (
        Order.objects.filter(
            store_id=order.store_id,
            customer_id=order.customer_id,
            receiver_address=order.receiver_address,
            created_at__gte=order.created_at - window,
            created_at__lte=order.created_at + window,
        )
        .exclude(pk=order.pk)
        .exclude(status=S.CANCELLED)
    )
    others = list(candidates.order_by("created_at")[:20])
    if not others:
        return None
    theirs: dict[int, list] = {}
    for order_pk, code, quantity in OrderLine.objects.filter(
        order_id__in=[o.pk for o in others]
    ).values_list("order_id", "sku_code", "quantity"):
        theirs.setdefault(order_pk, []).append((code, quantity))
    for other in others:
        if sorted(theirs.get(other.pk, [])) == skus:
            return other
    return None


class Twins:
    """_duplicate_of for the new orders of a batch, each as if received after the ones
    before it: the stored orders of the batch's returning buyers are read once, before the
    batch's own orders are written, and each order of the batch is a candidate for the ones
    after it. Call `of` for a paid order, then `add` for every order, in the batch's order."""

    def __init__(self, store_id: int, rules: FulfilmentSettings, orders: list[Order], new_buyers):
        """`new_buyers`: the customers created with these orders, who have no stored order."""
        self.window = timedelta(hours=rules.duplicate_window_hours)
        self.candidates: dict[int, list[tuple[Order, list]]] = {}
        returning = {o.customer_id for o in orders if o.customer_id and o.receiver_address} - set(
            new_buyers
        )
        if not returning:
            return
        times = [o.created_at for o in orders if o.customer_id in returning]
        stored = list(
            Order.objects.filter(
                store_id=store_id,
                customer_id__in=returning,
                created_at__gte=min(times) - self.window,
                created_at__lte=max(times) + self.window,
            )
            .exclude(status=S.CANCELLED)
            .only("pk", "store_id", "order_id", "customer_id", "receiver_address", "created_at")
        )
        if not stored:
            return
        theirs: dict[int, list] = {}
        for order_pk, code, quantity in OrderLine.objects.filter(
            order_id__in=[o.pk for o in stored]
        ).values_list("order_id", "sku_code", "quantity"):
            theirs.setdefault(order_pk, []).append((code, quantity))
        for other in stored:
            self.candidates.setdefault(other.customer_id, []).append(
                (other, sorted(theirs.get(other.pk, [])))
            )

    def of(self, order: Order, lines) -> Order | None:
        if order.customer_id is None or not order.receiver_address:
            return None
        low, high = order.created_at - self.window, order.created_at + self.window
        others = sorted(
            (
                (other, skus)
                for other, skus in self.candidates.get(order.customer_id, ())
                if other.receiver_address == order.receiver_address
                and low <= other.created_at <= high
            ),
            key=lambda pair: pair[0].created_at,
        )
        mine = sorted((x.sku_code, x.quantity) for x in lines)
        for other, skus in others[:20]:
            if skus == mine:
                return other
        return None

    def add(self, order: Order, lines) -> None:
        if order.customer_id is not None and order.receiver_address:
            self.candidates.setdefault(order.customer_id, []).append(
                (order, sorted((x.sku_code, x.quantity) for x in lines))
            )


def review_rules(
    order, rules: FulfilmentSettings | None = None, lines=None, new_buyer=False, twin=None
) -> list[tuple[str, str]]:
    """The holds a newly paid order gets besides stock: (reason, detail). `twin`: a
    callable that finds the duplicate instead of _duplicate_of (a batch looks them up for
    all its orders at once)."""
    rules = rules or FulfilmentSettings.of(order.store)
    found = []
    missing = _address_missing(order)
    if missing:
        found.append((HoldReason.ADDRESS_INCOMPLETE, _("missing: ") + ", ".join(missing)))
    twin = twin() if twin is not None else _duplicate_of(order, rules, lines, new_buyer)
    if twin is not None:
        found.append(
            (
                HoldReason.DUPLICATE,
                _("same buyer, address and SKUs as order %(other)s") % {"other": twin.order_id},
            )
        )
    if order.buyer_message.strip():
        found.append((HoldReason.BUYER_MESSAGE, order.buyer_message.strip()[:200]))
    if rules.high_amount and order.paid_amount > rules.high_amount:
        found.append(
            (
                HoldReason.HIGH_AMOUNT,
                _("paid %(amount)s, above %(limit)s")
                % {"amount": order.paid_amount, "limit": rules.high_amount},
            )
        )
    return found


def on_paid(
    order, *, actor=None, lines=None, rules=None, new=False, new_buyer=False
) -> tuple[bool, list[tuple[str, str]]]:
    """What happens when an order is paid: reserve its stock, then apply the review rules.
    A stock-short order is kept and queued, never dropped. Returns (reserved, holds).

    `new`: the order was created in this transaction with `lines` (intake), so it has no
    hold yet: the review rules run first, before the stock rows are locked, and the holds
    are one INSERT. `new_buyer`: its buyer was created with it too."""
    if new:
        checks = review_rules(order, rules, lines, new_buyer)
        why = try_allocate(order, actor=actor, lines=lines)
        holds = ([(HoldReason.STOCK_SHORT, why)] if why is not None else []) + checks
        OrderHold.objects.bulk_create(
            OrderHold(store_id=order.store_id, order=order, reason=reason, detail=detail[:500])
            for reason, detail in holds
        )
        return why is None, holds
    holds = []
    why = try_allocate(order, actor=actor, lines=lines)
    if why is not None:
        holds.append((HoldReason.STOCK_SHORT, why))
    holds += review_rules(order, rules)
    for reason, detail in holds:
        hold(order, reason, detail)
    return why is None, holds


@transaction.atomic
def pay(actor, order: Order, paid_at: datetime, *, via="web") -> Order:
    order = locks.order(order.pk)
    transition(order, S.PAID, actor=actor, via=via, paid_at=paid_at)
    on_paid(order, actor=actor)
    return order


@transaction.atomic
def resolve_hold(actor, order: Order, reason: str, note: str = "", *, via="web") -> None:
    """Clear one hold. A stock-short hold clears only when the stock can now be reserved."""
    order = locks.order(order.pk)
    found = order.holds.filter(reason=reason, resolved_at=None).first()
    if found is None:
        raise ValidationError(
            {"reason": _("Order %(o)s has no open hold of this kind.") % {"o": order.order_id}}
        )
    if reason == HoldReason.STOCK_SHORT:
        if order.status in (S.CANCELLED, S.REFUNDED):
            pass
        else:
            why = try_allocate(order, actor=actor)
            if why is not None:
                raise ValidationError({"reason": _("Still short: %(why)s.") % {"why": why}})
            note = note or _("stock reserved")
    elif not note.strip():
        raise ValidationError({"note": _("Say how the hold was resolved.")})
    _close_holds(order, actor, note, [reason])
    _event(
        order,
        order.status,
        order.status,
        actor,
        via,
        _("hold resolved: %(r)s") % {"r": HoldReason(reason).label} + f" — {note}",
    )


def retry_stock_short(store, *, actor=None, sku_ids=None) -> int:
    """Reserve stock for queued stock-short orders, oldest first (after a receipt).
    Returns how many left the queue."""
    holds = OrderHold.objects.filter(
        store=store, reason=HoldReason.STOCK_SHORT, resolved_at=None
    ).order_by("opened_at", "pk")
    if sku_ids is not None:
        holds = holds.filter(order__lines__sku_id__in=sku_ids).distinct()
    served = 0
    for found in holds.select_related("order"):
        try:
            resolve_hold(actor, found.order, HoldReason.STOCK_SHORT, via="worker")
        except ValidationError:
            continue
        served += 1
    return served


def serve_stock_arrived(sender, *, store, sku_ids, actor=None, **kwargs) -> None:
    """Receiver of `inventory.signals.stock_arrived` (connected in OrdersConfig.ready)."""
    retry_stock_short(store, actor=actor, sku_ids=sku_ids)


# --- the clerk's actions ------------------------------------------------------------------


@dataclass
class BatchResult:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def review_order(actor, order: Order, *, via="web") -> Order:
    """Pass the order's review (审单; the status it reaches is still called audited, 已审核)
    and hand the reserved stock to picking (配货)."""
    order = locks.order(order.pk)
    holds = open_holds(order)
    if holds:
        raise ValidationError(
            {
                "order": _("Order %(o)s is on hold: %(why)s.")
                % {
                    "o": order.order_id,
                    "why": "; ".join(str(h.get_reason_display()) for h in holds),
                }
            }
        )
    transition(order, S.AUDITED, actor=actor, via=via)
    if not is_reserved(order):  # e.g. released by hand meanwhile: queue it again
        why = try_allocate(order, actor=actor)
        if why is not None:
            hold(order, HoldReason.STOCK_SHORT, why)
            return order
    return transition(order, S.ALLOCATED, actor=actor, via=via)


def batch(action, actor, orders, **kwargs) -> BatchResult:
    """Apply an action to each order in its own transaction; report what was refused."""
    result = BatchResult()
    for order in orders:
        try:
            action(actor, order, **kwargs)
        except (ValidationError, states.IllegalTransition) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.refused.append((order.order_id, message))
        else:
            result.done.append(order.order_id)
    return result


@transaction.atomic
def ship(actor, order: Order, *, carrier: str, tracking_no: str, at=None, via="web") -> Shipment:
    carrier, tracking_no = (carrier or "").strip(), (tracking_no or "").strip()
    errors = {}
    if not carrier:
        errors["carrier"] = _("Name the carrier.")
    if not tracking_no:
        errors["tracking_no"] = _("Give the tracking number.")
    if errors:
        raise ValidationError(errors)
    order = locks.order(order.pk)
    at = at or timezone.now()
    states.check(order, S.SHIPPED)
    if Shipment.objects.filter(
        store_id=order.store_id, carrier=carrier, tracking_no=tracking_no
    ).exists():
        raise ValidationError(
            {
                "tracking_no": _("%(c)s %(t)s is already used by another shipment.")
                % {"c": carrier, "t": tracking_no}
            }
        )
    stock.ship(order, user=acting_user(actor))
    shipment = Shipment.objects.create(
        store_id=order.store_id,
        order=order,
        carrier=carrier,
        tracking_no=tracking_no,
        shipped_at=at,
    )
    transition(
        order, S.SHIPPED, actor=actor, via=via, shipped_at=at, note=f"{carrier} {tracking_no}"
    )
    return shipment


@transaction.atomic
def deliver(actor, order: Order, *, at=None, via="web") -> Order:
    order = locks.order(order.pk)
    at = at or timezone.now()
    transition(order, S.DELIVERED, actor=actor, via=via, delivered_at=at)
    order.shipments.filter(delivered_at=None).update(delivered_at=at, status="delivered")
    return order


@transaction.atomic
def complete(actor, order: Order, *, at=None, via="web") -> Order:
    order = locks.order(order.pk)
    return transition(order, S.COMPLETED, actor=actor, via=via, completed_at=at or timezone.now())


@transaction.atomic
def cancel(actor, order: Order, *, reason: str, via="web") -> Order:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    order = locks.order(order.pk)
    states.check(order, S.CANCELLED)
    stock.release(
        order, user=acting_user(actor), reason=_("Order cancelled: %(r)s") % {"r": reason}
    )
    _close_holds(order, actor, _("order cancelled"))
    return transition(
        order, S.CANCELLED, actor=actor, via=via, note=reason, cancelled_at=timezone.now()
    )


@transaction.atomic
def refund(
    actor, order: Order, *, amount: Decimal, reason: str, restock: bool = False, via="web"
) -> Order:
    """A partial refund keeps the status; refunding the whole paid amount ends the order.
    Stock still in the warehouse is released; shipped goods come back only with `restock`."""
    order = locks.order(order.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the order is refunded.")})
    if order.status in (S.PENDING_PAYMENT, S.CANCELLED, S.REFUNDED):
        raise states.IllegalTransition(order, S.REFUNDED)
    left = order.paid_amount - order.refunded_amount
    amount = Decimal(amount)
    if amount <= 0 or amount > left:
        raise ValidationError(
            {"amount": _("The refund must be above 0 and at most %(left)s.") % {"left": left}}
        )
    refunded = order.refunded_amount + amount
    if amount < left:
        Order.objects.filter(pk=order.pk).update(refunded_amount=refunded)
        order.refunded_amount = refunded
        _event(
            order,
            order.status,
            order.status,
            actor,
            via,
            _("partial refund %(a)s: %(r)s") % {"a": amount, "r": reason},
        )
        facts_changed(order.store_id, local_days(order.store, order.paid_at))
        return order
    was = order.status
    if was in states.BEFORE_SHIPPING:
        stock.release(order, user=acting_user(actor), reason=_("Refunded: %(r)s") % {"r": reason})
        _close_holds(order, actor, _("order refunded"))
    elif restock:
        stock.restock(order, user=acting_user(actor), reason=_("Returned: %(r)s") % {"r": reason})
    return transition(
        order, S.REFUNDED, actor=actor, via=via, note=reason, refunded_amount=refunded
    )


def cancel_unpaid(now=None) -> int:
    """The worker's sweep: cancel orders left unpaid past their store's timeout."""
    now = now or timezone.now()
    cancelled = 0
    for store in Store.objects.filter(is_active=True):
        limit = now - timedelta(minutes=FulfilmentSettings.of(store).unpaid_timeout_minutes)
        for order in Order.objects.filter(
            store=store, status=S.PENDING_PAYMENT, created_at__lt=limit
        ).order_by("created_at"):
            try:
                cancel(None, order, reason=_("not paid in time"), via="worker")
            except states.IllegalTransition:  # paid meanwhile
                continue
            cancelled += 1
    return cancelled


def create_lines(order: Order, lines: list[dict], skus: dict | None = None) -> list[OrderLine]:
    """Lines of a new order; their shares of the paid amount add up to it exactly."""
    made = OrderLine.objects.bulk_create(build_lines(order, lines, skus))
    facts_changed(order.store_id, local_days(order.store, order.paid_at))
    return made


def build_lines(order: Order, lines: list[dict], skus: dict | None = None) -> list[OrderLine]:
    """create_lines' rows, not saved yet (a batch saves all its orders' lines at once; the
    caller raises facts_changed)."""
    if skus is None:
        skus = {
            s.code: s
            for s in Sku.objects.filter(
                store_id=order.store_id, code__in={x["sku"] for x in lines}
            ).select_related("product")
        }
    amounts = [line_amount(x["quantity"], x["unit_price"]) for x in lines]
    shares = split(order.paid_amount, amounts)
    made = []
    for no, (x, amount, share) in enumerate(zip(lines, amounts, shares, strict=True), start=1):
        sku = skus.get(x["sku"])
        made.append(
            OrderLine(
                store_id=order.store_id,
                order=order,
                line_no=no,
                sku=sku,
                sku_code=x["sku"],
                product_name=(sku.product.name if sku else ""),
                category=(sku.product.category if sku else ""),
                quantity=x["quantity"],
                unit_price=x["unit_price"],
                line_amount=amount,
                unit_cost=sku.cost if sku else None,
                allocated_amount=share,
            )
        )
    return made


FULFILMENT_FIELDS = FulfilmentSettings.EDITABLE


@transaction.atomic
def save_fulfilment_settings(actor, store, *, via="web", **values) -> FulfilmentSettings:
    """The store's fulfilment rules as the team sets them, audited; intake and the worker read
    them from the next order on."""
    from shopops.core import audit

    unknown = set(values) - set(FULFILMENT_FIELDS)
    if unknown:
        raise ValidationError({k: "This field cannot be changed." for k in unknown})
    found = locks.fulfilment_settings(store)
    before = audit.snapshot(found, list(FULFILMENT_FIELDS)) if found else None
    found = found or FulfilmentSettings(store=store)
    for name, value in values.items():
        setattr(found, name, value)
    found.full_clean()
    found.save()
    after = audit.snapshot(found, list(FULFILMENT_FIELDS))
    audit.record(
        actor, found, "update" if before else "create", before, after, store=store, via=via
    )
    return found
