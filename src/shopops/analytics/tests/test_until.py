"""`until`: the orders of each day paid before a local time of day, the same on the duckdb
and reference engines (in the store's zone, across a UTC day boundary); refused for daily
facts and by Spark, whose lake keeps days."""

from datetime import date, time
from decimal import Decimal

import pytest

from shopops.analytics.errors import EngineUnavailable
from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Shanghai times; 00:30 local is 16:30 UTC the day before.
ORDERS = """order_id,paid_amount,created_at,paid_at,customer_id
A,10.00,2024-06-18 00:20:00,2024-06-18 00:30:00,c1
B,20.00,2024-06-18 09:00:00,2024-06-18 09:59:59,c2
C,40.00,2024-06-18 10:00:00,2024-06-18 10:00:00,c3
D,80.00,2024-06-19 09:00:00,2024-06-19 09:30:00,c1
E,160.00,2024-06-19 23:00:00,2024-06-19 23:59:00,c4
"""


@pytest.fixture
def shop(tmp_path):
    store = services.create_store(None, code="u", name="截止", platform="tmall")
    path = tmp_path / "o.csv"
    path.write_text(ORDERS)
    assert run_import(store=store, kind="orders", path=path).rejected == 0
    return store


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_orders_before_ten_each_day(shop, engine):
    keys = ["gmv", "orders", "buyers", "aov"]
    rows = metrics(keys, shop, date(2024, 6, 18), date(2024, 6, 19), "day", engine, until=time(10))
    assert [(r["period"], r["gmv"], r["orders"], r["buyers"]) for r in rows] == [
        ("2024-06-18", Decimal("30.00"), 2, 2),  # A and B; C is at 10:00, not before
        ("2024-06-19", Decimal("80.00"), 1, 1),
    ]
    whole = metrics(["gmv"], shop, date(2024, 6, 18), date(2024, 6, 19), "none", engine)
    assert whole[0]["gmv"] == Decimal("310.00")  # without until: whole days


def test_daily_facts_and_spark_are_refused(shop):
    with pytest.raises(ValueError, match="daily facts"):
        metrics(["visitors"], shop, date(2024, 6, 18), date(2024, 6, 18), until=time(10))
    with pytest.raises(EngineUnavailable):
        metrics(["gmv"], shop, date(2024, 6, 18), date(2024, 6, 18), engine="spark", until=time(10))
