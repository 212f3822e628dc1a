"""The import's fast paths give exactly what the general paths gave: the same value (same
Decimal digits, same UTC instant) or the same refusal (column and reason).

The references below are the general implementations as they were before the fast paths
(issue 13), copied verbatim, so a later change to the code under test cannot move them.
"""

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopops.core import bounds
from shopops.ingest import bulk, values
from shopops.ingest.errors import RowError

ZONES = [
    ZoneInfo(name)
    for name in (
        "Asia/Shanghai",
        "America/New_York",  # DST gaps and folds
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "Asia/Kathmandu",  # +05:45
        "UTC",
    )
]


# --- the references ------------------------------------------------------------------


def reference_to_decimal(
    value, column, *, decimal_comma=False, places=2, allow_negative=False, max_digits=14
):
    text = (
        value.translate(values._MONEY_NOISE)
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
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise RowError(column, f"{value!r} is too large")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise RowError(column, f"{value!r} has more than {places} decimal places")
    return number.quantize(quantum)


def reference_to_datetime(value, column, zone, fmt=None):
    text = value.replace("T", " ", 1) if "T" in value[:11] else value
    tz = None
    match = values._OFFSET.match(text)
    if match and not fmt:
        text, tz = match.group(1), values._offset(match.group(2))
    try:
        parsed = datetime.strptime(value, fmt) if fmt else values._parse_local(text)
    except ValueError:
        raise RowError(column, f"{value!r} is not a date-time (e.g. 2024-06-18 20:00:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or zone)
    try:
        bounds.check_event_time(
            parsed, column, zone, window=values._event_window(zone, int(time.time() // 60))
        )
    except bounds.OutOfBounds as exc:
        raise RowError(column, f"{value!r} is out of range: {exc.message}") from None
    return parsed.astimezone(UTC)


def reference_prepare(rows, names, converters, defaults):
    triples = [
        (name, convert, defaults[name]) for name, convert in zip(names, converters, strict=True)
    ]
    return [
        [
            value
            if (value := row.get(name, default)) is None or convert is None
            else convert(value)
            for name, convert, default in triples
        ]
        for row in rows
    ]


def outcome(call, *args, **kwargs):
    """A value with everything that tells equal values apart, or the refusal."""
    try:
        got = call(*args, **kwargs)
    except RowError as exc:
        return ("refused", exc.column, exc.reason, exc.line)
    if isinstance(got, Decimal):
        return ("decimal", str(got), got.as_tuple())
    return ("datetime", got, got.tzinfo, got.fold, got.isoformat())


# --- decimals ------------------------------------------------------------------------

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=16)
PLAIN_NUMBERS = st.builds(
    lambda sign, whole, point, fraction: f"{sign}{whole}{point}{fraction}",
    st.sampled_from(["", "", "-", "+"]),
    DIGITS,
    st.sampled_from(["", ".", ","]),
    st.text(alphabet="0123456789", max_size=6),
)
TRICKY_NUMBERS = st.sampled_from(
    [
        "0",
        "-0",
        "-0.00",
        "0.001",  # sub-cent
        "0.005",
        "0.010",
        "12.3400",
        "1,234.50",  # thousands separators
        "1 234,50",
        "1.234,50",
        "¥12.00",
        "￥ 1,299",
        "$9.99",
        "€5",
        "\u00a0100",
        "1e2",
        "1E-2",
        "1e999",
        "NaN",
        "sNaN",
        "Infinity",
        "-inf",
        "9" * 12,
        "9" * 12 + ".99",
        "1" + "0" * 12,
        "9" * 40,
        "٣",
        "12元",
        ".5",
        "5.",
        "",
        " ",
        "--1",
    ]
)
NUMBERS = st.one_of(PLAIN_NUMBERS, TRICKY_NUMBERS, st.text(max_size=10))
PRECISIONS = st.sampled_from([(2, 14), (4, 16), (3, 9)])  # money, unit cost, weight


@settings(max_examples=600, deadline=None)
@given(
    value=NUMBERS,
    decimal_comma=st.booleans(),
    precision=PRECISIONS,
    allow_negative=st.booleans(),
)
def test_to_decimal_equals_the_general_path(value, decimal_comma, precision, allow_negative):
    places, max_digits = precision
    options = dict(
        decimal_comma=decimal_comma,
        places=places,
        allow_negative=allow_negative,
        max_digits=max_digits,
    )
    expected = outcome(reference_to_decimal, value, "paid_amount", **options)
    assert outcome(values.to_decimal, value, "paid_amount", **options) == expected
    # Again, now from the memo, and under another column name: the refusal names this one.
    again = outcome(values.to_decimal, value, "unit_cost", **options)
    assert again == outcome(reference_to_decimal, value, "unit_cost", **options)


def test_memoised_decimals_are_the_same_value_each_time():
    first = values.to_decimal("12.5", "paid_amount")
    assert str(first) == "12.50" and str(values.to_decimal("12.5", "paid_amount")) == "12.50"
    assert str(values.to_decimal("12.5", "unit_cost", places=4, max_digits=16)) == "12.5000"
    with pytest.raises(RowError) as refused:
        values.to_decimal("0.001", "goods_amount")
    assert (refused.value.column, refused.value.reason) == (
        "goods_amount",
        "'0.001' has more than 2 decimal places",
    )


# --- date-times ----------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=datetime(1999, 12, 30), max_value=datetime(2030, 1, 1))
SHAPES = st.sampled_from(
    [
        "%Y-%m-%d %H:%M:%S",  # the fast path
        "%Y-%m-%dT%H:%M:%S",  # the fast path
        "%Y-%m-%d %H:%M:%S.%f",  # fractional seconds
        "%Y-%m-%dT%H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S+08:00",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%d %H:%M:%S UTC",
        "%Y-%m-%d %H:%M:%S-0530",
        "%Y-%m-%d %H:%M:%S GMT",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y-%m-%d",
    ]
)


@st.composite
def moment_texts(draw):
    text = draw(MOMENTS).strftime(draw(SHAPES))
    if draw(st.booleans()):
        # A slip of a keyboard or an export: one character replaced, inserted or removed.
        at = draw(st.integers(0, len(text) - 1))
        char = draw(st.sampled_from(list("0189 :-+TZ/.٣\u3000a")))
        how = draw(st.sampled_from(["replace", "insert", "remove"]))
        if how == "replace":
            text = text[:at] + char + text[at + 1 :]
        elif how == "insert":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
    return text


TRICKY_MOMENTS = st.sampled_from(
    [
        "2024-06-18 20:00:00",
        "2024-06-18T20:00:00",
        "2024-03-10 02:30:00",  # New York: in the spring-forward gap
        "2024-11-03 01:30:00",  # New York: in the fall-back fold
        "2024-02-29 23:59:59",
        "2023-02-29 10:00:00",  # no such day
        "2024-06-18 24:00:00",
        "2024-06-18 23:60:00",
        "2024-06-18 20:00:00+08:00",
        "2024-06-18 20:00:00Z",
        "2024-06-18 20:00:00.000001",
        "1999-12-31 23:59:59",  # before the window
        "2000-01-01 00:00:00",  # its first second
        "9999-12-31 23:59:59",
        "0001-01-01 00:00:00",
        "2024-06-18 20:00:0０",  # a full-width digit
        "2024-06-18 20:00:00 ",
        "2024-06-18  20:00:00",
    ]
)


@settings(max_examples=800, deadline=None)
@given(value=st.one_of(moment_texts(), TRICKY_MOMENTS), zone=st.sampled_from(ZONES))
def test_to_datetime_equals_the_general_path(value, zone):
    expected = outcome(reference_to_datetime, value, "created_at", zone)
    assert outcome(values.to_datetime, value, "created_at", zone) == expected


@settings(max_examples=200, deadline=None)
@given(
    moment=MOMENTS,
    fmt=st.sampled_from(["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M %p"]),
    zone=st.sampled_from(ZONES),
)
def test_to_datetime_with_a_format_equals_the_general_path(moment, fmt, zone):
    value = moment.strftime(fmt)
    expected = outcome(reference_to_datetime, value, "paid_at", zone, fmt)
    assert outcome(values.to_datetime, value, "paid_at", zone, fmt) == expected


def test_the_fast_shape_is_exactly_the_plain_iso_one():
    assert values._PLAIN_ISO("2024-06-18 20:00:00")
    assert values._PLAIN_ISO("2024-06-18T20:00:00")
    for text in (
        "2024-06-18 20:00:00Z",
        "2024-06-18 20:00:00.5",
        "2024-06-18 20:00",
        "2024-06-18 20:00:0٣",
        "2024-06-18  20:00:00",
        "2024/06/18 20:00:00",
    ):
        assert not values._PLAIN_ISO(text), text


# --- cells ---------------------------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=12),
    st.builds(
        lambda a, b, c: f'{a}="{b}"{c}',
        st.sampled_from(["", " ", "\t", "\u3000"]),
        st.text(max_size=8),
        st.sampled_from(["", " ", "\r", '"']),
    ),
)


@settings(max_examples=400, deadline=None)
@given(value=CELLS)
def test_inline_cell_cleaning_equals_clean(value):
    """formats/base.py strips each cell itself and calls clean only for Excel's guard."""
    stripped = value.strip()
    inline = values.clean(stripped) if stripped.startswith('="') else stripped
    assert inline == values.clean(value)


# --- database values -----------------------------------------------------------------


def _reference_converters(fields, conn):
    """bulk._converters before issue 13."""
    ops = conn.ops
    out = []
    for f in fields:
        kind = f.get_internal_type()
        if kind in bulk._PLAIN:
            out.append(None)
        elif kind == "DateTimeField" and conn.vendor == "sqlite":
            adapt = ops.adapt_datetimefield_value
            out.append(
                lambda v, a=adapt: (
                    v.replace(tzinfo=None).isoformat(" ") if v.tzinfo is UTC else a(v)
                )
            )
        elif kind == "DateTimeField":
            out.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            out.append(ops.adapt_datefield_value)
        elif kind == "DecimalField":
            digits, places, adapt = f.max_digits, f.decimal_places, ops.adapt_decimalfield_value
            out.append(lambda v, d=digits, p=places, a=adapt: a(v, d, p))
        else:
            out.append(lambda v, f=f: f.get_db_prep_save(v, conn))
    return out


def _order_fields():
    from shopops.orders.models import Order

    return [Order._meta.pk, *(f for f in Order._meta.concrete_fields if not f.primary_key)]


AMOUNTS = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)
UTC_TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {"id": st.integers(1, 10**9), "order_id": st.text(min_size=1, max_size=8)},
            optional={
                "paid_amount": AMOUNTS,
                "goods_amount": st.one_of(st.none(), AMOUNTS),
                "created_at": UTC_TIMES,
                "paid_at": st.one_of(st.none(), UTC_TIMES),
                "shipped_at": st.one_of(
                    st.none(),
                    UTC_TIMES,
                    # not in UTC: the converter falls back to Django's adapter
                    st.datetimes(
                        min_value=datetime(2000, 1, 2),
                        max_value=datetime(2030, 1, 1),
                        timezones=st.just(ZoneInfo("Asia/Shanghai")),
                    ),
                ),
                "customer_id": st.one_of(st.none(), st.integers(1, 100)),
                "channel": st.text(max_size=4),
                "extra_not_a_column": st.integers(),
            },
        ),
        max_size=5,
    )
)
def test_prepared_rows_equal_the_general_path(rows):
    from django.db import connection

    from shopops.core.models import Store

    store = Store(pk=7)
    fields = _order_fields()
    names = [f.attname for f in fields]
    defaults = bulk._defaults(fields[0].model, store)
    expected = reference_prepare(rows, names, _reference_converters(fields, connection), defaults)
    got = bulk._prepare(rows, names, bulk._converters(fields, connection), defaults)
    assert got == expected
    # Equal is not enough for what reaches the driver: the same types and the same text.
    assert [[(type(v), str(v)) for v in row] for row in got] == [
        [(type(v), str(v)) for v in row] for row in expected
    ]


