"""Hand-computed order metrics (METRICS.md), the same from every engine."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.catalog import UnknownMetric
from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Shanghai times. c1 buys twice on the 18th (one order at 23:59); the 00:01 order belongs to
# the 19th; a guest (no customer) is a buyer of its own; an unpaid order counts nowhere;
# c2 buys across the year boundary (2024-12-31 and 2025-01-01, same ISO week).
ORDERS = """order_id,paid_amount,created_at,paid_at,customer_id,refunded_amount
A,100.00,2024-06-18 09:00,2024-06-18 09:01,c1,0
B,50.00,2024-06-18 23:58,2024-06-18 23:59,c1,50.00
C,30.00,2024-06-19 00:00,2024-06-19 00:01,,0
D,0,2024-06-19 10:00,,c3,0
E,10.00,2024-06-19 10:00,2024-06-19 10:02,c2,
F,20.00,2024-12-31 12:00,2024-12-31 12:00,c2,
G,40.00,2025-01-01 12:00,2025-01-01 12:00,c2,5.00
"""
KEYS = [
    "gmv",
    "orders",
    "buyers",
    "aov",
    "order_value",
    "refunds",
    "net_sales",
    "refund_rate",
    "repurchase_rate",
]


@pytest.fixture
def store(tmp_path):
    store = services.create_store(None, code="m", name="M", platform="tmall")
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS)
    assert run_import(store=store, kind="orders", path=path).rejected == 0
    return store


@pytest.mark.parametrize("engine", ["duckdb", "sql"])
def test_days(store, engine):
    rows = metrics(KEYS, store, date(2024, 6, 18), date(2024, 6, 20), "day", engine)
    assert rows == [
        {
            "period": "2024-06-18",
            "gmv": Decimal("150.00"),
            "orders": 2,
            "buyers": 1,
            "aov": Decimal("150.000000"),
            "order_value": Decimal("75.000000"),
            "refunds": Decimal("50.00"),
            "net_sales": Decimal("100.00"),
            "refund_rate": Decimal("0.333333"),
            "repurchase_rate": Decimal("1.000000"),
        },
        {
            "period": "2024-06-19",
            "gmv": Decimal("40.00"),
            "orders": 2,
            "buyers": 2,
            "aov": Decimal("20.000000"),
            "order_value": Decimal("20.000000"),
            "refunds": Decimal("0.00"),
            "net_sales": Decimal("40.00"),
            "refund_rate": Decimal("0.000000"),
            "repurchase_rate": Decimal("0.000000"),
        },
        # No orders: zero counts, and ratios with a zero denominator are None, never 0.
        {
            "period": "2024-06-20",
            "gmv": Decimal("0"),
            "orders": 0,
            "buyers": 0,
            "aov": None,
            "order_value": None,
            "refunds": Decimal("0"),
            "net_sales": Decimal("0"),
            "refund_rate": None,
            "repurchase_rate": None,
        },
    ]


@pytest.mark.parametrize("engine", ["duckdb", "sql"])
def test_week_across_the_year_boundary_and_quarters(store, engine):
    weeks = metrics(
        ["orders", "buyers", "repurchase_rate"],
        store,
        date(2024, 12, 30),
        date(2025, 1, 5),
        "week",
        engine,
    )
    assert weeks == [
        {"period": "2024-12-30", "orders": 2, "buyers": 1, "repurchase_rate": Decimal("1.000000")}
    ]
    quarters = metrics(
        ["gmv", "buyers"], store, date(2024, 4, 1), date(2025, 3, 31), "quarter", engine
    )
    assert [(q["period"], q["gmv"], q["buyers"]) for q in quarters] == [
        ("2024-Q2", Decimal("190.00"), 3),
        ("2024-Q3", Decimal("0"), 0),
        ("2024-Q4", Decimal("20.00"), 1),
        ("2025-Q1", Decimal("40.00"), 1),
    ]
    total = metrics(
        ["gmv", "buyers", "repurchase_rate"],
        store,
        date(2024, 1, 1),
        date(2025, 12, 31),
        "none",
        engine,
    )
    # c1 (2 orders), guest C, c2 (3 orders): 3 buyers, 2 of them repeat.
    assert total == [
        {
            "period": "all",
            "gmv": Decimal("250.00"),
            "buyers": 3,
            "repurchase_rate": Decimal("0.666667"),
        }
    ]


def test_engines_agree_on_the_demo_store():
    from shopops.devtools import demo_data

    store = services.create_store(None, code="demo", name="示例", platform="tmall")
    demo_data.load(
        store, seed=3, months=2, end=date(2025, 11, 30), target_orders=3000, progress=lambda m: None
    )
    for grain in ("day", "week", "month"):
        a = metrics(KEYS, store, date(2025, 10, 1), date(2025, 11, 30), grain, "duckdb")
        b = metrics(KEYS, store, date(2025, 10, 1), date(2025, 11, 30), grain, "sql")
        assert a == b, grain


def test_unknown_metric_is_a_clear_error(store):
    with pytest.raises(UnknownMetric, match="unknown metric 'gvm'"):
        metrics(["gvm"], store, date(2024, 1, 1), date(2024, 1, 2))
