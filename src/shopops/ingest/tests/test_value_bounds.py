"""Issue 11, points 6-7 for files: times outside 2000-01-01 .. tomorrow (store zone) and
numbers beyond the model's precision are row errors naming the column, never a crash and
never stored (SQLite would keep them, PostgreSQL refuses them)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shopops.catalog.models import Sku
from shopops.ingest.errors import ImportFailed, RowError
from shopops.ingest.pipeline import run_import
from shopops.ingest.values import to_datetime, to_decimal
from shopops.orders.models import Order

pytestmark = pytest.mark.postgres

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31 23:59:59",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01 00:00:00",
        "1999-12-31 23:59:59",
    ],
)
def test_times_outside_the_window_are_row_errors(value):
    with pytest.raises(RowError) as caught:
        to_datetime(value, "paid_at", SHANGHAI)
    assert caught.value.column == "paid_at" and "out of range" in caught.value.reason


def test_times_inside_the_window_parse():
    assert to_datetime("2000-01-01 00:00:00", "paid_at", SHANGHAI).year == 1999  # UTC
    tomorrow = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=1)
    assert to_datetime(f"{tomorrow} 23:59:59", "paid_at", SHANGHAI)
    with pytest.raises(RowError):
        to_datetime(f"{tomorrow + timedelta(days=1)} 00:00:00", "paid_at", SHANGHAI)


def test_numbers_beyond_the_fields_precision_are_row_errors():
    with pytest.raises(RowError, match="too large"):
        to_decimal("1000000000000", "paid_amount")  # MoneyField: 12 digits before the point
    assert to_decimal("999999999999.99", "paid_amount")
    with pytest.raises(RowError, match="too large"):
        to_decimal("1e30", "paid_amount")
    with pytest.raises(RowError, match="too large"):
        to_decimal("1000000", "weight_kg", places=3, max_digits=9)  # Sku.weight_kg (9, 3)


def test_an_import_with_an_extreme_time_rejects_the_row(shop, write, transactional_db):
    path = write(
        "o.csv",
        "order_id,paid_amount,created_at,paid_at,customer_id\n"
        "1,10.00,2024-03-01 10:00,2024-03-01 10:00,a\n"
        "2,10.00,2024-03-01 10:00,9999-12-31 23:59:59,a\n"
        "3,10.00,0001-01-01 00:00:00+14:00,2024-03-01 10:00,a\n",
    )
    with pytest.raises(ImportFailed, match="paid_at"):
        run_import(store=shop, kind="orders", path=path)
    assert not Order.objects.exists()
    result = run_import(store=shop, kind="orders", path=path, skip_invalid=True)
    assert result.inserted == 1 and result.rejected == 2
    assert [(r.line, r.column) for r in result.rejects] == [(3, "paid_at"), (4, "created_at")]
    assert list(Order.objects.values_list("order_id", flat=True)) == ["1"]


def test_an_import_with_a_weight_beyond_precision_rejects_the_row(shop, write, transactional_db):
    path = write(
        "p.csv",
        "sku,product_name,price,weight_kg\nA,杯,9.90,1.5\nB,杯,9.90,12345678\n",
    )
    result = run_import(store=shop, kind="products", path=path, skip_invalid=True)
    assert result.rejected == 1 and result.rejects[0].column == "weight_kg"
    assert list(Sku.objects.values_list("code", flat=True)) == ["A"]
