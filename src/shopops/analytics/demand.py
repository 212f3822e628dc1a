"""Daily demand per SKU for replenishment, cleaned of what will not recur.

Real stores have one-off orders: a wholesale buyer, a group purchase, 刷单, an order that
was cancelled the same day. A forecast fed with them suggests a year's warehouse. Here each
SKU's paid order lines are read, and left out of its demand (listed, so that a person can
put one back):
- lines of cancelled or fully refunded orders: the demand never existed;
- bulk lines: far above the SKU's usual line quantity (above both BULK_QUANTILE_TIMES x
  the 95th percentile and BULK_MEDIAN_TIMES x the median of the SKU's other lines), or,
  without enough other lines, one line above BULK_SHARE of the SKU's units in the window;
  never a line under BULK_MIN_UNITS.

Read from the order facts through the ORM, like the reference engine: per-line quantities
are not a metric of the catalog.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

BULK_QUANTILE_TIMES = 3
BULK_MEDIAN_TIMES = 10
BULK_SHARE = 0.5
BULK_MIN_UNITS = 20
MIN_OTHER_LINES = 5  # fewer other lines: the share rule decides


@dataclass
class Excluded:
    sku: str
    order_id: str
    day: date
    quantity: int
    reason: str  # bulk | cancelled | refunded
    buyer: str = ""  # masked


@dataclass
class Demand:
    """Cleaned units per SKU and local day, what was left out, and the first day each SKU
    sold (cleaned), over the window read."""

    units: dict[str, dict[date, int]] = field(default_factory=dict)
    excluded: list[Excluded] = field(default_factory=list)
    first_sale: dict[str, date] = field(default_factory=dict)


def _p95(values: list[int]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def is_bulk(quantity: int, others: list[int], window_units: int) -> bool:
    """Whether one line of `quantity` is one-off demand against the SKU's `others` lines."""
    if quantity < BULK_MIN_UNITS:
        return False
    usual = median(others) if others else 1
    if len(others) >= MIN_OTHER_LINES:
        return quantity > max(BULK_QUANTILE_TIMES * _p95(others), BULK_MEDIAN_TIMES * usual)
    return quantity > BULK_SHARE * window_units and quantity > BULK_MEDIAN_TIMES * usual


def demand(store, start: date, end: date, restored: dict | None = None) -> Demand:
    """The store's cleaned daily demand per SKU over its local days start..end;
    `restored` {sku: order ids} the team put back into the demand (never left out)."""
    restored = restored or {}
    from shopops.analytics.request import local_window
    from shopops.core.access import mask_name
    from shopops.orders.models import OrderLine, OrderStatus

    zone = store.zone
    low, high = local_window(store, start, end)
    lines = list(
        OrderLine.objects.filter(
            store=store, order__paid_at__gte=low, order__paid_at__lt=high
        ).values_list(
            "sku_code", "quantity", "order__order_id", "order__paid_at", "order__status",
            "order__paid_amount", "order__refunded_amount", "order__customer__platform_id",
        )
    )  # fmt: skip
    out = Demand()
    kept: dict[str, list[tuple]] = {}
    for sku, quantity, order_id, paid_at, status, paid, refunded, buyer in lines:
        day = paid_at.astimezone(zone).date()
        gone = status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) or (
            paid and refunded and refunded >= paid
        )
        if gone and order_id not in restored.get(sku, ()):
            reason = "cancelled" if status == OrderStatus.CANCELLED else "refunded"
            out.excluded.append(
                Excluded(sku, order_id, day, quantity, reason, mask_name(buyer or ""))
            )
            continue
        kept.setdefault(sku, []).append((day, quantity, order_id, buyer))
    for sku, items in kept.items():
        total = sum(q for _d, q, _o, _b in items)
        quantities = [q for _d, q, _o, _b in items]
        series = out.units.setdefault(sku, {})
        for i, (day, quantity, order_id, buyer) in enumerate(items):
            others = quantities[:i] + quantities[i + 1 :]
            if order_id not in restored.get(sku, ()) and is_bulk(quantity, others, total):
                out.excluded.append(
                    Excluded(sku, order_id, day, quantity, "bulk", mask_name(buyer or ""))
                )
                continue
            series[day] = series.get(day, 0) + quantity
        if series:
            out.first_sale[sku] = min(series)
    out.excluded.sort(key=lambda e: (e.sku, e.day, e.order_id))
    return out


def largest_30_days(series: dict[date, int], end: date, days: int = 365) -> int:
    """The largest sum of 30 consecutive days of `series` in the `days` days ending `end`."""
    start = end - timedelta(days=days - 1)
    values = [series.get(start + timedelta(days=i), 0) for i in range(days)]
    best = window = sum(values[:30])
    for i in range(30, len(values)):
        window += values[i] - values[i - 30]
        best = max(best, window)
    return best
