"""The live view (issue 17): a day's sales by hour against its target's pace from orders
taken through the intake API, the 秒杀 stock burn counted at the flash price, and the alert
rule that tells the owner of a flash sale sold out and a day behind its pace."""

import json
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from shopops.alerts import services as alerts
from shopops.campaigns import live, services
from shopops.campaigns.models import Phase
from shopops.catalog.models import Product, Sku
from shopops.core.numbers import split
from shopops.inventory import services as stock
from shopops.inventory.models import Warehouse
from shopops.planning.work import today_of

pytestmark = pytest.mark.django_db(transaction=True)  # the engine reads committed rows


def _order(n, day, hour, price):
    at = datetime.combine(day, time(hour, 5)).isoformat() + "+08:00"
    return {
        "store": "alpha", "order_id": f"F{n}", "created_at": at, "paid_at": at,
        "customer_id": f"buyer-{n}", "paid_amount": price,
        "lines": [{"sku": "CUP", "quantity": 1, "unit_price": price}],
        "shipping_address": {"name": "张三", "phone": "13800138000", "province": "浙江省",
                             "city": "杭州市", "district": "西湖区", "address": "文三路 1 号"},
    }  # fmt: skip


def test_live_pace_flash_burn_and_the_alert(store_a, as_role):
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    cup = Sku.objects.create(store=store_a, product=product, code="CUP", price="99", cost="30")
    stock.receive(
        None,
        store_a,
        cup,
        Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓"),
        50,
        reason="opening",
    )
    day = today_of(store_a) - timedelta(days=1)
    campaign = services.create_campaign(
        None, store_a, name="周年庆", phases={Phase.MAIN: (day, day + timedelta(days=1))}
    )
    services.set_sku(None, campaign, "CUP")
    flash = {"items": [{"sku": "CUP", "price": "59", "cap": 2, "limit": 1}]}
    services.save_rule(None, campaign, kind="flash_sale", params=flash)
    services.set_target(None, campaign, "gmv", Decimal("20000"))
    campaign = services.launch(None, campaign, accept=True)
    lead = as_role("ops_lead")
    for n, (hour, price) in enumerate([(9, "59.00"), (13, "59.00"), (13, "99.00")]):
        answer = lead.post("/api/v1/orders", json.dumps(_order(n, day, hour, price)),
                           content_type="application/json")  # fmt: skip
        assert answer.status_code in (200, 201), answer.content
    now = datetime.combine(day, time(14, 30), store_a.zone)
    view = live.view(campaign, day, now)
    hours = view["hours"]
    assert hours["timed"] and [r["hour"] for r in hours["rows"]] == list(range(1, 15))
    by_hour = {r["hour"]: r for r in hours["rows"]}
    assert by_hour[9]["gmv"] == 0 and by_hour[10]["gmv"] == Decimal("59.00")
    assert by_hour[14]["gmv"] == Decimal("217.00") and by_hour[14]["orders"] == 3
    # The day's target spread over its hours flat (no orders before the campaign), in cents
    # by the largest remainder.
    target = hours["target"]
    assert by_hour[14]["expected"] == sum(split(target, [1] * 24)[:14])
    (flash,) = view["flash"]
    assert (flash.sold, flash.left, flash.sold_out) == (2, 0, True)  # the 99.00 one is not flash
    scopes = [scope for scope, _zh, _en in view["findings"]]
    assert scopes == [f"campaign:{campaign.pk}:pace:{day}", f"campaign:{campaign.pk}:flash:CUP"]
    result = alerts.run(store_a, now=now, dry_run=True)
    fired = [a for a in result.opened if a.rule.default_key == "campaign_live"]
    assert {a.scope for a in fired} == set(scopes)
    page = lead.get(f"/campaigns/{campaign.pk}/live/?day={day}")
    assert page.status_code == 200 and "live-chart-data" in page.content.decode()


def test_the_daily_checklist_checks_campaign_prices(store_a, as_role):
    from shopops.monitoring import checklists
    from shopops.planning.models import ChecklistTemplate

    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    cup = Sku.objects.create(store=store_a, product=product, code="CUP", price="99", cost="30")
    hz = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    stock.receive(None, store_a, cup, hz, 50, reason="opening")
    day = today_of(store_a) - timedelta(days=1)
    campaign = services.create_campaign(None, store_a, name="周年庆",
                                        phases={Phase.MAIN: (day, day)})  # fmt: skip
    services.set_sku(None, campaign, "CUP", price=Decimal("89.00"))
    services.launch(None, campaign, accept=True)
    lead = as_role("ops_lead")
    for n, price in enumerate(["89.00", "99.00"]):
        lead.post("/api/v1/orders", json.dumps(_order(n, day, 10, price)),
                  content_type="application/json")  # fmt: skip
    checklists.ensure_shipped()
    daily = ChecklistTemplate.objects.get(key="daily")
    made = checklists.list_for(store_a, daily, day + timedelta(days=1))
    checklists.run_checks(made)
    item = made.items.get(auto="campaign_prices")
    assert item.done is False
    assert (
        item.evidence["summary"]
        == "「周年庆」有 1 个 SKU 按高于活动价成交：CUP（1 笔，活动价 89.00）"
    )
