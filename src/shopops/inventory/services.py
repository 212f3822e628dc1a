"""Every write to stock. Each change is one conditional UPDATE of the stock row plus its
ledger movement, in the caller's transaction; nothing reads a quantity and then writes it,
except allocate_many (a batch of orders), which reads the rows it has locked first.

The database is the arbiter under concurrency: `UPDATE … SET reserved = reserved + n WHERE
on_hand - reserved >= n` either matches (and holds the row until commit) or does not, and
the check constraints on StockLevel stop anything that slips past. Locks are taken in the
order of (SKU, stock row) so two orders never wait on each other.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.catalog.models import Sku
from shopops.core import rows as new_rows
from shopops.core.audit import acting_user
from shopops.inventory import locks
from shopops.inventory.models import (
    Allocation,
    MovementKind,
    StockLevel,
    StockMovement,
    Warehouse,
)


class InsufficientStock(Exception):
    """Raised inside an allocation's savepoint so that all of its lines roll back."""

    def __init__(self, sku_code: str, wanted: int):
        super().__init__(f"{sku_code}: {wanted} wanted")
        self.sku_code = sku_code
        self.wanted = wanted


@dataclass(frozen=True)
class Want:
    """A quantity of a SKU one order line needs."""

    line_id: int
    sku_id: int
    sku_code: str
    quantity: int


def _level(store, sku: Sku, warehouse: Warehouse) -> StockLevel:
    # get_or_create settles a concurrent create itself (savepoint, then get on IntegrityError).
    return StockLevel.objects.get_or_create(store=store, sku=sku, warehouse=warehouse)[0]


def _after(level_id: int) -> tuple[int, int]:
    return StockLevel.objects.filter(pk=level_id).values_list("on_hand", "reserved").get()


def _movement(level, kind, quantity, reserved_delta, *, user, reason, reference, on_hand):
    return StockMovement(
        store_id=level.store_id,
        sku_id=level.sku_id,
        warehouse_id=level.warehouse_id,
        kind=kind,
        quantity=quantity,
        reserved_delta=reserved_delta,
        on_hand_after=on_hand,
        reason=reason[:200],
        reference=reference[:100],
        user=acting_user(user),
    )


def _change_on_hand(level, delta: int, kind, *, user, reason, reference) -> StockMovement:
    """Add `delta` to on hand; a decrease never takes on hand below what is reserved."""
    rows = StockLevel.objects.filter(pk=level.pk)
    if delta < 0:
        rows = rows.filter(on_hand__gte=F("reserved") - delta)
    if not rows.update(on_hand=F("on_hand") + delta, updated_at=timezone.now()):
        on_hand, reserved = _after(level.pk)
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(free)d of %(sku)s are free in %(warehouse)s (%(on_hand)d on hand, "
                    "%(reserved)d reserved for orders); %(wanted)d cannot be taken out."
                )
                % {
                    "free": on_hand - reserved,
                    "sku": level.sku.code,
                    "warehouse": level.warehouse.code,
                    "on_hand": on_hand,
                    "reserved": reserved,
                    "wanted": -delta,
                }
            }
        )
    on_hand, _reserved = _after(level.pk)
    move = _movement(
        level, kind, delta, 0, user=user, reason=reason, reference=reference, on_hand=on_hand
    )
    move.save()
    return move


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock changes.")})
    return reason


def _positive(quantity: int) -> int:
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be a whole number above 0.")})
    return quantity


@transaction.atomic
def receive(actor, store, sku, warehouse, quantity: int, *, reason="", reference=""):
    """Goods in: a purchase receipt, a return or an opening balance."""
    _positive(quantity)
    level = _level(store, sku, warehouse)
    return _change_on_hand(
        level,
        quantity,
        MovementKind.RECEIPT,
        user=actor,
        reason=reason or _("Receipt"),
        reference=reference,
    )


