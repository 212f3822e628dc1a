"""Every writer of facts raises the store's facts version itself, exactly once per
transaction, and a metric read after the write is never the cached answer from before.

There are no model signals behind `facts_changed`: the writers below are the one path
(analytics/cache.py). A new writer of orders, order lines, traffic, ads, SKUs or products
belongs in WRITERS."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from shopops.analytics import queries
from shopops.analytics.cache import versions
from shopops.catalog.models import Product, Sku
from shopops.core import services as core
from shopops.devtools import demo_data
from shopops.ingest.pipeline import run_import
from shopops.inventory import services as stock
from shopops.inventory.models import Warehouse
from shopops.orders import intake, services, tracking
from shopops.orders.models import Order
from shopops.orders.tests.conftest import order_payload

# DuckDB reads committed rows only, so the writes must commit.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = date(2026, 11, 11)
AT = "2026-11-11T10:00:00+08:00"


def payload(order_id: str, *, paid=True) -> dict:
    return order_payload(
        order_id,
        paid=paid,
        store="w",
        created_at=AT,
        paid_at=AT if paid else None,
        customer_id=f"buyer-{order_id}",
    )


@pytest.fixture
def shop():
    store = core.create_store(None, code="w", name="写入店", platform="tmall")
    product = Product.objects.create(store=store, spu="P1", name="保温杯", category="杯具")
    cup = Sku.objects.create(store=store, product=product, code="CUP", price=Decimal("99"))
    hz = Warehouse.objects.create(store=store, code="HZ", name="杭州仓")
    stock.receive(None, store, cup, hz, 10, reason="opening")
    lead = core.create_user(username="lead", password=None, role="ops_lead", stores=[store])
    client = Client()
    client.force_login(lead)
    return {"store": store, "client": client}


def order(order_id: str) -> Order:
    return Order.objects.get(order_id=order_id)


def placed(shop, order_id="A1", *, paid=True) -> Order:
    intake.receive(None, shop["store"], payload(order_id, paid=paid))
    return order(order_id)


def reviewed(shop, order_id="A1") -> Order:
    services.review_order(None, placed(shop, order_id))
    return order(order_id)


def shipped(shop, order_id="A1") -> Order:
    services.ship(None, reviewed(shop, order_id), carrier="顺丰", tracking_no="SF1")
    return order(order_id)


def api(shop, url: str, body: dict):
    answer = shop["client"].post(url, json.dumps(body), content_type="application/json")
    assert answer.status_code < 300, answer.content
    return answer


def imported(shop, tmp_path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    result = run_import(store=shop["store"], kind=kind, path=path)
    assert result.inserted + result.updated > 0 and not result.rejects


def nothing(shop, tmp_path):
    return None


TRAFFIC = "date,source,visitors,sku\n2026-11-11,natural_search,40,CUP\n"


# (name, what exists before, the write). The write's facts version must move by one.
WRITERS = [
    (
        "order received through the API",
        nothing,
        lambda shop, tmp: api(shop, "/api/v1/orders", payload("A1")),
    ),
    (
        "order received by the service",
        nothing,
        lambda shop, tmp: intake.receive(None, shop["store"], payload("A1")),
    ),
    (
        "unpaid order paid",
        lambda shop, tmp: placed(shop, paid=False),
        lambda shop, tmp: services.pay(None, order("A1"), datetime(2026, 11, 11, 3, tzinfo=UTC)),
    ),
    (
        "order reviewed through the API (review)",
        lambda shop, tmp: placed(shop),
        lambda shop, tmp: api(shop, "/api/v1/orders/w/A1/review", {}),
    ),
    (
        "order reviewed through the API (audit, the old name)",
        lambda shop, tmp: placed(shop),
        lambda shop, tmp: api(shop, "/api/v1/orders/w/A1/audit", {}),
    ),
    (
        "order shipped",
        lambda shop, tmp: reviewed(shop),
        lambda shop, tmp: services.ship(None, order("A1"), carrier="顺丰", tracking_no="SF1"),
    ),
    (
        "order delivered by a tracking event",
        lambda shop, tmp: shipped(shop),
        lambda shop, tmp: tracking.record_events(
            None,
            shop["store"],
            "顺丰",
            "SF1",
            [{"at": datetime(2026, 11, 12, 3, tzinfo=UTC), "status": "signed"}],
        ),
    ),
    (
        "order completed",
        lambda shop, tmp: services.deliver(None, shipped(shop)),
        lambda shop, tmp: services.complete(None, order("A1")),
    ),
    (
        "order cancelled",
        lambda shop, tmp: placed(shop),
        lambda shop, tmp: services.cancel(None, order("A1"), reason="买家不要了"),
    ),
    (
        "order partly refunded",
        lambda shop, tmp: placed(shop),
        lambda shop, tmp: services.refund(None, order("A1"), amount=Decimal("9"), reason="差价"),
    ),
    (
        "order wholly refunded",
        lambda shop, tmp: placed(shop),
        lambda shop, tmp: services.refund(None, order("A1"), amount=Decimal("99"), reason="退货"),
    ),
    (
        "orders imported",
        nothing,
        lambda shop, tmp: imported(
            shop, tmp, "orders", f"order_id,paid_amount,created_at,paid_at\nB1,10.00,{AT},{AT}\n"
        ),
    ),
    (
        "products imported (a category changes)",
        lambda shop, tmp: imported(shop, tmp, "traffic", TRAFFIC),
        lambda shop, tmp: imported(
            shop, tmp, "products", "sku,product_name,price,spu,category\nCUP,保温杯,99,P1,水杯\n"
        ),
    ),
    (
        "traffic imported",
        nothing,
        lambda shop, tmp: imported(shop, tmp, "traffic", TRAFFIC),
    ),
    (
        "ads imported",
        nothing,
        lambda shop, tmp: imported(
            shop, tmp, "ads", "date,channel,plan,impressions,clicks,cost\n2026-11-11,ztc,p1,9,3,5\n"
        ),
    ),
    (
        "demo data loaded",
        nothing,
        lambda shop, tmp: demo_data.load(
            shop["store"],
            seed=1,
            months=1,
            end=DAY,
            target_orders=300,
            progress=lambda m: None,
        ),
    ),
]


def read(store, use_cache=True) -> list:
    return queries.metrics(
        ["gmv", "orders", "refunds", "units", "visitors", "ad_cost"],
        store,
        DAY,
        DAY,
        use_cache=use_cache,
    ) + queries.metrics(
        ["visitors", "units"],
        store,
        DAY,
        DAY,
        dims=("category",),
        use_cache=use_cache,
    )


@pytest.mark.parametrize(("name", "before", "write"), WRITERS, ids=[w[0] for w in WRITERS])
def test_every_writer_of_facts_raises_the_version_once(shop, tmp_path, name, before, write):
    store = shop["store"]
    before(shop, tmp_path)
    stale = read(store)  # now in the cache
    assert read(store) == stale
    version = versions([store.pk])[store.pk]

    write(shop, tmp_path)

    assert versions([store.pk])[store.pk] == version + 1  # moved, once for the transaction
    assert read(store) == read(store, use_cache=False)  # never the cached answer


@pytest.mark.parametrize(
    "name",
    [
        "order received by the service",
        "order wholly refunded",
        "orders imported",
        "products imported (a category changes)",
        "traffic imported",
        "ads imported",
        "demo data loaded",
    ],
)
def test_the_numbers_after_a_write_are_the_new_ones(shop, tmp_path, name):
    """For writes that change a number of the day, the cached read shows the change."""
    _name, before, write = next(w for w in WRITERS if w[0] == name)
    store = shop["store"]
    before(shop, tmp_path)
    stale = read(store)
    write(shop, tmp_path)
    assert read(store) != stale
