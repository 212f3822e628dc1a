"""Unit prices with up to four decimals (wholesale per-piece prices such as 0.001), kept
exactly from the file to the metrics; line amounts derived from them are cents, rounded
half-up."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.core.numbers import line_amount, price_text
from shopops.ingest import columnar
from shopops.ingest.errors import ImportFailed
from shopops.ingest.pipeline import run_import
from shopops.orders.models import OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = """order_id,paid_amount,created_at,paid_at,customer_id
W1,81.00,2024-06-18 09:00:00,2024-06-18 09:01:00,wholesale
W2,50.00,2024-06-18 10:00:00,2024-06-18 10:01:00,c2
"""
# 80,995 x 0.001 = 80.995 -> 81.00; 3 x 12.3456 = 37.0368 -> 37.04; 1 x 12.96.
LINES = """order_id,sku,quantity,unit_price
W1,P1,80995,0.001
W2,P2,3,12.3456
W2,P3,1,12.96
"""


@pytest.mark.parametrize("path", ["columnar", "general"])
@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_sub_cent_unit_prices_are_kept_and_counted(write, monkeypatch, path, engine):
    if path == "general":
        monkeypatch.setattr(columnar, "applies", lambda *a: False)
    store = services.create_store(None, code="w", name="批发", platform="tmall")
    run_import(store=store, kind="orders", path=write("o.csv", ORDERS))
    result = run_import(store=store, kind="order_lines", path=write("l.csv", LINES))
    assert (result.inserted, result.rejected) == (3, 0)
    stored = {
        x.sku_code: (x.unit_price, x.line_amount, x.allocated_amount)
        for x in OrderLine.objects.filter(store=store)
    }
    assert stored == {
        "P1": (Decimal("0.001"), Decimal("81.00"), Decimal("81.00")),
        "P2": (Decimal("12.3456"), Decimal("37.04"), Decimal("37.04")),
        "P3": (Decimal("12.96"), Decimal("12.96"), Decimal("12.96")),
    }
    day = date(2024, 6, 18)
    rows = metrics(["line_gmv", "units"], store, day, day, "none", engine, dims=["sku"])
    got = {r["sku"]: (r["line_gmv"], r["units"]) for r in rows}
    assert got == {
        "P1": (Decimal("81.00"), 80995),
        "P2": (Decimal("37.04"), 3),
        "P3": (Decimal("12.96"), 1),
    }
    (total,) = metrics(["gmv", "units"], store, day, day, "none", engine)
    assert (total["gmv"], total["units"]) == (Decimal("131.00"), 80999)
    again = run_import(store=store, kind="order_lines", path=write("l.csv", LINES))
    assert (again.unchanged, again.updated, again.inserted) == (3, 0, 0)


@pytest.mark.parametrize("path", ["columnar", "general"])
def test_five_decimals_are_refused_with_line_and_column(write, monkeypatch, path):
    if path == "general":
        monkeypatch.setattr(columnar, "applies", lambda *a: False)
    store = services.create_store(None, code="w5", name="批发", platform="tmall")
    run_import(store=store, kind="orders", path=write("o.csv", ORDERS))
    bad = LINES.replace("12.3456", "12.34567")
    with pytest.raises(ImportFailed) as refused:
        run_import(store=store, kind="order_lines", path=write("bad.csv", bad))
    assert refused.value.message == (
        "bad.csv, line 3, column unit_price: '12.34567' has more than 4 decimal places"
    )
    assert not OrderLine.objects.filter(store=store).exists()


def test_line_amount_rounds_half_up_to_the_cent():
    assert line_amount(80995, Decimal("0.001")) == Decimal("81.00")
    assert line_amount(3, Decimal("0.0015")) == Decimal("0.00")  # 0.0045
    assert line_amount(7, Decimal("0.0015")) == Decimal("0.01")  # 0.0105
    assert line_amount(1, Decimal("0.005")) == Decimal("0.01")
    assert line_amount(2, Decimal("1.00"), Decimal("5")) == Decimal("0.00")  # never below 0
    assert [price_text(Decimal(v)) for v in ("59.0000", "0.0010", "12.3456", "1.5")] == [
        "59.00",
        "0.001",
        "12.3456",
        "1.50",
    ]