@transaction.atomic
def adjust(actor, store, sku, warehouse, delta: int, *, reason: str, reference=""):
    """A correction of on hand by `delta` units (damage, loss, found goods)."""
    reason = _require_reason(reason)
    if not isinstance(delta, int) or delta == 0:
        raise ValidationError({"quantity": _("The change must be a whole number, not 0.")})
    level = _level(store, sku, warehouse)
    return _change_on_hand(
        level, delta, MovementKind.ADJUSTMENT, user=actor, reason=reason, reference=reference
    )


@transaction.atomic
def stocktake(actor, store, sku, warehouse, counted: int, *, reason="", reference=""):
    """Set on hand to what was counted; the difference is the movement. None if equal."""
    if not isinstance(counted, int) or counted < 0:
        raise ValidationError({"counted": _("The count must be a whole number, 0 or more.")})
    level = _level(store, sku, warehouse)
    level = locks.stock_row(level.pk)
    delta = counted - level.on_hand
    if delta == 0:
        return None
    return _change_on_hand(
        level,
        delta,
        MovementKind.STOCKTAKE,
        user=actor,
        reason=reason or _("Stock-take"),
        reference=reference,
    )


@transaction.atomic
def transfer(actor, store, sku, source, target, quantity: int, *, reason="", reference=""):
    """Move free units between two warehouses: one movement out, one in."""
    _positive(quantity)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose a different warehouse to transfer to.")})
    # Lock in primary-key order, as allocation does, so two transfers cannot deadlock.
    first, second = sorted((source, target), key=lambda w: w.pk)
    levels = {w.pk: _level(store, sku, w) for w in (first, second)}
    reason = reason or _("Transfer %(from)s → %(to)s") % {"from": source.code, "to": target.code}
    out = _change_on_hand(
        levels[source.pk],
        -quantity,
        MovementKind.TRANSFER_OUT,
        user=actor,
        reason=reason,
        reference=reference,
    )
    _change_on_hand(
        levels[target.pk],
        quantity,
        MovementKind.TRANSFER_IN,
        user=actor,
        reason=reason,
        reference=reference,
    )
    return out


def _reserve_sql(vendor: str) -> str:
    """One want reserved in one statement: the first stock row of the SKU (by id) with the
    quantity free gets it, and the row's on hand comes back (RETURNING), so nothing is read
    before or after. On PostgreSQL the subquery locks the row it picks (FOR UPDATE re-checks
    the condition once a concurrent holder commits, and moves on to the next row when it no
    longer holds); on SQLite the transaction already holds the one write lock."""
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    # The table's name comes from the model and every value is a parameter.
    sql = (
        f"UPDATE {table} SET reserved = reserved + %s, updated_at = %s "  # noqa: S608
        f"WHERE id = (SELECT id FROM {table} WHERE store_id = %s AND sku_id = %s "
        f"AND on_hand - reserved >= %s ORDER BY id LIMIT 1{lock}) "
        "AND on_hand - reserved >= %s RETURNING id, on_hand, warehouse_id"
    )
    return sql


def _undo(taken: list[tuple[int, int]], now) -> None:
    """Give back what an all-or-none allocation reserved before a line fell short. The rows
    are still locked by this transaction, so nobody saw the units reserved."""
    for level_id, quantity in taken:
        StockLevel.objects.filter(pk=level_id).update(
            reserved=F("reserved") - quantity, updated_at=now
        )


def allocate(store, wants: list[Want], *, reference: str, user=None) -> list[Allocation]:
    """Reserve every want or none: raises InsufficientStock, having given back what it took.

    Each line is reserved whole in the first warehouse (by stock row id) that has it free:
    one conditional `UPDATE … RETURNING` per line, in the order of (SKU, line), so rows are
    locked in (SKU, stock row) order. Call inside a transaction."""
    allocations, moves, taken = [], [], []
    now = timezone.now()
    sql = _reserve_sql(connection.vendor)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for want in sorted(wants, key=lambda w: (w.sku_id, w.line_id)):
            n = want.quantity
            cursor.execute(sql, [n, stamp, store.pk, want.sku_id, n, n])
            row = cursor.fetchone()
            if row is None:
                _undo(taken, now)
                raise InsufficientStock(want.sku_code, n)
            level_id, on_hand, warehouse_id = row
            taken.append((level_id, n))
            allocations.append(
                Allocation(store=store, line_id=want.line_id, level_id=level_id, quantity=n)
            )
            level = StockLevel(
                pk=level_id, store_id=store.pk, sku_id=want.sku_id, warehouse_id=warehouse_id
            )
            moves.append(_reserved_move(level, n, on_hand, user, reference))
    Allocation.objects.bulk_create(allocations)
    StockMovement.objects.bulk_create(moves)
    return allocations


