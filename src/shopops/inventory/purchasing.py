"""Purchase orders: draft -> ordered -> partly / fully received (or cancelled). Receiving
writes receipt movements to the ledger and then sends `signals.stock_arrived`, on which the
orders app serves the stock-short orders waiting."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.core import audit
from shopops.inventory import locks, signals
from shopops.inventory import services as stock
from shopops.inventory.models import PurchaseOrder, PurchaseOrderLine, PurchaseStatus

S = PurchaseStatus
AUDITED = ["status", "supplier", "warehouse", "expected_at", "note"]


def _number(store) -> str:
    today = timezone.now().astimezone(store.zone).strftime("%Y%m%d")
    n = PurchaseOrder.objects.filter(store=store, number__startswith=f"PO{today}").count() + 1
    return f"PO{today}-{n:03d}"


@transaction.atomic
def create(
    actor, store, *, warehouse, lines: list[tuple], supplier=None, expected_at=None, note=""
):
    """A draft PO. `lines` are (sku, quantity[, unit_cost]); quantities above 0."""
    merged: dict[int, list] = {}
    for line in lines:
        sku, qty = line[0], line[1]
        if not isinstance(qty, int) or qty <= 0:
            raise ValidationError({"quantity": _("%(sku)s: order at least 1.") % {"sku": sku.code}})
        cost = line[2] if len(line) > 2 else sku.cost
        if sku.pk in merged:
            merged[sku.pk][1] += qty
        else:
            merged[sku.pk] = [sku, qty, cost]
    if not merged:
        raise ValidationError({"lines": _("A purchase order needs at least one line.")})
    po = PurchaseOrder(
        store=store,
        number=_number(store),
        supplier=supplier,
        warehouse=warehouse,
        expected_at=expected_at,
        note=note[:500],
        created_by=audit.acting_user(actor),
    )
    for _attempt in range(5):  # two drafts at the same moment: take the next number
        try:
            with transaction.atomic():
                po.save()
            break
        except IntegrityError:
            po.pk = None
            po.number = po.number.rsplit("-", 1)[0] + f"-{int(po.number.rsplit('-', 1)[1]) + 1:03d}"
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(store=store, order=po, sku=sku, quantity=qty, unit_cost=cost)
        for sku, qty, cost in merged.values()
    )
    audit.record(actor, po, "create", None, audit.snapshot(po, AUDITED))
    return po


def _set_status(actor, po, status: str, allowed: tuple, **fields) -> PurchaseOrder:
    before = audit.snapshot(po, AUDITED)
    if not PurchaseOrder.objects.filter(pk=po.pk, status__in=allowed).update(
        status=status, **fields
    ):
        po.refresh_from_db()
        raise ValidationError(
            {
                "status": _("%(po)s is %(s)s; it cannot become %(t)s.")
                % {"po": po.number, "s": po.get_status_display(), "t": S(status).label}
            }
        )
    po.refresh_from_db()
    audit.record(actor, po, "update", before, audit.snapshot(po, AUDITED))
    return po


@transaction.atomic
def place(actor, po: PurchaseOrder, expected_at: date | None = None) -> PurchaseOrder:
    """Send the draft to the supplier: its lines count as on order from now."""
    return _set_status(
        actor,
        po,
        S.ORDERED,
        (S.DRAFT,),
        ordered_at=timezone.now(),
        expected_at=expected_at or po.expected_at,
    )


@transaction.atomic
def cancel(actor, po: PurchaseOrder) -> PurchaseOrder:
    if po.lines.filter(received__gt=0).exists():
        raise ValidationError(
            {
                "status": _("Goods of %(po)s were received; it cannot be cancelled.")
                % {"po": po.number}
            }
        )
    return _set_status(actor, po, S.CANCELLED, (S.DRAFT, S.ORDERED))


def receive(actor, po: PurchaseOrder, quantities: dict[int, int], *, reference: str = "") -> int:
    """Receive units per PO line id. Never more than outstanding; one transaction for the
    whole receipt, then `stock_arrived` is sent (queued stock-short orders are served).
    Returns units received."""
    with transaction.atomic():
        po = locks.purchase_order(po.pk)
        if po.status not in (S.ORDERED, S.PARTIAL):
            raise ValidationError(
                {
                    "status": _("%(po)s is %(s)s; only ordered goods are received.")
                    % {"po": po.number, "s": po.get_status_display()}
                }
            )
        lines = {line.pk: line for line in po.lines.select_related("sku")}
        total = 0
        for line_id, qty in quantities.items():
            if not qty:
                continue
            line = lines.get(line_id)
            if line is None:
                raise ValidationError({"line": _("Not a line of %(po)s.") % {"po": po.number}})
            if qty < 0 or qty > line.outstanding:
                raise ValidationError(
                    {
                        "quantity": _("%(sku)s: %(n)d outstanding; %(q)d cannot be received.")
                        % {"sku": line.sku.code, "n": line.outstanding, "q": qty}
                    }
                )
            PurchaseOrderLine.objects.filter(pk=line.pk).update(received=F("received") + qty)
            stock.receive(
                actor,
                po.store,
                line.sku,
                po.warehouse,
                qty,
                reason=_("Purchase receipt"),
                reference=reference or po.number,
            )
            total += qty
        if not total:
            raise ValidationError({"quantity": _("Enter the units received.")})
        done = not po.lines.filter(received__lt=F("quantity")).exists()
        _set_status(actor, po, S.RECEIVED if done else S.PARTIAL, (S.ORDERED, S.PARTIAL))
    signals.stock_arrived.send(
        sender=PurchaseOrder,
        store=po.store,
        sku_ids=[line.sku_id for line in lines.values()],
        actor=actor,
    )
    return total
