"""Reads of stock: levels with their alert state, and what each channel may sell."""

from django.db.models import F, Q, Sum

from shopops.inventory.models import ChannelBuffer, StockLevel


def _below_safety() -> Q:
    return Q(safety_stock__gt=0, on_hand__lt=F("reserved") + F("safety_stock"))


def _below_warning() -> Q:
    return Q(warning_stock__gt=0, on_hand__lt=F("reserved") + F("warning_stock"))


def level_rows(store, *, sku=None, warehouse=None, alert: str = ""):
    """Stock rows of a store as an ordered queryset (a page of it is read, not all of it);
    `alert` keeps those below `safety` or `warning` stock, by alert_state's rule."""
    rows = StockLevel.objects.filter(store=store).select_related("sku__product", "warehouse")
    if sku:
        rows = rows.filter(Q(sku__code__icontains=sku) | Q(sku__product__name__icontains=sku))
    if warehouse:
        rows = rows.filter(warehouse__code=warehouse)
    if alert == "safety":
        rows = rows.filter(_below_safety())
    elif alert == "warning":
        rows = rows.filter(_below_safety() | _below_warning())
    return rows.order_by("sku__code", "warehouse__code", "pk")


def with_states(levels) -> list[tuple]:
    return [(level, alert_state(level)) for level in levels]


def levels(store, *, sku=None, warehouse=None, alert: str = ""):
    """(stock row, alert state) of every row level_rows gives."""
    return with_states(level_rows(store, sku=sku, warehouse=warehouse, alert=alert))


def below_safety_count(store) -> int:
    """How many stock rows of a store are below their safety stock (alert_state's rule),
    counted by the database."""
    return StockLevel.objects.filter(store=store).filter(_below_safety()).count()


def alert_state(level) -> str | None:
    """below_safety (断货风险), below_warning (预警) or None, on available stock."""
    available = level.on_hand - level.reserved
    if level.safety_stock and available < level.safety_stock:
        return "below_safety"
    if level.warning_stock and available < level.warning_stock:
        return "below_warning"
    return None


def sku_totals(store, sku_codes=None):
    """Per SKU over all its warehouses: on_hand, reserved and safety_stock, by SKU code."""
    rows = StockLevel.objects.filter(store=store)
    if sku_codes:
        rows = rows.filter(sku__code__in=sku_codes)
    return (
        rows.values("sku_id", "sku__code")
        .annotate(
            on_hand=Sum("on_hand"), reserved=Sum("reserved"), safety_stock=Sum("safety_stock")
        )
        .order_by("sku__code")
    )


def available_to_sell(store, channel: str, sku_codes=None) -> list[dict]:
    """Per SKU: available over all warehouses, the channel's buffer, and what it may sell
    (available - buffer, never below 0). A SKU's own buffer wins over the channel default."""
    totals = sku_totals(store, sku_codes)
    buffers = {
        sku_id: units
        for sku_id, units in ChannelBuffer.objects.filter(store=store, channel=channel).values_list(
            "sku_id", "units"
        )
    }
    default = buffers.get(None, 0)
    out = []
    for t in totals:
        available = t["on_hand"] - t["reserved"]
        buffer = buffers.get(t["sku_id"], default)
        out.append(
            {
                "sku": t["sku__code"],
                "on_hand": t["on_hand"],
                "reserved": t["reserved"],
                "available": available,
                "buffer": buffer,
                "available_to_sell": max(available - buffer, 0),
            }
        )
    return out
