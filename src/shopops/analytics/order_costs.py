"""The order costs of gross profit each store sets: which base metric needs which column,
and each store's values. Plain Python, read by every engine."""

from decimal import Decimal

# The order costs a base metric needs from the store's settings: (metric, column, SQL type,
# position in `store_parameters`). DECIMAL(24,6) keeps amount x rate exact.
ORDER_COST_COLUMNS = (
    ("commission", "commission_rate", "DECIMAL(24,6)", 2),
    ("payment_fees", "payment_fee_rate", "DECIMAL(24,6)", 3),
    ("shipping_cost", "shipping_cost", "DECIMAL(18,2)", 4),
    ("packaging_cost", "packaging_cost", "DECIMAL(18,2)", 5),
)


def store_parameters(stores) -> list[tuple]:
    """(id, zone, rates and per-order costs) of each store: the order costs of gross profit."""
    return [
        (
            int(s.pk),
            s.timezone,
            Decimal(s.commission_rate),
            Decimal(getattr(s, "payment_fee_rate", 0) or 0),
            Decimal(getattr(s, "shipping_cost_per_order", 0) or 0),
            Decimal(getattr(s, "packaging_cost_per_order", 0) or 0),
        )
        for s in stores
    ]