def _reserved_move(level, quantity: int, on_hand: int, user, reference: str) -> StockMovement:
    return _movement(
        level,
        MovementKind.ALLOCATION,
        0,
        quantity,
        user=user,
        reason=_("Reserved for order"),
        reference=reference,
        on_hand=on_hand,
    )


@dataclass
class Reservation:
    """What allocate_many did for one order: its allocations ({attname: value}, as stored),
    or the want it fell short on."""

    allocations: list[dict]
    short: InsufficientStock | None = None


def allocate_many(store, orders: list[tuple[str, list[Want]]], *, user=None) -> list[Reservation]:
    """Reserve stock for several orders at once, each all or none, in the order given, as
    if allocate() ran for each in turn: the stock rows of all their SKUs are locked first,
    in (SKU, stock row) order (locks.stock_rows), the orders are served from what the rows
    hold, then each row gets one conditional UPDATE for what all the orders took from it and
    the allocations and ledger movements are one INSERT each. `orders`: (reference, wants).
    Call inside a transaction."""
    sku_ids = {w.sku_id for _ref, wants in orders for w in wants}
    if not sku_ids:
        return [Reservation([]) for _order in orders]
    by_sku: dict[int, list[tuple[int, int, int]]] = {}  # (pk, warehouse, on hand)
    free: dict[int, int] = {}
    for pk, sku_id, warehouse_id, on_hand, reserved in locks.stock_rows(store, sku_ids).values_list(
        "pk", "sku_id", "warehouse_id", "on_hand", "reserved"
    ):
        by_sku.setdefault(sku_id, []).append((pk, warehouse_id, on_hand))
        free[pk] = on_hand - reserved
    done, allocations, moves = [], [], []
    taken: dict[int, int] = {}
    reason, user_id = _("Reserved for order"), getattr(acting_user(user), "pk", None)
    for reference, wants in orders:
        mine: list[tuple[Want, tuple[int, int, int]]] = []
        mine_free: dict[int, int] = {}
        short = None
        for want in sorted(wants, key=lambda w: (w.sku_id, w.line_id)):
            for level in by_sku.get(want.sku_id, ()):
                if free[level[0]] - mine_free.get(level[0], 0) >= want.quantity:
                    mine_free[level[0]] = mine_free.get(level[0], 0) + want.quantity
                    mine.append((want, level))
                    break
            else:
                short = InsufficientStock(want.sku_code, want.quantity)
                break
        if short is not None:
            done.append(Reservation([], short))
            continue
        made = []
        for want, (pk, warehouse_id, on_hand) in mine:
            n = want.quantity
            free[pk] -= n
            taken[pk] = taken.get(pk, 0) + n
            made.append(
                {"store_id": store.pk, "line_id": want.line_id, "level_id": pk, "quantity": n}
            )
            moves.append(
                {
                    "store_id": store.pk,
                    "sku_id": want.sku_id,
                    "warehouse_id": warehouse_id,
                    "kind": MovementKind.ALLOCATION,
                    "quantity": 0,
                    "reserved_delta": n,
                    "on_hand_after": on_hand,
                    "reason": reason[:200],
                    "reference": reference[:100],
                    "user_id": user_id,
                }
            )
        allocations += made
        done.append(Reservation(made))
    now = timezone.now()
    for level_id in sorted(taken):  # the lock order again
        n = taken[level_id]
        if not StockLevel.objects.filter(pk=level_id, on_hand__gte=F("reserved") + n).update(
            reserved=F("reserved") + n, updated_at=now
        ):
            raise RuntimeError(f"stock row {level_id} changed under its lock")
    new_rows.insert_values(Allocation, allocations)
    new_rows.insert_values(StockMovement, moves)
    return done


