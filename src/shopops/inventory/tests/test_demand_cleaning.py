"""Replenishment on real-shaped data (issue 22): a one-off bulk order is left out of the
demand and listed; a refunded bulk order is no demand; a SKU sold for three days gets no
model-based suggestion; a suggestion far above the year's largest 30 days is for review."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from shopops.analytics.cache import facts_changed
from shopops.catalog.models import Product, Sku, Supplier
from shopops.inventory import replenishment
from shopops.inventory import services as stock
from shopops.inventory.models import Warehouse
from shopops.orders.models import Order, OrderLine, OrderStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def scene(store_a):
    supplier = Supplier.objects.create(store=store_a, code="S1", name="工厂", lead_time_days=10)
    product = Product.objects.create(store=store_a, spu="P", name="纸鹤", supplier=supplier)
    wh = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    today = datetime.now(store_a.zone).date()
    made = {"n": 0}

    def sku(code, on_hand=50):
        found = Sku.objects.create(store=store_a, product=product, code=code, price=Decimal("1"))
        stock.receive(None, store_a, found, wh, on_hand)
        return found

    def sell(item, back, quantity, status=OrderStatus.COMPLETED, refunded=Decimal(0)):
        made["n"] += 1
        paid = datetime.combine(today - timedelta(days=back), time(12), store_a.zone)
        order = Order.objects.create(
            store=store_a, order_id=f"O{made['n']}", status=status,
            created_at=paid.astimezone(UTC), paid_at=paid.astimezone(UTC),
            paid_amount=Decimal(quantity), refunded_amount=refunded,
        )  # fmt: skip
        OrderLine.objects.create(
            store=store_a, order=order, line_no=1, sku=item, sku_code=item.code,
            quantity=quantity, unit_price=Decimal(1), line_amount=Decimal(quantity),
            allocated_amount=Decimal(quantity),
        )  # fmt: skip
        facts_changed(store_a.pk)
        return order

    return {"store": store_a, "today": today, "sku": sku, "sell": sell}


def _suggestion(scene, code):
    rows = {s.sku: s for s in replenishment.suggestions(scene["store"], scene["today"])}
    return rows[code]


def test_a_one_off_bulk_order_is_left_out_and_listed(scene):
    plain, bulky = scene["sku"]("PLAIN"), scene["sku"]("BULKY")
    for back in range(60, 0, -1):
        scene["sell"](plain, back, 5)
        scene["sell"](bulky, back, 5)
    bulk = scene["sell"](bulky, 3, 5000)  # 1,000 x the usual line
    ordinary = _suggestion(scene, "PLAIN")
    cleaned = _suggestion(scene, "BULKY")
    assert ordinary.suggested > 0
    assert abs(cleaned.suggested - ordinary.suggested) <= ordinary.suggested * 0.1
    (excluded,) = cleaned.excluded
    assert (excluded.order_id, excluded.quantity, excluded.reason) == (bulk.order_id, 5000, "bulk")
    assert not cleaned.review


def test_a_refunded_bulk_order_is_no_demand(scene):
    item = scene["sku"]("REFUNDED")
    for back in range(40, 0, -1):
        scene["sell"](item, back, 2)
    gone = scene["sell"](item, 2, 3000, status=OrderStatus.REFUNDED, refunded=Decimal(3000))
    fc = replenishment.forecast(scene["store"], scene["today"])["REFUNDED"]
    assert fc.sold == 80 and [e.order_id for e in fc.excluded] == [gone.order_id]
    assert fc.excluded[0].reason == "refunded"


def test_three_days_of_history_suggest_nothing(scene):
    item = scene["sku"]("NEW", on_hand=1)
    for back in (3, 2, 1):
        scene["sell"](item, back, 40)
    row = _suggestion(scene, "NEW")
    assert (row.model, row.daily, row.suggested) == (replenishment.SHORT, Decimal("0"), 0)


def test_a_suggestion_past_the_years_largest_month_is_for_review(scene, monkeypatch):
    item = scene["sku"]("SLOW", on_hand=1)
    for back in range(30, 0, -1):
        scene["sell"](item, back, 1)
    monkeypatch.setattr(replenishment, "REVIEW_MULTIPLE", 0.5)  # 23 to order > 0.5 x 30
    row = _suggestion(scene, "SLOW")
    assert row.suggested > 0 and row.largest_30 == 30 and row.review


def test_the_replenish_command_plans_as_of_a_past_day(cli, tmp_path):
    """`./shopops replenish --date` replays a day: the bulk order is listed as left out."""
    import json
    from datetime import date

    assert cli("store", "add", "w", "--name", "W", "--platform", "own").returncode == 0
    files = {
        "products": "sku,product_name,price\nBIRD,Paper bird,1.00\n",
        "stock": "sku,warehouse,on_hand\nBIRD,MAIN,50\n",
        "orders": "order_id,paid_amount,created_at,paid_at\n",
        "order_lines": "order_id,sku,quantity,unit_price\n",
    }
    day = date(2011, 3, 1)
    for back in range(40, 0, -1):
        paid = f"{day - timedelta(days=back)} 10:00"
        files["orders"] += f"O{back},3.00,{paid},{paid}\n"
        files["order_lines"] += f"O{back},BIRD,3,1.00\n"
    paid = f"{day - timedelta(days=2)} 11:00"
    files["orders"] += f"BIG,80995.00,{paid},{paid}\n"
    files["order_lines"] += "BIG,BIRD,80995,1.00\n"
    for kind in ("products", "stock", "orders", "order_lines"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(files[kind])
        done = cli("import", kind, str(path), "--store", "w")
        assert done.returncode == 0, done.stderr
    out = cli("replenish", "--store", "w", "--date", str(day), "--format", "json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["excluded"] == "BIG x80995 bulk"
    assert Decimal(row["forecast_per_day"]) < 4 and int(row["suggested"]) < 200


def test_every_suggestion_says_how_it_is_computed(scene, client, django_user_model):
    from io import BytesIO

    from openpyxl import load_workbook

    from shopops.core import services

    bulky = scene["sku"]("BULKY")
    for back in range(60, 0, -1):
        scene["sell"](bulky, back, 5)
    scene["sell"](bulky, 3, 5000)
    row = _suggestion(scene, "BULKY")
    why = replenishment.explain(row)
    assert "剔除 1 笔订单行" in why and why.endswith(f"= {row.suggested}")
    assert f"可用 {row.available}" in why and f"提前期 {row.lead_days}" in why
    lead = services.create_user(
        username="lead", password="Lead-pass-123", role="ops_lead", stores=[scene["store"]]
    )
    client.force_login(lead)
    download = client.get("/inventory/replenishment/?format=xlsx")
    assert download.status_code == 200
    sheet = load_workbook(BytesIO(download.content)).active
    header = [c.value for c in sheet[1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert rows["BULKY"]["计算说明"] == why and "×5000 bulk" in rows["BULKY"]["未计入需求的订单行"]


def test_the_team_sets_a_daily_rate_and_puts_an_order_back(scene, client):
    from shopops.core import services
    from shopops.core.models import AuditEntry

    young = scene["sku"]("YOUNG", on_hand=1)
    for back in (3, 2, 1):
        scene["sell"](young, back, 4)
    bulky = scene["sku"]("BULKY")
    for back in range(60, 0, -1):
        scene["sell"](bulky, back, 5)
    bulk = scene["sell"](bulky, 3, 5000)
    lead = services.create_user(
        username="lead", password="Lead-pass-123", role="ops_lead", stores=[scene["store"]]
    )
    client.force_login(lead)
    page = "/inventory/replenishment/"
    assert client.post(page, {"action": "manual:YOUNG", "manual-YOUNG": "2.5"}).status_code == 302
    young_row = _suggestion(scene, "YOUNG")
    assert (young_row.model, young_row.daily) == (replenishment.MANUAL, Decimal("2.5"))
    assert young_row.suggested > 0  # 2.5 a day x (10 + 14) days - 1 on hand
    before = _suggestion(scene, "BULKY")
    assert client.post(page, {"action": f"put_back:BULKY:{bulk.order_id}"}).status_code == 302
    after = _suggestion(scene, "BULKY")
    assert after.excluded == [] and after.daily > before.daily  # the 5,000 counts again
    assert AuditEntry.objects.filter(object_type="inventory.demandoverride").count() == 2

    viewer = services.create_user(
        username="analyst", password="Analyst-pass-123", role="analyst", stores=[scene["store"]]
    )
    client.force_login(viewer)
    client.post(page, {"action": "manual:YOUNG", "manual-YOUNG": ""})
    assert _suggestion(scene, "YOUNG").model == replenishment.MANUAL  # refused: unchanged


def test_a_past_day_is_planned_with_that_days_stock(scene):
    item = scene["sku"]("PAST", on_hand=50)  # received now: the day before, none was there
    for back in range(40, 0, -1):
        scene["sell"](item, back, 2)
    now = _suggestion(scene, "PAST")
    rows = {
        s.sku: s
        for s in replenishment.suggestions(scene["store"], scene["today"] - timedelta(days=5))
    }
    assert now.available == 50 and rows["PAST"].available == 0
