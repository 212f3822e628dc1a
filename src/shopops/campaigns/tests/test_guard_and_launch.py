"""Campaign plans (issue 17): rules checked with the parameter and reason named; targets kept
as goals of the main phase; the margin guard's worst case found on the thresholds; launch
refused under the floor until fixed or accepted, and audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shopops.campaigns import margin, services
from shopops.campaigns.models import CampaignStatus, Phase
from shopops.catalog.models import Product, Sku
from shopops.core.models import AuditEntry
from shopops.planning.models import Goal

pytestmark = pytest.mark.django_db

MAIN = (date(2026, 11, 10), date(2026, 11, 11))


@pytest.fixture
def plan(store_a):
    store_a.shipping_cost_per_order = Decimal("6.00")
    store_a.payment_fee_rate = Decimal("0.0060")
    store_a.margin_floor = Decimal("0.10")
    store_a.save()
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    for code, price, cost in (
        ("CUP", "129.00", "45"),
        ("KETTLE", "299.00", "150"),
        ("BAG", "20", "8"),
    ):
        Sku.objects.create(store=store_a, product=product, code=code, price=price, cost=cost)
    campaign = services.create_campaign(
        None,
        store_a,
        name="双11",
        kind="platform",
        phases={Phase.PREHEAT: (date(2026, 11, 1), date(2026, 11, 9)), Phase.MAIN: MAIN},
    )
    services.set_sku(None, campaign, "CUP", price=Decimal("109.00"))
    services.set_sku(None, campaign, "KETTLE", price=Decimal("259.00"))
    services.save_rule(
        None,
        campaign,
        kind="full_reduction",
        name="满300减30",
        params={"tiers": [{"threshold": "300", "off": "30"}]},
    )
    return campaign


def test_bad_parameters_are_named_with_their_reason(plan):
    with pytest.raises(ValidationError) as bad:
        services.save_rule(
            None,
            plan,
            kind="full_reduction",
            params={
                "tiers": [{"threshold": "300", "off": "3.001"}, {"threshold": "x", "off": "1"}]
            },
        )
    messages = bad.value.message_dict["params"]
    assert "tiers[1].off: 3.001 has more than 2 decimal places" in messages
    assert "tiers[2].threshold: 'x' is not an amount" in messages
    with pytest.raises(ValidationError, match="no such SKU in alpha: NOPE"):
        services.save_rule(
            None, plan, kind="flash_sale", params={"items": [{"sku": "NOPE", "price": "9"}]}
        )
    with pytest.raises(ValidationError, match="starts"):
        services.set_phases(None, plan, {Phase.PREHEAT: MAIN, Phase.MAIN: MAIN})
    assert plan.rules.count() == 1  # nothing half-written


def test_targets_are_goals_of_the_main_phase(plan):
    services.set_target(None, plan, "gmv", Decimal("500000"))
    goal = Goal.objects.get(name__startswith="双11")
    assert (goal.metric, goal.start, goal.end, goal.target) == ("gmv", *MAIN, Decimal("500000"))
    assert sum(d.target for d in goal.days.all()) == Decimal("500000")
    services.set_phases(None, plan, {Phase.MAIN: (date(2026, 11, 11), date(2026, 11, 12))})
    goal.refresh_from_db()
    assert (goal.start, goal.end) == (date(2026, 11, 11), date(2026, 11, 12))
    with pytest.raises(ValidationError):
        services.set_target(None, plan, "gross_margin", 1)


def test_guard_finds_the_threshold_and_refuses_launch_until_fixed_or_accepted(plan):
    rows = {r.sku: r for r in margin.guard(plan)}
    cup = rows["CUP"]
    # Worst case: 2 cups = 218 (no 满减), 3 cups = 327 -> 满减 30 -> 99.00 each; or one cup
    # plus 191 of other goods at 300 -> the cup's share 30 x 109/300 = 10.90 -> 98.10.
    assert cup.worst_price == Decimal("98.10")
    # Costs per unit at that cart: 0.6% fee and 5% commission of 98.10, and the order's 6.00
    # shipping by the cup's share of the 270 paid.
    paid = Decimal("98.10")
    extra = paid * Decimal("0.056") + Decimal(6) * paid / 270
    assert cup.order_costs == (extra).quantize(Decimal("0.01"), "ROUND_FLOOR")
    assert cup.margin == (paid - 45 - extra).quantize(Decimal("0.01"), "ROUND_FLOOR")
    assert cup.ok is True
    services.set_sku(None, plan, "KETTLE", price=Decimal("165.00"))  # below the floor
    rows = {r.sku: r for r in margin.guard(plan)}
    assert rows["KETTLE"].ok is False and rows["KETTLE"].margin_rate < Decimal("0.10")
    with pytest.raises(services.LaunchRefused) as refused:
        services.launch(None, plan)
    assert [r.sku for r in refused.value.rows] == ["KETTLE"]
    plan.refresh_from_db()
    assert plan.status == CampaignStatus.DRAFT
    services.launch(None, plan, accept=True)
    plan.refresh_from_db()
    assert plan.status == CampaignStatus.LAUNCHED
    assert [e["sku"] for e in plan.accepted_exceptions] == ["KETTLE"]
    entry = AuditEntry.objects.filter(action="launch").get()
    assert entry.after["accepted_exceptions"][0]["sku"] == "KETTLE"
    with pytest.raises(ValidationError, match="reopen"):
        services.set_sku(None, plan, "KETTLE", price=Decimal("259.00"))
    services.reopen(None, plan)
    services.set_sku(None, plan, "KETTLE", price=Decimal("259.00"))
    services.launch(None, plan)
    plan.refresh_from_db()
    assert plan.status == CampaignStatus.LAUNCHED and plan.accepted_exceptions == []


def test_flash_sale_below_cost_is_flagged(plan):
    services.save_rule(
        None,
        plan,
        kind="flash_sale",
        params={"items": [{"sku": "CUP", "price": "39", "cap": 100, "limit": 1}]},
    )
    rows = {r.sku: r for r in margin.guard(plan)}
    assert rows["CUP"].worst_price == Decimal("39.00") and rows["CUP"].ok is False
