"""Parsing the values found in real exports: exact decimals, local or zoned times."""

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from shopops.core import bounds
from shopops.ingest.errors import RowError

_EXCEL_GUARD = re.compile(r'^="(.*)"$', re.S)
_MONEY_NOISE = str.maketrans("", "", "¥￥$€£₹ ,\u00a0")
_OFFSET = re.compile(r"^(.*?\d)\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})$")
# Year-first formats only: day/month order is ambiguous, so a mapping must name it.
_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日",
)
CENT = Decimal("0.01")


def clean(value: str | None) -> str:
    """Trim and unwrap Excel's guard ="2851234567890" that keeps long ids from rounding."""
    if value is None:
        return ""
    value = value.strip()
    if value.startswith('="'):
        match = _EXCEL_GUARD.match(value)
        if match:
            value = match.group(1).strip()
    return value


def to_decimal(
    value: str,
    column: str,
    *,
    decimal_comma: bool = False,
    places: int = 2,
    allow_negative: bool = False,
    max_digits: int = 14,
) -> Decimal:
    """An exact decimal that fits a DecimalField(max_digits, places): the default is the
    MoneyField's (14, 2); SQLite would store more, PostgreSQL refuses it."""
    text = (
        value.translate(_MONEY_NOISE)
        if not decimal_comma
        else (value.replace(".", "").replace(" ", "").replace(",", "."))
    )
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowError(column, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise RowError(column, f"{value!r} is not a number")
    if number < 0 and not allow_negative:
        raise RowError(column, f"{value!r} is negative")
    # Before quantize, which fails past the precision.
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise RowError(column, f"{value!r} is too large")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise RowError(column, f"{value!r} has more than {places} decimal places")
    return number.quantize(quantum)


def to_int(value: str, column: str) -> int:
    text = value.replace(",", "")
    if text.endswith(".0"):
        text = text[:-2]  # spreadsheets write counts as 3.0
    if not (text.isascii() and text.isdigit()):  # "¹" and "٣" are digits to str.isdigit
        raise RowError(column, f"{value!r} is not a whole number of at least 0")
    number = int(text)
    if number > 2**31 - 1:
        raise RowError(column, f"{value!r} is too large")
    return number


def _offset(text: str) -> timezone:
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def to_datetime(value: str, column: str, zone: ZoneInfo, fmt: str | None = None) -> datetime:
    """A time in UTC. Without a zone the value is the store's local time; with one, honoured."""
    text = value.replace("T", " ", 1) if "T" in value[:11] else value
    tz = None
    match = _OFFSET.match(text)
    if match and not fmt:
        text, tz = match.group(1), _offset(match.group(2))
    try:
        parsed = datetime.strptime(value, fmt) if fmt else _parse_local(text)
    except ValueError:
        raise RowError(column, f"{value!r} is not a date-time (e.g. 2024-06-18 20:00:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or zone)
    # Event times (created, paid, shipped …) lie from 2000-01-01 to tomorrow in the store's
    # zone, as at intake; this also keeps year 1 and 9999 from overflowing below.
    try:
        bounds.check_event_time(
            parsed, column, zone, window=_event_window(zone, int(time.time() // 60))
        )
    except bounds.OutOfBounds as exc:
        raise RowError(column, f"{value!r} is out of range: {exc.message}") from None
    return parsed.astimezone(UTC)


@lru_cache(maxsize=32)
def _event_window(zone: ZoneInfo, _minute: int) -> tuple[datetime, datetime]:
    return bounds.event_time_window(zone)  # once a minute per zone, not once per value


def _parse_local(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def to_date(value: str, column: str, fmt: str | None = None) -> date:
    try:
        if fmt:
            return datetime.strptime(value, fmt).date()
        return _parse_local(value.replace("T", " ", 1)).date()
    except ValueError:
        raise RowError(column, f"{value!r} is not a date (e.g. 2024-06-18)") from None
