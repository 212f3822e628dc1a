"""Hand-computed order metrics (METRICS.md), the same from every engine."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.catalog import UnknownMetric
from shopops.analytics.queries import metrics
from shopops.analytics.request import DIMENSIONS
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


def test_sql_is_still_accepted_as_the_reference_engine(store):
    span = (date(2024, 6, 18), date(2024, 6, 20), "day")
    assert metrics(KEYS, store, *span, "sql") == metrics(KEYS, store, *span, "reference")
    with pytest.raises(ValueError, match="one of duckdb, reference, spark"):
        metrics(KEYS, store, *span, "sqlite")


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
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


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
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


def whole_catalog() -> list[str]:
    from shopops.analytics.catalog import CATALOG, TRAFFIC_SOURCES

    return [
        *CATALOG,
        "topn_share:1",
        "topn_share:3",
        *(f"source_share:{s}" for s in TRAFFIC_SOURCES),
    ]


def test_engines_agree_on_the_demo_store(demo_store):
    """The whole catalog, every grain, every dimension, a pair, a filter and a comparison:
    DuckDB equals the plain-Python reference to the cent."""
    keys = whole_catalog()
    span = (date(2025, 10, 1), date(2025, 11, 30))
    cases = [{"grain": g} for g in ("day", "week", "month", "quarter", "none")]
    cases += [{"grain": "month", "dims": [d]} for d in DIMENSIONS]
    cases += [
        {"grain": "week", "dims": ["category", "province"]},
        {"grain": "none", "dims": ["source"], "filters": {"source": ["paid", "member"]}},
        {"grain": "month", "filters": {"category": ["杯具水具"]}},
        {"grain": "week", "compare": "prev"},
        {"grain": "day", "compare": "wow"},
    ]
    for case in cases:
        grain = case.pop("grain")
        fast = metrics(keys, demo_store, *span, grain, "duckdb", **case)
        slow = metrics(keys, demo_store, *span, grain, "reference", **case)
        assert fast, case
        assert fast == slow, (grain, case)


def test_unknown_metric_is_a_clear_error(store):
    with pytest.raises(UnknownMetric, match="unknown metric 'gvm'"):
        metrics(["gvm"], store, date(2024, 1, 1), date(2024, 1, 2))


LINES = """order_id,sku,quantity,unit_price
A,X,1,60.00
A,Y,2,20.00
B,Y,1,50.00
C,Z,1,30.00
E,X,1,10.00
"""
TRAFFIC = """date,source,visitors,page_views
2024-06-18,natural_search,30,90
2024-06-18,paid,10,25
2024-06-19,natural_search,50,100
"""


@pytest.fixture
def full_store(store, tmp_path):
    for kind, text in (("order_lines", LINES), ("traffic", TRAFFIC)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        assert run_import(store=store, kind=kind, path=path).rejected == 0
    return store


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_lines_and_traffic_metrics(full_store, engine):
    keys = [
        "units",
        "line_gmv",
        "topn_share:1",
        "topn_share:2",
        "visitors",
        "cvr",
        "source_share:paid",
        "page_views",
    ]
    rows = metrics(keys, full_store, date(2024, 6, 18), date(2024, 6, 19), "day", engine)
    # 18th: A (100 = X 60 + Y 40) and B (Y 50): X 60, Y 90 -> top1 90/150, top2 150/150.
    # 19th: C (Z 30) and E (X 10): top1 = Z 30 of 40. A tie-free check of topn; visitors
    # 40 -> 1 buyer: cvr 0.025; paid share 10/40.
    assert rows == [
        {
            "period": "2024-06-18",
            "units": 4,
            "line_gmv": Decimal("150.00"),
            "topn_share:1": Decimal("0.600000"),
            "topn_share:2": Decimal("1.000000"),
            "visitors": 40,
            "cvr": Decimal("0.025000"),
            "source_share:paid": Decimal("0.250000"),
            "page_views": 115,
        },
        {
            "period": "2024-06-19",
            "units": 2,
            "line_gmv": Decimal("40.00"),
            "topn_share:1": Decimal("0.750000"),
            "topn_share:2": Decimal("1.000000"),
            "visitors": 50,
            "cvr": Decimal("0.040000"),
            "source_share:paid": Decimal("0.000000"),
            "page_views": 100,
        },
    ]


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_topn_share_with_a_tie(store, tmp_path, engine):
    path = tmp_path / "lines.csv"
    path.write_text("order_id,sku,quantity,unit_price\nA,P,1,50.00\nA,Q,1,50.00\n")
    run_import(store=store, kind="order_lines", path=path)
    row = metrics(["topn_share:1"], store, date(2024, 6, 18), date(2024, 6, 18), "day", engine)[0]
    # Order A paid 100 split 50/50: whichever SKU is first, the top-1 share is 0.5.
    assert row["topn_share:1"] == Decimal("0.500000")


def test_identity_gmv_is_visitors_times_cvr_times_aov_on_the_demo_store():
    from shopops.devtools import demo_data

    store = services.create_store(None, code="demo", name="示例", platform="tmall")
    demo_data.load(
        store, seed=5, months=1, end=date(2025, 6, 30), target_orders=1500, progress=lambda m: None
    )
    keys = ["gmv", "visitors", "cvr", "aov", "buyers"]
    slices = [
        (grain, dims)
        for grain in ("day", "week", "month", "none")
        for dims in ((), ("store",), ("sku",), ("category",))
    ]
    checked = 0
    for grain, dims in slices:
        for row in metrics(keys, store, date(2025, 6, 1), date(2025, 6, 30), grain, dims=dims):
            if row["visitors"] and row["buyers"]:
                checked += 1
                # With the unrounded ratios the identity is exact; with 6-place ratios it
                # holds to the rounding of cvr and aov.
                exact = (
                    row["visitors"]
                    * (Decimal(row["buyers"]) / row["visitors"])
                    * (row["gmv"] / row["buyers"])
                )
                assert abs(exact - row["gmv"]) < Decimal("0.000001")
                approx = row["visitors"] * row["cvr"] * row["aov"]
                assert abs(approx - row["gmv"]) <= row["visitors"] * Decimal("0.0000005") * (
                    row["aov"] + 1
                ), row
    assert checked > 60


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_tmall_report_counts_and_gmv(shared_file, engine):
    import csv

    from conftest import TMALL_REPORT

    path = shared_file(TMALL_REPORT)
    with open(path, encoding="utf-8", newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    paid = [r for r in rows if r["订单付款时间"].strip()]
    store = services.create_store(None, code="tm", name="天猫", platform="tmall")
    run_import(store=store, kind="orders", path=path, fmt="taobao")
    result = metrics(["orders", "gmv"], store, date(2020, 1, 1), date(2020, 12, 31), "none", engine)
    assert result == [
        {"period": "all", "orders": len(paid), "gmv": sum(Decimal(r["总金额"]) for r in paid)}
    ]
    assert result[0]["orders"] == 24087 and result[0]["gmv"] == Decimal("2474823.07")


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_ad_and_click_metrics(store, tmp_path, engine):
    for kind, text in (
        (
            "ads",
            "date,channel,plan,impressions,clicks,cost,orders,gmv\n"
            "2024-06-18,直通车,春季上新,10000,300,450.00,9,1800.00\n"
            "2024-06-18,直通车,爆款,5000,100,150.00,3,600.00\n"
            "2024-06-19,直通车,春季上新,0,0,0,0,0\n",
        ),
        ("traffic", "date,source,visitors,impressions,clicks\n2024-06-18,paid,80,4000,120\n"),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        assert run_import(store=store, kind=kind, path=path).rejected == 0
    keys = ["ad_cost", "ad_clicks", "cpc", "roi", "impressions", "clicks", "ctr"]
    rows = metrics(keys, store, date(2024, 6, 18), date(2024, 6, 19), "day", engine)
    assert rows == [
        {
            "period": "2024-06-18",
            "ad_cost": Decimal("600.00"),
            "ad_clicks": 400,
            "cpc": Decimal("1.500000"),
            "roi": Decimal("4.000000"),
            "impressions": 4000,
            "clicks": 120,
            "ctr": Decimal("0.030000"),
        },
        # Spend 0 and no clicks: CPC and ROI are undefined, not 0.
        {
            "period": "2024-06-19",
            "ad_cost": Decimal("0.00"),
            "ad_clicks": 0,
            "cpc": None,
            "roi": None,
            "impressions": 0,
            "clicks": 0,
            "ctr": None,
        },
    ]


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_new_buyers_count_the_first_paid_order_ever(store, engine):
    days = metrics(
        ["buyers", "new_buyers"], store, date(2024, 6, 18), date(2024, 6, 19), "day", engine
    )
    # 18th: c1 for the first time. 19th: c2 for the first time, and a guest (always new).
    assert [(d["buyers"], d["new_buyers"]) for d in days] == [(1, 1), (2, 2)]
    # c2 comes back at new year: a buyer, not a new one.
    week = metrics(
        ["buyers", "new_buyers"], store, date(2024, 12, 30), date(2025, 1, 5), "week", engine
    )
    assert [(w["buyers"], w["new_buyers"]) for w in week] == [(1, 0)]
    june = metrics(["new_buyers"], store, date(2024, 6, 1), date(2024, 6, 30), "month", engine)
    assert june == [{"period": "2024-06", "new_buyers": 3}]
