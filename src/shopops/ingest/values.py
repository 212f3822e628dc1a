"""Parsing the values found in real exports: exact decimals, local or zoned times."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

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
) -> Decimal:
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
    if abs(number) >= Decimal(10) ** 12:  # before quantize, which fails past the precision
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
    return parsed.astimezone(UTC)


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
