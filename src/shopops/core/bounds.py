"""What ShopOps accepts from outside, in one place per concern: the date window of queries
and of event times, numbers within the model's precision, text within the model's length
and free of characters that break storage or mislead the eye. API, intake, CLI and the
import's field parsers call these, so SQLite (which enforces none of the model's limits)
answers exactly as PostgreSQL does.

Every check raises OutOfBounds (a ValueError) naming the field; callers turn it into their
422, row error or CLI message."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import TextField
from django.utils import timezone

# Dates. Nothing a team sells or queries lies before this day.
EARLIEST_DATE = date(2000, 1, 1)
# Queries may reach to the end of the year this many years ahead (plans, goals) …
QUERY_YEARS_AHEAD = 5
# … and cover at most this many days (5 years).
MAX_QUERY_DAYS = 5 * 366

# Free text stored in a TextField (no column limit): the most ShopOps keeps.
TEXT_MAX_LENGTH = 2000

# Lone surrogates cannot be encoded (PostgreSQL, UTF-8 files) and are never text.
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 control characters; free text may keep tab and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional overrides, embeddings, isolates and marks: an identifier with U+202E shows
# as another identifier ("Trojan Source"); line and paragraph separators break lines.
_INVISIBLE_IN_ID = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


class OutOfBounds(ValueError):
    """A value outside what ShopOps accepts; `field` names it, `message` says what fits."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --- dates of queries -----------------------------------------------------------------


