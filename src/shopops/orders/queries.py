"""Reads for the fulfilment pages: the queues, the overdue list and the two logistics
reports (物流时效跟踪表, 异常物流处理记录)."""

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q
from django.utils import timezone

from shopops.core.numbers import percentile, ratio
from shopops.orders.models import (
    DelayCase,
    FulfilmentSettings,
    Order,
    OrderHold,
    OrderStatus,
    Shipment,
)

S = OrderStatus
TABS = ("exceptions", "to_audit", "to_ship", "overdue", "all")
UNSHIPPED = (S.PAID, S.AUDITED, S.ALLOCATED)  # paid, not yet shipped (nor cancelled)
PAGE = 200


def _open_holds():
    return OrderHold.objects.filter(order=OuterRef("pk"), resolved_at=None)


def in_tab(store, tab: str, *, now=None):
    """The orders of one tab of the order page; the tabs' counts read the same."""
    if tab == "overdue":
        return overdue(store, now=now)
    rows = Order.objects.filter(store=store).annotate(held=Exists(_open_holds()))
    if tab == "exceptions":
        return rows.filter(held=True).exclude(status__in=(S.CANCELLED, S.REFUNDED))
    if tab == "to_audit":
        return rows.filter(status=S.PAID, held=False)
    if tab == "to_ship":
        return rows.filter(status=S.ALLOCATED)
    return rows


def queue(store, tab: str, *, now=None, search: str = ""):
    """The orders of one tab, oldest payment first, with their open holds prefetched and
    `late` set by the overdue rule (`is_overdue`), on every tab."""
    now = now or timezone.now()
    rows = in_tab(store, tab, now=now).annotate(
        late=ExpressionWrapper(is_overdue(store, now=now), output_field=BooleanField())
    )
    if search:
        rows = rows.filter(order_id__icontains=search.strip())
    order_by = ("paid_at", "pk") if tab != "all" else ("-created_at", "-pk")
    return rows.order_by(*order_by).prefetch_related(
        Prefetch("holds", queryset=OrderHold.objects.filter(resolved_at=None), to_attr="open"),
        "lines",
    )


def counts(store, *, now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        tab: in_tab(store, tab, now=now).count()
        for tab in ("exceptions", "to_audit", "to_ship", "overdue")
    }


def is_overdue(store, *, now=None) -> Q:
    """The overdue rule, stated once: a paid order not shipped within the store's shipping
    promise (default 48 h) of its payment, i.e. its `ship_by` deadline has passed. The
    overdue tab filters by it; every queue row carries it as `late`."""
    now = now or timezone.now()
    promise = timedelta(hours=FulfilmentSettings.of(store).shipping_promise_hours)
    return Q(status__in=UNSHIPPED, paid_at__lt=now - promise)


def overdue(store, *, now=None):
    """Paid orders past their shipping deadline (`is_overdue`)."""
    return Order.objects.filter(is_overdue(store, now=now), store=store)


def ship_by(order, rules: FulfilmentSettings):
    """When a paid order must ship; None unpaid, or when the deadline would fall past the
    calendar's end (a time near 9999-12-31 stored from a file before times were bounded:
    the page shows the order rather than failing)."""
    if order.paid_at is None:
        return None
    try:
        return order.paid_at + timedelta(hours=rules.shipping_promise_hours)
    except OverflowError:
        return None


def local_time(value: datetime | None) -> datetime | None:
    """`value` in the current time zone, for a page. At the calendar's edge (a time near
    0001-01-01 or 9999-12-31 stored from a file before times were bounded) converting it
    overflows; then its UTC wall time, naive so that templates show it as it is."""
    if value is None:
        return None
    try:
        return timezone.localtime(value)
    except OverflowError:
        return timezone.make_naive(value, UTC)


@dataclass
class CarrierRow:
    carrier: str
    shipped: int
    delivered: int
    in_transit: int
    average_hours: Decimal | None
    p90_hours: Decimal | None
    on_time: int
    on_time_rate: Decimal | None
    exceptions: int


def _local_range(store, start: date, end: date) -> tuple[datetime, datetime]:
    zone = store.zone
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def timeliness(store, start: date, end: date) -> tuple[list[CarrierRow], CarrierRow | None]:
    """物流时效跟踪表: per carrier, the shipments shipped in [start, end] (store days):
    delivered, average and 90th-percentile hours from shipping to delivery, and the share
    delivered within the store's delivery promise. The second value is the total row."""
    promise = FulfilmentSettings.of(store).delivery_promise_hours
    lo, hi = _local_range(store, start, end)
    shipments = Shipment.objects.filter(store=store, shipped_at__gte=lo, shipped_at__lt=hi)
    cases = dict(
        DelayCase.objects.filter(shipment__in=shipments)
        .values("shipment__carrier")
        .annotate(n=Count("pk"))
        .values_list("shipment__carrier", "n")
    )
    by_carrier: dict[str, list] = {}
    for carrier, shipped, delivered in shipments.values_list(
        "carrier", "shipped_at", "delivered_at"
    ):
        by_carrier.setdefault(carrier, []).append((shipped, delivered))
    rows = [
        _carrier_row(carrier, pairs, promise, cases.get(carrier, 0))
        for carrier, pairs in sorted(by_carrier.items())
    ]
    every = [p for pairs in by_carrier.values() for p in pairs]
    total = _carrier_row("", every, promise, sum(cases.values())) if every else None
    return rows, total


def _carrier_row(carrier, pairs, promise_hours, exceptions) -> CarrierRow:
    hours = [(d - s).total_seconds() / 3600 for s, d in pairs if d is not None]
    on_time = sum(1 for h in hours if h <= promise_hours)
    # Nearest rank: the smallest time at or under which 90% of deliveries arrived.
    p90 = _hours(percentile(hours, 0.9)) if hours else None
    return CarrierRow(
        carrier=carrier,
        shipped=len(pairs),
        delivered=len(hours),
        in_transit=len(pairs) - len(hours),
        average_hours=_hours(statistics.fmean(hours)) if hours else None,
        p90_hours=p90,
        on_time=on_time,
        on_time_rate=ratio(on_time, len(hours), places=Decimal("0.0001")),
        exceptions=exceptions,
    )


def delay_cases(store, start: date, end: date, status: str = ""):
    """异常物流处理记录: the cases found in [start, end] (store days), newest first."""
    lo, hi = _local_range(store, start, end)
    rows = DelayCase.objects.filter(store=store, opened_at__gte=lo, opened_at__lt=hi)
    if status == "open":
        rows = rows.exclude(status="closed")
    elif status:
        rows = rows.filter(status=status)
    return rows.select_related("shipment__order", "handled_by").order_by("-opened_at", "-pk")
