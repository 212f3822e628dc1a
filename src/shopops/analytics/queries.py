"""The one function pages, reports, alerts, the API and the CLI call for numbers."""

from datetime import date, timedelta
from decimal import Decimal

from shopops.analytics.catalog import finish, lookup, resolve
from shopops.analytics.engines import ENGINES, GRAINS, period_label

ZEROS = {"gmv": Decimal(0), "refunds": Decimal(0), "orders": 0, "buyers": 0, "repeat_buyers": 0}


def periods(start: date, end: date, grain: str) -> list[str]:
    labels, day = [], start
    while day <= end:
        label = period_label(day, grain)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def metrics(
    keys: list[str], store, start: date, end: date, grain: str = "day", engine: str = "duckdb"
) -> list[dict]:
    """One row per period of the store-local calendar, every period present (an empty day
    has 0 orders and no AOV), each row {"period": …, metric: value}."""
    if grain not in GRAINS:
        raise ValueError(f"grain: one of {', '.join(GRAINS)}")
    if engine not in ENGINES:
        raise ValueError(f"engine: one of {', '.join(ENGINES)}")
    if end < start:
        raise ValueError("the period ends before it starts")
    requested, base = resolve(keys)
    # A period without rows has zero of every base measure (and so no ratios).
    zeros = {key: Decimal(0) if lookup(key).unit == "money" else 0 for key in base}
    computed = ENGINES[engine](store, start, end, grain, base)
    return [
        {"period": label, **finish(requested, {**zeros, **computed.get(label, {})})}
        for label in periods(start, end, grain)
    ]