def test_prepare_with_one_and_no_fields():
    from django.db import connection

    from shopops.orders.models import OrderLine

    field = OrderLine._meta.get_field("allocated_amount")
    rows = [{"allocated_amount": Decimal("1.50")}, {}, {"allocated_amount": None}]
    converters = bulk._converters([field], connection)
    defaults = {"allocated_amount": Decimal("0.00")}
    expected = reference_prepare(
        rows, ["allocated_amount"], _reference_converters([field], connection), defaults
    )
    assert bulk._prepare(rows, ["allocated_amount"], converters, defaults) == expected
    assert bulk._prepare(rows, [], [], {}) == [[], [], []]


def test_sqlite_time_text_is_djangos():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite adapter")
    fields = _order_fields()
    created = next(f for f in fields if f.attname == "created_at")
    [convert] = bulk._converters([created], connection)
    for moment in (
        datetime(2024, 6, 18, 12, 0, tzinfo=UTC),
        datetime(2024, 6, 18, 12, 0, 0, 1, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=999_999),
        datetime(2024, 6, 18, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    ):
        assert convert(moment) == connection.ops.adapt_datetimefield_value(moment)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", convert(datetime(2024, 1, 1, tzinfo=UTC))
    )


# --- orders --------------------------------------------------------------------------


