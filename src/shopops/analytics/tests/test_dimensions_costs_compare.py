"""Hand-computed metrics along dimensions, with filters, across stores, with comparison
columns, and the cost metrics of gross profit."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ENGINES = ["duckdb", "reference"]

FILES = {
    "orders": "order_id,paid_amount,created_at,paid_at,customer_id,refunded_amount,"
    """channel,province
A,100.00,2024-06-18 09:00,2024-06-18 09:01,c1,0,app,浙江
B,50.00,2024-06-18 23:58,2024-06-18 23:59,c1,50.00,pc,上海
C,30.00,2024-06-19 00:00,2024-06-19 00:01,,0,app,浙江
E,10.00,2024-06-19 10:00,2024-06-19 10:02,c2,,app,上海
""",
    "order_lines": """order_id,sku,quantity,unit_price,unit_cost,category
A,X,1,60.00,30.00,鞋
A,Y,2,20.00,8.00,包
B,Y,1,50.00,8.00,包
C,Z,1,30.00,,包
E,X,1,10.00,30.00,鞋
""",
    "traffic": """date,source,sku,visitors,page_views
2024-06-18,natural_search,,30,90
2024-06-18,paid,,10,25
2024-06-19,natural_search,,50,100
2024-06-18,paid,X,20,40
""",
    "ads": """date,channel,plan,impressions,clicks,cost,orders,gmv
