"""The bounds of a metrics query, checked alike by the API and `./shopops metrics`: the date
window and the longest period come from core.bounds, the compared periods from the same
`shift` the query uses. Each raises bounds.OutOfBounds (a ValueError) naming the parameter."""

from datetime import date, timedelta

from shopops.analytics.queries import COMPARES, shift
from shopops.core import bounds


def check_metrics_query(
    start: date, end: date, grain: str = "day", compare: str | None = None, *, today=None
) -> None:
    """from/to within the window and at most 5 years apart; with compare=prev|wow|yoy the
    compared period within the window too (prev of 2000-01-01 is refused, not run)."""
    bounds.check_query_period(start, end, today=today)
    if compare in COMPARES:
        length = (end - start).days + 1
        bounds.check_compared_period(
            lambda: (shift(start, compare, grain, length), shift(end, compare, grain, length)),
            "compare",
            today=today,
        )


def explain_periods(
    start: date, end: date, base_from: date | None, base_to: date | None, *, today=None
) -> tuple[date, date]:
    """The base period of /metrics/explain (by default the one just before, of the same
    length), both periods checked like a metrics query."""
    bounds.check_query_period(start, end, today=today)
    # Safe arithmetic now: from/to lie in the window and the period is at most 5 years.
    length = end - start + timedelta(days=1)
    first, last = (base_from or start - length, base_to or end - length)
    bounds.check_query_period(
        first, last, start_field="base_from", end_field="base_to", today=today
    )
    return first, last