def reference_derive_status(r):
    if r.get("status"):
        return r["status"]
    for field, status in (
        ("cancelled_at", "cancelled"),
        ("completed_at", "completed"),
        ("delivered_at", "delivered"),
        ("shipped_at", "shipped"),
        ("paid_at", "paid"),
    ):
        if r.get(field):
            return status
    return "pending_payment"


STEP = st.one_of(st.none(), st.just(""), UTC_TIMES)


@settings(max_examples=300, deadline=None)
@given(
    record=st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from([None, "", "paid", "refunded"]),
            "cancelled_at": STEP,
            "completed_at": STEP,
            "delivered_at": STEP,
            "shipped_at": STEP,
            "paid_at": STEP,
        },
    )
)
def test_derived_status_equals_the_general_rule(record):
    from shopops.ingest.writers import _derive_status

    assert _derive_status(record) == reference_derive_status(record)


@given(
    record=st.dictionaries(
        st.sampled_from(["order_id", "sku", "_line_no", "date", "source"]),
        st.one_of(st.none(), st.just(""), st.text(max_size=3), st.integers(0, 3)),
    )
)
def test_natural_keys_equal_the_general_rule(record):
    from shopops.ingest.kinds import KINDS

    for kind in KINDS.values():
        assert kind.natural_key(record) == tuple(record.get(k) or "" for k in kind.key)
