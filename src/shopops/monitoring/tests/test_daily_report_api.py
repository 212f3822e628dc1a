"""Regressions found by the API fuzzing of issue 11 (tests/test_api_fuzz.py)."""

from datetime import date

import pytest

from shopops.catalog.models import Product, Sku
from shopops.orders import intake

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_report_whose_day_before_had_no_orders_answers_with_null_changes(
    store_a, role_users, as_role
):
    # AOV is defined on the day (one order) and undefined the day before (none): the day's
    # change was computed from None and GET /reports/daily answered 500.
    product = Product.objects.create(store=store_a, spu="P", name="Cup")
    Sku.objects.create(store=store_a, product=product, code="S1", price="59.00")
    intake.receive(
        role_users["ops_lead"],
        store_a,
        {
            "store": "alpha",
            "order_id": "O1",
            "created_at": "2026-01-05T10:00:00+08:00",
            "paid_at": "2026-01-05T10:01:00+08:00",
            "paid_amount": "59.00",
            "lines": [{"sku": "S1", "quantity": 1, "unit_price": "59.00"}],
        },
    )
    answer = as_role("ops_lead").get(f"/api/v1/reports/daily?store=alpha&day={date(2026, 1, 5)}")
    assert answer.status_code == 200, answer.content[:500]
    rows = {r["metric"]: r for r in answer.json()["rows"]}
    assert rows["aov"]["actual"] == "59.00"
    assert rows["aov"]["day_change"] is None and rows["aov"]["week_change"] is None
