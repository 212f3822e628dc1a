"""The inventory pages stay fast as a store grows: the stock page answers in a fixed number
of queries whatever its number of stock rows (no N+1), and the replenishment page reads the
forecast the worker made instead of fitting one on the request."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopops.catalog.models import Product, Sku
from shopops.inventory import replenishment, tasks
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, Warehouse

# Session, user, its permissions (2), the store (2), warehouses, the ledger, the count and
# the page of stock rows, the count of rows below safety stock, and what the base template
# reads (with the top bar's count of unread notifications).
LEVELS_PAGE_QUERIES = 13


def _stock_rows(store, skus: int, warehouses: int = 3) -> None:
    product = Product.objects.create(store=store, spu=f"P{skus}", name="保温杯")
    whs = [
        Warehouse.objects.get_or_create(store=store, code=f"W{i}", defaults={"name": f"仓 {i}"})[0]
        for i in range(warehouses)
    ]
    made = Sku.objects.bulk_create(
        Sku(store=store, product=product, code=f"S{skus}-{n:03d}", price=Decimal("9.9"))
        for n in range(skus)
    )
    StockLevel.objects.bulk_create(
        StockLevel(store=store, sku=s, warehouse=w, on_hand=n % 7, safety_stock=3)
        for n, s in enumerate(made)
        for w in whs
    )
    for s in made[:5]:  # a few ledger lines, each naming its SKU, warehouse and user
        stock.receive(None, store, s, whs[0], 2)


def _levels_page(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inventory/")
    assert response.status_code == 200
    return response, len(queries.captured_queries)


@pytest.mark.django_db
def test_stock_page_queries_do_not_grow_with_its_rows(store_a, as_role):
    client = as_role("ops_lead")
    _stock_rows(store_a, 20)
    _small, small_n = _levels_page(client)
    _stock_rows(store_a, 200)
    big, big_n = _levels_page(client)
    assert big.content.count(b"<tr data-sku=") == 50  # the first page
    assert big.context["paged"].page.paginator.count == 3 * 220
    assert small_n == big_n == LEVELS_PAGE_QUERIES
    below = sum(
        1 for lv in StockLevel.objects.filter(store=store_a) if lv.on_hand - lv.reserved < 3
    )
    assert big.context["below_safety"] == below > 0


@pytest.mark.django_db
def test_replenishment_page_reads_the_latest_forecast_after_new_facts(
    store_a, as_role, monkeypatch
):
    from huey.contrib.djhuey import HUEY

    from shopops.analytics.cache import facts_changed

    client = as_role("ops_lead")
    _stock_rows(store_a, 10, warehouses=1)
    made = replenishment.forecast(store_a)  # as the worker does after new facts
    first = client.get("/inventory/replenishment/")
    facts_changed(store_a.pk)  # an order arrived: the cached forecast is not current

    def no_fit(*args, **kwargs):
        raise AssertionError("the page fitted a forecast")

    queued = []
    monkeypatch.setattr(replenishment, "_fit", no_fit)
    monkeypatch.setattr(tasks, "refresh_forecast", lambda store_id: queued.append(store_id))
    monkeypatch.setattr(HUEY, "immediate", False)
    again = client.get("/inventory/replenishment/")
    assert again.status_code == 200
    assert [r.sku for r in again.context["rows"]] == [r.sku for r in first.context["rows"]]
    assert queued == [store_a.pk]  # the worker makes the next one
    client.get("/inventory/replenishment/")
    assert queued == [store_a.pk]  # once per version of the facts
    assert replenishment.latest_forecast(store_a) == (made, False)


@pytest.mark.django_db
def test_the_worker_makes_each_new_days_forecast(store_a):
    _stock_rows(store_a, 3, warehouses=1)
    assert replenishment.latest_forecast(store_a) == (None, False)
    tasks.forecast_new_day.call_local()
    made, fresh = replenishment.latest_forecast(store_a)
    assert fresh and set(made) == {f"S3-{n:03d}" for n in range(3)}


@pytest.mark.django_db
def test_stock_pages_keep_the_filters_and_match_the_alert_rule(store_a, as_role):
    from shopops.inventory import queries

    client = as_role("ops_lead")
    _stock_rows(store_a, 120)
    StockLevel.objects.filter(store=store_a, on_hand=5).update(warning_stock=6)
    every = queries.with_states(queries.level_rows(store_a))
    for alert, wanted in (
        ("safety", {"below_safety"}),
        ("warning", {"below_safety", "below_warning"}),
    ):
        expected = [lv.pk for lv, state in every if state in wanted]
        shown = []
        url = f"/inventory/?alert={alert}&q=S120&size=25"
        while url:
            response = client.get(url if url.startswith("/") else "/inventory/" + url)
            assert response.status_code == 200
            paged = response.context["paged"]
            assert paged.size == 25 and len(paged.rows) <= 25
            shown += [lv.pk for lv, _state in response.context["rows"]]
            url = paged.next_url
            if url:
                assert f"alert={alert}" in url and "q=S120" in url and "size=25" in url
        assert shown == expected and len(expected) > 25
    last = client.get("/inventory/?page=999")  # past the end: the last page
    assert last.context["paged"].page.number == last.context["paged"].page.paginator.num_pages
    assert client.get("/inventory/?page=x&size=7").context["paged"].size == 50


@pytest.mark.django_db
def test_the_ledger_is_paged_and_filtered(store_a, as_role):
    client = as_role("ops_lead")
    _stock_rows(store_a, 30, warehouses=1)  # 5 receipts
    hz = Warehouse.objects.get(store=store_a, code="W0")
    sku = Sku.objects.filter(store=store_a).order_by("code").first()
    for n in range(60):
        stock.adjust(None, store_a, sku, hz, 1, reason=f"盘点 {n}")
    page = client.get("/inventory/ledger/?size=25")
    assert page.status_code == 200
    paged = page.context["paged"]
    assert paged.page.paginator.count == 65 and len(paged.rows) == 25
    assert "size=25" in paged.next_url
    only = client.get(f"/inventory/ledger/?sku={sku.code}&kind=adjustment")
    assert only.context["paged"].page.paginator.count == 60
    assert (
        client.get("/inventory/ledger/?kind=nonsense").context["paged"].page.paginator.count == 65
    )
