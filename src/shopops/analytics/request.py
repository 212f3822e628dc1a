"""What a metrics query asks for, and which dimensions each fact family carries.

A dimension a family does not carry makes that family's metrics undefined (None) along it:
visitors have no province, an order has no traffic source. That is shown as a blank, never
as 0.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

GRAINS = ("day", "week", "month", "quarter", "none")
DIMENSIONS = ("store", "channel", "province", "category", "sku", "source", "ad_channel", "plan",
              "keyword")  # fmt: skip
# Dimensions that live on order lines: order metrics along them are read from the lines
# (gmv of a SKU = its line GMV; buyers of a SKU = distinct buyers of orders with that SKU).
LINE_LEVEL = frozenset({"sku", "category"})

# Column of each dimension in each family's relation.
FAMILY_DIMENSIONS = {
    "orders": {"store": "store_id", "channel": "channel", "province": "province"},
    "order_lines": {
        "store": "store_id",
        "channel": "channel",
        "province": "province",
        "sku": "sku_code",
        "category": "category",
    },
    "lines": {
        "store": "store_id",
        "channel": "channel",
        "province": "province",
        "sku": "sku_code",
        "category": "category",
    },
    "traffic": {"store": "store_id", "source": "source", "sku": "sku_code", "category": "category"},
    "ads": {"store": "store_id", "ad_channel": "channel", "plan": "plan", "keyword": "keyword"},
}
# Order metrics that exist per line (the others, refunds and order costs, do not split).
ORDER_KEYS_PER_LINE = frozenset({"gmv", "orders", "buyers", "repeat_buyers", "new_buyers"})


@dataclass(frozen=True)
class Request:
    stores: tuple  # Store objects
    start: date
    end: date
    grain: str = "day"
    dims: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    # Order facts of each day paid before this local time only (today so far against
    # yesterday up to the same time); None: whole days.
    until: time | None = None
    # analytics.conversion.Conversion: money of stores in different currencies converted
    # to the reporting currency, day by day; None: one currency, nothing converted.
    conversion: object = None

    @property
    def store_ids(self) -> tuple[int, ...]:
        return tuple(int(s.pk) for s in self.stores)

    @property
    def question(self) -> tuple:
        """What is asked, apart from the stores and the conversion: part of every key a
        result or its compiled SQL is kept under."""
        return (self.start, self.end, self.grain, self.dims, self.filters, self.until)

    @property
    def touched(self) -> set[str]:
        """Dimensions used as a breakdown or a filter."""
        return set(self.dims) | {d for d, _ in self.filters}

    def family_for_orders(self) -> str:
        return "order_lines" if self.touched & LINE_LEVEL else "orders"

    def supports(self, family: str) -> bool:
        return self.touched <= set(FAMILY_DIMENSIONS[family])

    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)


def validate(grain: str, dims, filters) -> None:
    if grain not in GRAINS:
        raise ValueError(f"grain: one of {', '.join(GRAINS)}")
    if len(dims) > 2:
        raise ValueError("at most two dimensions")
    for dim in [*dims, *(d for d, _ in filters)]:
        if dim not in DIMENSIONS:
            raise ValueError(f"dimension {dim!r}: one of {', '.join(DIMENSIONS)}")
    if len(set(dims)) != len(dims):
        raise ValueError("a dimension is given twice")


def parse_filters(items: list[str]) -> dict[str, list[str]]:
    """`dim:value` items, repeated: filter=source:paid&filter=source:natural_search."""
    out: dict[str, list[str]] = {}
    for item in items:
        dim, sep, value = item.partition(":")
        if not sep or dim not in DIMENSIONS:
            raise ValueError(
                f"filter {item!r}: write dimension:value, the dimension one of "
                f"{', '.join(DIMENSIONS)}"
            )
        out.setdefault(dim, []).append(value)
    return out


def local_window(store, first, last) -> tuple[datetime, datetime]:
    """The instants of the store's local days first..last: [midnight of first, midnight
    after last) in its zone, for reading facts by time (paid_at) a day at a time."""
    zone = store.zone
    return (
        datetime.combine(first, time(), zone),
        datetime.combine(last + timedelta(days=1), time(), zone),
    )


def utc_window(start, end) -> tuple[datetime, datetime]:
    """UTC instants surely covering the local days start..end in any zone (UTC-12..+14)."""
    low = datetime.combine(start - timedelta(days=1), time(), UTC)
    high = datetime.combine(end + timedelta(days=2), time(), UTC)
    return low, high