def latest_query_date(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(today.year + QUERY_YEARS_AHEAD, 12, 31)


def check_query_date(day: date, field: str, *, today: date | None = None) -> date:
    latest = latest_query_date(today)
    if not EARLIEST_DATE <= day <= latest:
        raise OutOfBounds(
            field,
            f"{day.isoformat()} is outside the dates ShopOps reads, "
            f"{EARLIEST_DATE.isoformat()} to {latest.isoformat()}",
        )
    return day


def check_query_period(
    start: date,
    end: date,
    *,
    start_field: str = "from",
    end_field: str = "to",
    today: date | None = None,
) -> None:
    """Both days within the window, in order, and at most MAX_QUERY_DAYS apart."""
    check_query_date(start, start_field, today=today)
    check_query_date(end, end_field, today=today)
    if end < start:
        raise OutOfBounds(end_field, "the period ends before it starts")
    days = (end - start).days + 1
    if days > MAX_QUERY_DAYS:
        raise OutOfBounds(
            end_field,
            f"a period of at most {MAX_QUERY_DAYS} days (5 years); "
            f"{start.isoformat()} to {end.isoformat()} has {days}",
        )


def check_compared_period(period, field: str, *, today: date | None = None) -> None:
    """A period derived from the query (compare=prev/wow/yoy): `period` computes its first
    and last day, date arithmetic that may fall off the calendar."""
    try:
        start, end = period()
    except (OverflowError, ValueError):
        raise OutOfBounds(field, "the compared period would fall outside the calendar") from None
    latest = latest_query_date(today)
    if start < EARLIEST_DATE or end > latest:
        raise OutOfBounds(
            field,
            f"the compared period {start.isoformat()} to {end.isoformat()} falls outside "
            f"{EARLIEST_DATE.isoformat()} to {latest.isoformat()}",
        )


# --- event times ----------------------------------------------------------------------


def event_time_window(zone, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[2000-01-01 00:00, the day after tomorrow 00:00) in the store's zone: an order is
    created and paid at some time in the past, give or take a clock that runs ahead."""
    now = now or timezone.now()
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    lo = datetime.combine(EARLIEST_DATE, time.min, tzinfo=zone)
    hi = datetime.combine(tomorrow + timedelta(days=1), time.min, tzinfo=zone)
    return lo, hi


def check_event_time(
    value: datetime,
    field: str,
    zone,
    *,
    now: datetime | None = None,
    window: tuple[datetime, datetime] | None = None,
):
    """An aware time (an order's creation or payment) within event_time_window (or the
    `window` given, computed once for many values)."""
    lo, hi = window or event_time_window(zone, now)
    # The year test first: comparing, or converting, times near year 1 or 9999 overflows.
    inside = lo.year - 1 <= value.year <= hi.year + 1
    if inside:
        try:
            inside = lo <= value < hi
        except OverflowError:
            inside = False
    if not inside:
        last = (hi - timedelta(days=1)).date()
        raise OutOfBounds(
            field,
            f"a time from {lo.date().isoformat()} to {last.isoformat()} "
            f"(the store's time zone, {zone})",
        )
    return value


# --- numbers --------------------------------------------------------------------------


def decimal_from_json(value, field: str) -> Decimal:
    """Money as sent in JSON: a decimal string ("99.00") or a whole number, never a float
    (a float has already lost the amount's exact digits)."""
    if isinstance(value, float):
        raise OutOfBounds(field, 'send amounts as decimal strings, e.g. "99.00", not as numbers')
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise OutOfBounds(field, 'an amount as a decimal string, e.g. "99.00"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise OutOfBounds(field, f"not an amount: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise OutOfBounds(field, f"not an amount: {str(value)[:40]!r}")
    return amount


def check_decimal(
    value: Decimal,
    field: str,
    *,
    max_digits: int,
    decimal_places: int,
    minimum: Decimal | None = Decimal(0),
) -> Decimal:
    """`value` fits a DecimalField(max_digits, decimal_places) exactly; it is returned
    quantized to the field's places."""
    if not value.is_finite():
        raise OutOfBounds(field, "not a number")
    if minimum is not None and value < minimum:
        raise OutOfBounds(field, f"at least {minimum}")
    whole = max_digits - decimal_places
    # Before quantize, which fails past the context's precision (1e30).
    if value and value.adjusted() >= whole:
        raise OutOfBounds(field, f"at most {whole} digits before the decimal point")
    quantum = Decimal(1).scaleb(-decimal_places)
    if value != value.quantize(quantum):
        raise OutOfBounds(field, f"at most {decimal_places} decimal places")
    return value.quantize(quantum)


def model_decimal(model, name: str) -> dict:
    """max_digits and decimal_places of a model's DecimalField, for check_decimal."""
    f = model._meta.get_field(name)
    return {"max_digits": f.max_digits, "decimal_places": f.decimal_places}


def integer_range(model, name: str) -> tuple[int, int]:
    """The range of a model's integer field as PostgreSQL enforces it (SQLite does not)."""
    low, high = BaseDatabaseOperations.integer_field_ranges[
        model._meta.get_field(name).get_internal_type()
    ]
    return low, high


def check_int(value, field: str, *, minimum: int, maximum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise OutOfBounds(field, "a whole number")
    if not minimum <= value <= maximum:
        raise OutOfBounds(field, f"a whole number from {minimum} to {maximum}")
    return value


# --- text -----------------------------------------------------------------------------


def max_length(model, name: str) -> int:
    """The model field's max_length; TEXT_MAX_LENGTH for a TextField."""
    f = model._meta.get_field(name)
    if isinstance(f, TextField) and not f.max_length:
        return TEXT_MAX_LENGTH
    return f.max_length


def check_text(
    value, field: str, limit: int, *, identifier: bool = False, required: bool = False
) -> str:
    """A string (None is ""; whole numbers are written out) of at most `limit` characters,
    trimmed, encodable, without control characters (free text keeps tab and line breaks),
    and for an identifier (order id, SKU, store code) without bidirectional controls."""
    if value is None:
        value = ""
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        raise OutOfBounds(field, "a string")
    value = value.strip()
    if required and not value:
        raise OutOfBounds(field, "required")
    if len(value) > limit:
        raise OutOfBounds(field, f"at most {limit} characters (this one has {len(value)})")
    found = _SURROGATE.search(value)
    if found:
        raise OutOfBounds(
            field, f"not valid Unicode text (a lone surrogate U+{ord(found.group()):04X})"
        )
    found = (_CONTROL if identifier else _CONTROL_IN_TEXT).search(value)
    if found:
        raise OutOfBounds(field, f"contains the control character U+{ord(found.group()):04X}")
    if identifier:
        found = _INVISIBLE_IN_ID.search(value)
        if found:
            raise OutOfBounds(
                field,
                f"contains the invisible direction character U+{ord(found.group()):04X}",
            )
    return value


def check_model_text(value, field: str, model, name: str, **kwargs) -> str:
    """check_text with the length of the model's field."""
    return check_text(value, field, max_length(model, name), **kwargs)
