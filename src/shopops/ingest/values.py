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
# YYYY-MM-DD HH:MM:SS (or with T) in ASCII digits: a naive local time that the general path
# would hand to datetime.fromisoformat unchanged, since _OFFSET needs a Z, UTC, GMT or a
# sign before the last digits, which this shape cannot have.
_PLAIN_ISO = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", re.ASCII).fullmatch
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
    number = _decimal(value, decimal_comma, places, allow_negative, max_digits)
    if number.__class__ is str:
        raise RowError(column, number)
    return number


# Amounts and prices repeat across a file's rows: the parse of each text is remembered
# (bounded, so memory stays flat in the file's size). A Decimal is immutable, so sharing
# one between records is safe; a refusal is remembered as its reason, without the column.
@lru_cache(maxsize=1 << 14)
def _decimal(
    value: str, decimal_comma: bool, places: int, allow_negative: bool, max_digits: int
) -> Decimal | str:
    text = (
        value.translate(_MONEY_NOISE)
        if not decimal_comma
        else (value.replace(".", "").replace(" ", "").replace(",", "."))
    )
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"{value!r} is not a number"
    if not number.is_finite():
        return f"{value!r} is not a number"
    if number < 0 and not allow_negative:
        return f"{value!r} is negative"
    limit, quantum = _precision(places, max_digits)
    # Before quantize, which fails past the precision.
    if abs(number) >= limit:
        return f"{value!r} is too large"
    quantized = number.quantize(quantum)
    if number != quantized:
        return f"{value!r} has more than {places} decimal places"
    return quantized


@lru_cache(maxsize=16)
def _precision(places: int, max_digits: int) -> tuple[Decimal, Decimal]:
    return Decimal(10) ** (max_digits - places), Decimal(1).scaleb(-places)


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
    tz = parsed = None
    if not fmt and _PLAIN_ISO(value):
        # The common canonical shape, 2024-06-18 20:00:00 (or with T): no offset can
        # match, so the regex and the strptime fallbacks are skipped.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None  # the general path below gives the reason
    if parsed is None:
        text = value.replace("T", " ", 1) if "T" in value[:11] else value
        match = _OFFSET.match(text)
        if match and not fmt:
            text, tz = match.group(1), _offset(match.group(2))
        try:
            parsed = datetime.strptime(value, fmt) if fmt else _parse_local(text)
        except ValueError:
            raise RowError(
                column, f"{value!r} is not a date-time (e.g. 2024-06-18 20:00:00)"
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or zone)
    # Event times (created, paid, shipped …) lie from 2000-01-01 to tomorrow in the store's
    # zone, as at intake; this also keeps year 1 and 9999 from overflowing below.
    window = _event_window(zone, int(time.time() // 60))
    lo, hi = window
    # bounds.check_event_time's own test, inline for the common case; outside it (or on
    # an overflow) that function gives the reason.
    try:
        inside = lo.year - 1 <= parsed.year <= hi.year + 1 and lo <= parsed < hi
    except OverflowError:
        inside = False
    if not inside:
        try:
            bounds.check_event_time(parsed, column, zone, window=window)
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