def _open(order_id: int):
    return (
        Allocation.objects.filter(line__order_id=order_id, released_at=None, shipped_at=None)
        .select_related("level")
        .order_by("level__sku_id", "level_id")
    )


def release(order, *, user=None, reason: str) -> int:
    """Give back the order's reserved units (cancel, refund before shipping). Returns units."""
    return _settle(order, MovementKind.RELEASE, "released_at", user=user, reason=reason)


def ship(order, *, user=None) -> int:
    """Take the order's reserved units out of stock as it leaves the warehouse."""
    return _settle(order, MovementKind.SHIPMENT, "shipped_at", user=user, reason=_("Shipped"))


def _settle(order, kind, closed_field: str, *, user, reason: str) -> int:
    """End the order's open allocations: each unreserves its units and, when shipped, takes
    them off on hand too; one ledger movement per stock row."""
    now = timezone.now()
    goods_leave = kind == MovementKind.SHIPMENT
    units, moves = 0, []
    for alloc in _open(order.pk):
        n = alloc.quantity
        change = {"reserved": F("reserved") - n, "updated_at": now}
        if goods_leave:
            change["on_hand"] = F("on_hand") - n
        StockLevel.objects.filter(pk=alloc.level_id).update(**change)
        on_hand, _reserved = _after(alloc.level_id)
        moves.append(
            _movement(
                alloc.level,
                kind,
                -n if goods_leave else 0,
                -n,
                user=user,
                reason=reason,
                reference=order.order_id,
                on_hand=on_hand,
            )
        )
        units += n
    Allocation.objects.filter(line__order_id=order.pk, released_at=None, shipped_at=None).update(
        **{closed_field: now}
    )
    StockMovement.objects.bulk_create(moves)
    return units


def restock(order, *, user=None, reason: str) -> int:
    """Put a returned order's shipped units back where they left from."""
    units = 0
    for alloc in (
        Allocation.objects.filter(line__order_id=order.pk)
        .exclude(shipped_at=None)
        .select_related("level__sku", "level__warehouse")
        .order_by("level_id")
    ):
        _change_on_hand(
            alloc.level,
            alloc.quantity,
            MovementKind.RETURN,
            user=user,
            reason=reason,
            reference=order.order_id,
        )
        units += alloc.quantity
    return units


def reconcile(store) -> list[dict]:
    """Stock rows whose ledger does not add up: on hand = Σ quantity, reserved = Σ reserved
    change, reserved = open allocations. Empty when everything reconciles."""
    ledger = {
        (r["sku_id"], r["warehouse_id"]): (r["q"] or 0, r["r"] or 0)
        for r in StockMovement.objects.filter(store=store)
        .values("sku_id", "warehouse_id")
        .annotate(q=Sum("quantity"), r=Sum("reserved_delta"))
    }
    open_units = dict(
        Allocation.objects.filter(store=store, released_at=None, shipped_at=None)
        .values("level_id")
        .annotate(n=Sum("quantity"))
        .values_list("level_id", "n")
    )
    wrong = []
    for level in StockLevel.objects.filter(store=store).select_related("sku", "warehouse"):
        q, r = ledger.pop((level.sku_id, level.warehouse_id), (0, 0))
        held = open_units.get(level.pk, 0)
        if (q, r, held) != (level.on_hand, level.reserved, level.reserved) or level.on_hand < 0:
            wrong.append(
                {
                    "sku": level.sku.code,
                    "warehouse": level.warehouse.code,
                    "on_hand": level.on_hand,
                    "ledger_on_hand": q,
                    "reserved": level.reserved,
                    "ledger_reserved": r,
                    "open_allocations": held,
                }
            )
    return wrong
