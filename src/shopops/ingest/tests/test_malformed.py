"""Malformed input of any shape gives a clear error (file, line, column, reason) or a
rejected row, never a traceback and never partial data."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopops.customers.models import Customer
from shopops.ingest.errors import ImportFailed
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order

pytestmark = pytest.mark.postgres

HEADER = "order_id,paid_amount,created_at,paid_at,customer_id,refunded_amount"
GOOD = {
    "order_id": st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True),
    "paid_amount": st.sampled_from(["0", "10.50", "99", "1,234.00"]),
    "created_at": st.sampled_from(
        ["2024-06-18 10:00:00", "2024/06/18 10:00", "2024-06-18T10:00:00+08:00"]
    ),
    "paid_at": st.sampled_from(["2024-06-18 10:05:00", "2024-06-18 23:59:59"]),
    "customer_id": st.sampled_from(["", "c1", "小明"]),
    "refunded_amount": st.sampled_from(["", "0", "1.00"]),
}
NOISE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "-1",
            "1e999",
            "NaN",
            "1.234",
            "abc",
            '"',
            "2024-13-45 10:00",
            "9" * 40,
            '="123"',
            "1,2",
            "\x00",
            "  ",
            "¥12.00",
            "25:61",
        ]
    ),
)


def cell(name):
    return st.one_of(GOOD[name], GOOD[name], NOISE)


ROW = st.tuples(*[cell(name) for name in HEADER.split(",")])
ERROR = re.compile(r"^[^:]+\.csv(, line \d+)?(, column [\w ]+)?: .+", re.S)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


def _reset():
    Order.objects.all().delete()
    Customer.objects.all().delete()


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(ROW, min_size=1, max_size=8), ragged=st.booleans())
def test_random_rows_never_leave_partial_data(shop, tmp_path, rows, ragged):
    lines = [HEADER] + [",".join(_csv_cell(v) for v in row) for row in rows]
    if ragged:
        lines.append("X1,1")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    _reset()
    try:
        result = run_import(store=shop, kind="orders", path=path)
    except ImportFailed as exc:
        assert ERROR.match(exc.message), exc.message
        assert Order.objects.count() == 0
        return
    assert result.rejected == 0
    assert Order.objects.count() == result.inserted + result.updated + result.unchanged


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(shop, tmp_path, data):
    path = tmp_path / "junk.csv"
    path.write_bytes(data)
    _reset()
    try:
        run_import(store=shop, kind="orders", path=path)
    except ImportFailed as exc:
        assert exc.message.startswith("junk.csv")
    assert Order.objects.count() == 0


# What a parser of each column type must refuse, with the words of the reason it gives.
# Letters alone are never a number, a count or a date: the reason then quotes the value.
LETTERS = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=12)
EMPTY = ("", "is empty")
REFUSED = {
    "text": st.sampled_from(
        [EMPTY, ("a\x00b", "contains a NUL character"), ("x" * 300, "longer than")]
    ),
    "money": st.one_of(
        st.sampled_from(
            [
                EMPTY,
                ("-1", "'-1' is negative"),
                ("1e999", "'1e999' is too large"),
                ("9" * 40, "is too large"),
                ("1.234", "'1.234' has more than 2 decimal places"),
                ("NaN", "'NaN' is not a number"),
                ('"', "is not a number"),
                ("12元", "'12元' is not a number"),
            ]
        ),
        LETTERS.map(lambda v: (v, f"{v!r} is not a number")),
    ),
    # A unit price (per piece, as wholesale exports give it): up to 4 decimals.
    "unit": st.one_of(
        st.sampled_from(
            [
                EMPTY,
                ("-1", "'-1' is negative"),
                ("9" * 40, "is too large"),
                ("1.23456", "'1.23456' has more than 4 decimal places"),
                ("NaN", "'NaN' is not a number"),
            ]
        ),
        LETTERS.map(lambda v: (v, f"{v!r} is not a number")),
    ),
    "count": st.one_of(
        st.sampled_from(
            [
                EMPTY,
                ("-1", "'-1' is not a whole number"),
                ("1.5", "'1.5' is not a whole number"),
                ("1e3", "'1e3' is not a whole number"),
                ("٣", "is not a whole number"),  # an Arabic-Indic digit
                ("9" * 40, "is too large"),
            ]
        ),
        LETTERS.map(lambda v: (v, f"{v!r} is not a whole number")),
    ),
    "day": st.one_of(
        st.sampled_from(
            [
                EMPTY,
                ("2024-13-45", "'2024-13-45' is not a date"),
                ("2024-02-30", "'2024-02-30' is not a date"),
                ("25:61", "'25:61' is not a date"),
            ]
        ),
        LETTERS.map(lambda v: (v, f"{v!r} is not a date")),
    ),
    "source": st.sampled_from(
        [EMPTY, ("organic", "'organic' is not one of"), ("自然", "'自然' is not one of")]
    ),
}
# Per kind: its required columns with their type, a valid row (line 2 of the file) and a
# valid second row (line 3) in which one column is then replaced by a refused value.
NOISY_FILES = {
    "order_lines": (
        [("order_id", "text"), ("sku", "text"), ("quantity", "count"), ("unit_price", "unit")],
        ["O1", "S1", "2", "10.00"],
        ["O1", "S1", "1", "12.00"],
    ),
    "products": (
        [("sku", "text"), ("product_name", "text"), ("price", "money")],
        ["S2", "杯子", "10.00"],
        ["S3", "碗", "12.00"],
    ),
    "stock": (
        [("sku", "text"), ("warehouse", "text"), ("on_hand", "count")],
        ["S1", "HZ", "5"],
        ["S1", "BJ", "3"],
    ),
    "traffic": (
        [("date", "day"), ("source", "source"), ("visitors", "count")],
        ["2024-06-18", "natural_search", "100"],
        ["2024-06-19", "paid", "50"],
    ),
    "ads": (
        [
            ("date", "day"),
            ("channel", "text"),
            ("plan", "text"),
            ("impressions", "count"),
            ("clicks", "count"),
            ("cost", "money"),
        ],
        ["2024-06-18", "直通车", "P1", "1000", "10", "5.00"],
        ["2024-06-19", "直通车", "P2", "1000", "10", "5.00"],
    ),
}


@pytest.fixture
def known(shop, tmp_path):
    """The order O1 and the SKU S1 that order lines and stock rows refer to."""
    orders = tmp_path / "o.csv"
    orders.write_text(HEADER + "\nO1,20.00,2024-06-18 10:00:00,2024-06-18 10:05:00,,\n")
    products = tmp_path / "p.csv"
    products.write_text("sku,product_name,price\nS1,杯子,10.00\n")
    run_import(store=shop, kind="orders", path=orders)
    run_import(store=shop, kind="products", path=products)
    return shop


def _written(shop) -> dict:
    """Rows of every table an import of any of these kinds writes."""
    from shopops.catalog.models import Product, Sku
    from shopops.core.models import AuditEntry
    from shopops.inventory.models import StockLevel, StockMovement, Warehouse
    from shopops.marketing.models import AdFact, TrafficFact
    from shopops.orders.models import OrderLine

    models = (OrderLine, Product, Sku, StockLevel, StockMovement, Warehouse, TrafficFact, AdFact)
    counts = {m.__name__: m.objects.filter(store=shop).count() for m in models}
    counts["AuditEntry"] = AuditEntry.objects.count()
    return counts


# The table of each kind that gets one row per valid line.
ROWS_OF = {
    "order_lines": "OrderLine",
    "products": "Sku",
    "stock": "StockLevel",
    "traffic": "TrafficFact",
    "ads": "AdFact",
}


@pytest.mark.parametrize("kind", list(NOISY_FILES))
@settings(
    deadline=None, max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_kind_refuses_noise(known, tmp_path, kind, data):
    """A valid line 2 and, on line 3, one required column holding a value its type refuses:
    the whole file is refused with that line, column and reason and nothing is written;
    with skip_invalid, line 3 alone is rejected and line 2 is written."""
    from django.db import transaction

    columns, good, second = NOISY_FILES[kind]
    at = data.draw(st.integers(0, len(columns) - 1), label="column")
    column, kind_of_value = columns[at]
    value, reason = data.draw(REFUSED[kind_of_value], label="refused value")
    noisy = [*second[:at], value, *second[at + 1 :]]
    path = tmp_path / "noise.csv"
    path.write_text(
        "\n".join(
            ",".join(_csv_cell(v) for v in row) for row in ([c for c, _ in columns], good, noisy)
        )
        + "\n",
        encoding="utf-8",
    )
    # Each example in a transaction rolled back, so the next starts from `known` again.
    with transaction.atomic():
        before = _written(known)

        with pytest.raises(ImportFailed) as refused:
            run_import(store=known, kind=kind, path=path)
        assert refused.value.message.startswith(f"noise.csv, line 3, column {column}: ")
        assert reason in refused.value.message, refused.value.message
        assert (refused.value.line, refused.value.column) == (3, column)
        assert _written(known) == before  # not even the valid line 2

        result = run_import(store=known, kind=kind, path=path, skip_invalid=True)
        assert (result.rows, result.inserted, result.updated, result.rejected) == (2, 1, 0, 1)
        [reject] = result.rejects
        assert (reject.line, reject.column) == (3, column) and reason in reject.reason
        assert reject.row == noisy
        after = _written(known)
        assert after[ROWS_OF[kind]] == before[ROWS_OF[kind]] + 1  # line 2 only
        transaction.set_rollback(True)
