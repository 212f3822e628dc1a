"""Shipment tracking and logistics exceptions (异常物流处理记录): events in, delays found,
what was done about them (contact the buyer, compensate) written down."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.core import audit
from shopops.orders import locks, services
from shopops.orders.models import (
    Compensation,
    DelayCase,
    DelayKind,
    DelayStatus,
    FulfilmentSettings,
    OrderStatus,
    Shipment,
    ShipmentEvent,
)

# Carriers' words for a parcel handed over; anything else is a step on the way.
DELIVERED = {"delivered", "signed", "签收", "已签收", "妥投"}
RETURNED = {"returned", "退回", "已退回"}


def record_events(actor, store, carrier: str, tracking_no: str, events: list[dict], *, via="web"):
    """Add a shipment's tracking events (repeats are ignored). A delivery event delivers the
    order. Returns how many events were new."""
    shipment = Shipment.objects.filter(
        store=store, carrier=carrier, tracking_no=tracking_no
    ).first()
    if shipment is None:
        raise ValidationError(
            {
                "tracking_no": _("No shipment %(c)s %(t)s in this store.")
                % {"c": carrier, "t": tracking_no}
            }
        )
    added = 0
    with transaction.atomic():
        for i, e in enumerate(events):
            at = e.get("at")
            if at is None or timezone.is_naive(at):
                raise ValidationError({f"events[{i}].at": _("A time with its zone.")})
            status = str(e.get("status") or "").strip()
            if not status:
                raise ValidationError({f"events[{i}].status": _("Required.")})
            _event, created = ShipmentEvent.objects.get_or_create(
                store=store,
                shipment=shipment,
                at=at,
                status=status[:32],
                defaults={
                    "location": str(e.get("location") or "")[:200],
                    "description": str(e.get("description") or "")[:500],
                },
            )
            added += created
        latest = shipment.events.order_by("-at", "-pk").first()
        if latest is not None:
            shipment.status = latest.status
            shipment.save(update_fields=["status"])
        delivered = (
            shipment.events.filter(status__in=DELIVERED)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if delivered is not None and shipment.delivered_at is None:
            shipment.delivered_at = delivered
            shipment.save(update_fields=["delivered_at"])
            if shipment.order.status == OrderStatus.SHIPPED:
                services.deliver(actor, shipment.order, at=delivered, via=via)
            # A delivered parcel is no longer stalled.
            shipment.delay_cases.filter(kind=DelayKind.STALLED).exclude(
                status=DelayStatus.CLOSED
            ).update(status=DelayStatus.CLOSED, closed_at=timezone.now(), result=_("delivered"))
    return added


def find_delays(store, now=None) -> int:
    """Open a case for each shipment gone late or silent (the worker runs this hourly)."""
    now = now or timezone.now()
    rules = FulfilmentSettings.of(store)
    in_transit = Shipment.objects.filter(store=store, delivered_at=None).exclude(
        status__in=RETURNED
    )
    opened = 0
    late = in_transit.filter(shipped_at__lt=now - timedelta(hours=rules.delivery_promise_hours))
    for shipment in late:
        detail = _("not delivered %(h)d h after shipping") % {"h": rules.delivery_promise_hours}
        opened += _open_case(shipment, DelayKind.LATE, detail) is not None
    silent_since = now - timedelta(hours=rules.stalled_tracking_hours)
    stalled = (
        in_transit.filter(shipped_at__lt=silent_since)
        .annotate(last=Max("events__at"))
        .filter(Q(last__lt=silent_since) | Q(last=None))
    )
    for shipment in stalled:
        detail = _("no tracking update for %(h)d h") % {"h": rules.stalled_tracking_hours}
        opened += _open_case(shipment, DelayKind.STALLED, detail) is not None
    return opened


def _open_case(shipment, kind, detail) -> DelayCase | None:
    """A new case, or None when the shipment has an open one of this kind already."""
    if shipment.delay_cases.filter(kind=kind).exclude(status=DelayStatus.CLOSED).exists():
        return None
    return DelayCase.objects.create(
        store_id=shipment.store_id, shipment=shipment, kind=kind, detail=detail
    )


CASE_FIELDS = [
    "kind",
    "status",
    "contact_note",
    "compensation",
    "compensation_amount",
    "result",
]


@transaction.atomic
def handle(
    actor,
    case: DelayCase,
    *,
    contact_note: str = "",
    compensation: str = "",
    compensation_amount: Decimal | None = None,
    result: str = "",
    close: bool = False,
    via="web",
) -> DelayCase:
    """Write down the buyer contact, the compensation and the outcome of a case."""
    case = locks.delay_case(case.pk)
    if case.status == DelayStatus.CLOSED:
        raise ValidationError({"status": _("The case is closed.")})
    before = audit.snapshot(case, CASE_FIELDS)
    now = timezone.now()
    if contact_note.strip():
        case.contact_note = contact_note.strip()[:500]
        case.contacted_at = case.contacted_at or now
        case.status = DelayStatus.CONTACTED
    if compensation:
        if compensation not in Compensation.values:
            raise ValidationError({"compensation": _("Unknown compensation.")})
        amount = Decimal(compensation_amount or 0)
        if amount < 0:
            raise ValidationError({"compensation_amount": _("0 or more.")})
        case.compensation, case.compensation_amount = compensation, amount
    if result.strip():
        case.result = result.strip()[:500]
    if close:
        if not case.result:
            raise ValidationError({"result": _("Write the outcome before closing the case.")})
        case.status, case.closed_at = DelayStatus.CLOSED, now
    case.handled_by = audit.acting_user(actor)
    case.save()
    audit.record(actor, case, "update", before, audit.snapshot(case, CASE_FIELDS), via=via)
    return case