2024-06-18,直通车,春季上新,10000,300,450.00,9,1800.00
2024-06-18,引力魔方,爆款,5000,100,150.00,3,600.00
""",
}


def load(store, tmp_path, files=FILES):
    for kind, text in files.items():
        path = tmp_path / f"{store.code}-{kind}.csv"
        path.write_text(text)
        result = run_import(store=store, kind=kind, path=path)
        assert result.rejected == 0, result.rejects


@pytest.fixture
def store(tmp_path):
    store = services.create_store(
        None,
        code="d",
        name="D",
        platform="tmall",
        commission_rate=Decimal("0.05"),
        payment_fee_rate=Decimal("0.006"),
        shipping_cost_per_order=Decimal("5.00"),
        packaging_cost_per_order=Decimal("1.00"),
    )
    load(store, tmp_path)
    return store


JUNE = (date(2024, 6, 18), date(2024, 6, 19))


@pytest.mark.parametrize("engine", ENGINES)
def test_gross_profit_and_its_costs(store, engine):
    keys = [
        "gmv",
        "net_sales",
        "cogs",
        "commission",
        "payment_fees",
        "shipping_cost",
        "packaging_cost",
        "ad_cost",
        "gross_profit",
        "gross_margin",
    ]
    (row,) = metrics(keys, store, *JUNE, "none", engine)
    # cogs: A 1x30 + 2x8, B 1x8, C unknown cost (0), E 1x30 = 84.
    # commission 5% of net sales 140 = 7; payment fees 0.6% of 190 = 1.14;
    # shipping 4 orders x 5; packaging 4 x 1; ads 600.
    assert row == {
        "period": "all",
        "gmv": Decimal("190.00"),
        "net_sales": Decimal("140.00"),
        "cogs": Decimal("84"),
        "commission": Decimal("7"),
        "payment_fees": Decimal("1.14"),
        "shipping_cost": Decimal("20"),
        "packaging_cost": Decimal("4"),
        "ad_cost": Decimal("600"),
        "gross_profit": Decimal("-576.14"),
        "gross_margin": Decimal("-4.115286"),
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_order_metrics_by_channel_have_no_traffic_or_ad_cost(store, engine):
    rows = metrics(
        ["gmv", "orders", "buyers", "visitors", "cvr", "gross_profit"],
        store,
        *JUNE,
        "none",
        engine,
        dims=["channel"],
    )
    assert rows == [
        {
            "period": "all",
            "channel": "app",
            "gmv": Decimal("140.00"),
            "orders": 3,
            "buyers": 3,
            "visitors": None,
            "cvr": None,
            "gross_profit": None,
        },
        {
            "period": "all",
            "channel": "pc",
            "gmv": Decimal("50.00"),
            "orders": 1,
            "buyers": 1,
            "visitors": None,
            "cvr": None,
            "gross_profit": None,
        },
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_order_metrics_by_sku_come_from_the_lines(store, engine):
    rows = metrics(
        ["gmv", "orders", "buyers", "repurchase_rate", "refunds", "visitors", "cvr", "units"],
        store,
        *JUNE,
        "none",
        engine,
        dims=["sku"],
    )
    by_sku = {r["sku"]: r for r in rows}
    assert set(by_sku) == {"X", "Y", "Z"}
    # X: A (60) and E (10), buyers c1 and c2; 20 visitors from the SKU traffic rows.
    assert by_sku["X"]["gmv"] == Decimal("70.00")
    assert (by_sku["X"]["orders"], by_sku["X"]["buyers"]) == (2, 2)
    assert by_sku["X"]["visitors"] == 20
    assert by_sku["X"]["cvr"] == Decimal("0.100000")
    # Y: A (40) and B (50), both c1's: one buyer who came back.
    assert by_sku["Y"]["gmv"] == Decimal("90.00")
    assert by_sku["Y"]["repurchase_rate"] == Decimal("1.000000")
    assert by_sku["Y"]["units"] == 3
    # Refunds are per order, not per line: undefined along SKUs; Z has no traffic rows.
    assert by_sku["Z"]["refunds"] is None
    assert by_sku["Z"]["visitors"] == 0 and by_sku["Z"]["cvr"] is None


@pytest.mark.parametrize("engine", ENGINES)
def test_two_dimensions_and_a_filter(store, engine):
    rows = metrics(
        ["gmv", "orders"],
        store,
        *JUNE,
        "day",
        engine,
        dims=["province", "category"],
        filters={"channel": ["app"]},
    )
    assert [(r["period"], r["province"], r["category"], r["gmv"], r["orders"]) for r in rows] == [
        ("2024-06-18", "浙江", "包", Decimal("40.00"), 1),
        ("2024-06-18", "浙江", "鞋", Decimal("60.00"), 1),
        ("2024-06-19", "上海", "鞋", Decimal("10.00"), 1),
        ("2024-06-19", "浙江", "包", Decimal("30.00"), 1),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_traffic_by_source_and_filtered(store, engine):
    rows = metrics(["visitors", "gmv"], store, *JUNE, "none", engine, dims=["source"])
    assert [(r["source"], r["visitors"], r["gmv"]) for r in rows] == [
        ("natural_search", 80, None),
        ("paid", 10, None),
    ]
    (paid,) = metrics(
        ["visitors", "page_views"], store, *JUNE, "none", engine, filters={"source": ["paid"]}
    )
    assert (paid["visitors"], paid["page_views"]) == (10, 25)


@pytest.mark.parametrize("engine", ENGINES)
def test_ads_by_plan(store, engine):
    rows = metrics(["ad_cost", "roi", "cpc"], store, *JUNE, "none", engine, dims=["plan"])
    assert [(r["plan"], r["ad_cost"], r["roi"], r["cpc"]) for r in rows] == [
        ("春季上新", Decimal("450.00"), Decimal("4.000000"), Decimal("1.500000")),
        ("爆款", Decimal("150.00"), Decimal("4.000000"), Decimal("1.500000")),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_several_stores_each_on_its_own_calendar(store, tmp_path, engine):
    other = services.create_store(
        None, code="ny", name="NY", platform="shopify", timezone="America/New_York"
    )
    # 23:30 in New York is already the next day in Shanghai: it stays on the 18th.
    load(
        other,
        tmp_path,
        {
            "orders": "order_id,paid_amount,created_at,paid_at,customer_id\n"
            "A,20.00,2024-06-18 23:00,2024-06-18 23:30,c1\n"
        },
    )
    together = metrics(["gmv", "buyers"], [store, other], *JUNE, "day", engine)
    assert [(r["period"], r["gmv"], r["buyers"]) for r in together] == [
        ("2024-06-18", Decimal("170.00"), 2),  # c1 of each store are two buyers
        ("2024-06-19", Decimal("40.00"), 2),
    ]
    apart = metrics(["gmv"], [store, other], *JUNE, "none", engine, dims=["store"])
    assert [(r["store"], r["gmv"]) for r in apart] == [
        ("d", Decimal("190.00")),
        ("ny", Decimal("20.00")),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_compare_previous_day_week_and_year(store, engine):
    (row,) = metrics(
        ["gmv", "aov"], store, date(2024, 6, 19), date(2024, 6, 19), "day", engine, compare="prev"
    )
    assert row["period_prev"] == "2024-06-18"
    assert (row["gmv"], row["gmv_prev"]) == (Decimal("40.00"), Decimal("150.00"))
    assert row["gmv_prev_change"] == Decimal("-0.733333")  # (40 - 150) / 150
    assert row["aov_prev"] == Decimal("150.000000")
    (week,) = metrics(
        ["gmv"], store, date(2024, 6, 25), date(2024, 6, 25), "day", engine, compare="wow"
    )
    assert (week["period_wow"], week["gmv_wow"], week["gmv_wow_change"]) == (
        "2024-06-18",
        Decimal("150.00"),
        Decimal("-1.000000"),
    )
    # Nothing a year earlier: the change is undefined, not infinite.
    (year,) = metrics(["gmv"], store, *JUNE, "none", engine, compare="yoy")
    assert (year["period_yoy"], year["gmv_yoy"], year["gmv_yoy_change"]) == (
        "all",
        Decimal("0"),
        None,
    )
    months = metrics(
        ["orders"], store, date(2024, 6, 1), date(2024, 7, 31), "month", engine, compare="prev"
    )
    assert [(m["period"], m["period_prev"], m["orders"], m["orders_prev"]) for m in months] == [
        ("2024-06", "2024-05", 4, 0),
        ("2024-07", "2024-06", 0, 4),
    ]


def test_bad_requests_are_clear(store):
    with pytest.raises(ValueError, match="dimension 'color'"):
        metrics(["gmv"], store, *JUNE, dims=["color"])
    with pytest.raises(ValueError, match="at most two"):
        metrics(["gmv"], store, *JUNE, dims=["sku", "channel", "province"])
    with pytest.raises(ValueError, match="compare: one of prev, wow, yoy"):
        metrics(["gmv"], store, *JUNE, compare="mom")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fully_refunded_day_has_no_margin(tmp_path, engine):
    store = services.create_store(
        None, code="r", name="R", platform="tmall", shipping_cost_per_order=Decimal("5")
    )
    load(
        store,
        tmp_path,
        {
            "orders": "order_id,paid_amount,created_at,paid_at,refunded_amount\n"
            "A,80.00,2024-06-18 09:00,2024-06-18 09:01,80.00\n"
        },
    )
    keys = ["net_sales", "refund_rate", "gross_profit", "gross_margin", "cogs", "commission"]
    (row,) = metrics(keys, store, date(2024, 6, 18), date(2024, 6, 18), "day", engine)
    # Net sales 0: the margin is undefined, the loss is the shipping.
    assert row == {
        "period": "2024-06-18",
        "net_sales": Decimal("0.00"),
        "refund_rate": Decimal("1.000000"),
        "gross_profit": Decimal("-5.00"),
        "gross_margin": None,
        "cogs": Decimal("0"),
        "commission": Decimal("0"),
    }
