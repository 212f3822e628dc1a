"""The promotion calculator: hand-computed carts, and properties checked against brute force."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopops.campaigns.pricing import (
    COUPON,
    FULL_REDUCTION,
    GIFT,
    ITEM_DISCOUNT,
    Buyer,
    Flash,
    Line,
    Promotion,
    Rule,
    Tier,
    evaluate,
    flash_units,
    merge,
    price,
    price_naive,
)


def yuan(n) -> int:
    return round(n * 100)


def test_stacked_full_reduction_store_coupon_and_flash_sale_by_hand():
    """秒杀 cup at 59 (limit 1, exclusive), a 满300减30 / 满500减60 store-wide, and a store
    coupon 满400减20. The cart: 2 cups (list 129), a kettle at 299 (campaign price 269) and
    a towel set at 89."""
    promo = Promotion(
        prices={"KETTLE": yuan(269)},
        flash={"CUP": Flash(price=yuan(59), left=100, limit=1)},
        rules=(
            Rule(
                "mj", FULL_REDUCTION, tiers=(Tier(yuan(300), yuan(30)), Tier(yuan(500), yuan(60)))
            ),
            Rule("cp", COUPON, threshold=yuan(400), amount=yuan(20)),
        ),
    )
    cart = [Line("CUP", 2, yuan(129)), Line("KETTLE", 1, yuan(299)), Line("TOWEL", 1, yuan(89))]
    p = price(promo, cart)
    # One cup at 59 (flash, outside 满减), the other at 129. Eligible: 129 + 269 + 89 = 487:
    # 满300减30 -> 457, then the coupon (457 >= 400) -> 437; plus the flash cup: 496.
    # Without the flash cup both cups are eligible: 258 + 269 + 89 = 616 -> 满500减60 -> 556,
    # coupon -> 536: worse than 496.
    assert p.total == yuan(496)
    assert p.rules == ("mj", "cp")
    assert p.flash == ("CUP",)
    cup, kettle, towel = p.lines
    assert cup.flash_units == 1
    # 满减 30 split by 129 : 269 : 89 (of 487): 7.95 / 16.57 / 5.48 by largest remainder.
    assert (cup.discounts["mj"], kettle.discounts["mj"], towel.discounts["mj"]) == (795, 1657, 548)
    # The coupon 20 split by what entered its stage: 121.05 : 252.43 : 83.52.
    assert sum(line.discounts["cp"] for line in p.lines) == yuan(20)
    assert sum(line.amount for line in p.lines) == p.total
    assert p.saving == yuan(129 * 2 + 299 + 89) - yuan(496)


def test_non_stackable_tier_is_used_alone():
    """满200减50 that does not stack vs a 9折 on 2 units stacked with a 满150减10 coupon: the
    calculator compares both and the non-stackable tier excludes the coupon."""
    promo = Promotion(
        rules=(
            Rule("big", FULL_REDUCTION, stackable=False, tiers=(Tier(yuan(200), yuan(50)),)),
            Rule("nine", ITEM_DISCOUNT, tiers=(Tier(2, 9000),)),
            Rule("cp", COUPON, threshold=yuan(150), amount=yuan(10)),
        )
    )
    cart = [Line("A", 2, yuan(110))]  # 220
    p = price(promo, cart)
    # big alone: 220 - 50 = 170. nine + cp: 220 -> 198 -> 188. big + cp is not legal.
    assert p.total == yuan(170) and p.rules == ("big",)
    assert evaluate(promo, merge(cart), set(), [promo.rules[0], promo.rules[2]]) is None
    cheap = [Line("A", 2, yuan(80))]  # 160: big does not apply; nine -> 144 ; cp needs 150
    q = price(promo, cheap)
    assert q.total == yuan(144) and q.rules == ("nine",)


def test_repeated_full_reduction_with_cap_and_scope():
    promo = Promotion(
        rules=(
            Rule(
                "every",
                FULL_REDUCTION,
                tiers=(Tier(yuan(100), yuan(15)),),
                repeat=True,
                cap=yuan(40),
                scope=frozenset({"A"}),
            ),
        )
    )
    p = price(promo, [Line("A", 1, yuan(350)), Line("B", 1, yuan(100))])
    # 3 x 15 = 45 capped at 40, on A only.
    assert p.total == yuan(410)
    assert p.lines[0].discounts == {"every": yuan(40)} and p.lines[1].discounts == {}


def test_flash_limits_buyer_and_stock_and_coupon_validity():
    promo = Promotion(
        flash={"CUP": Flash(price=yuan(50), left=3, limit=2)},
        rules=(
            Rule(
                "cp",
                COUPON,
                threshold=0,
                amount=yuan(5),
                valid_from=date(2026, 11, 1),
                valid_to=date(2026, 11, 11),
            ),
            Rule("gift", GIFT, threshold=yuan(200), gift_sku="BAG"),
        ),
    )
    cart = [Line("CUP", 5, yuan(100))]
    buyer = Buyer(bought={"CUP": 1}, day=date(2026, 11, 12))
    assert flash_units(promo, cart[0], buyer) == 1  # limit 2, one bought already
    p = price(promo, cart, buyer)
    # 1 flash unit at 50, 4 at 100: 450; the coupon expired the day before.
    assert p.total == yuan(450) and "cp" not in p.rules
    assert p.lines[-1].gift and p.lines[-1].sku == "BAG" and p.lines[-1].amount == 0
    on_time = price(promo, cart, Buyer(bought={}, day=date(2026, 11, 11)))
    # 2 flash units (limit), 3 at 100 = 400, coupon on the 300 of eligible units: 395.
    assert on_time.total == yuan(395) and on_time.lines[0].flash_units == 2


def test_coupons_left_and_bad_lines():
    promo = Promotion(rules=(Rule("cp", COUPON, amount=yuan(5), left=0),))
    assert price(promo, [Line("A", 1, yuan(10))]).total == yuan(10)
    with pytest.raises(ValueError, match="quantity"):
        price(promo, [Line("A", 0, yuan(10))])


# --- properties against brute force ------------------------------------------------------

SKUS = ("A", "B", "C", "D")
money = st.integers(min_value=1, max_value=40_000)


@st.composite
def rules(draw, key):
    kind = draw(st.sampled_from((FULL_REDUCTION, ITEM_DISCOUNT, COUPON, GIFT)))
    scope = frozenset(draw(st.sets(st.sampled_from(SKUS), max_size=2)))
    stackable = draw(st.booleans())
    if kind == FULL_REDUCTION:
        repeat = draw(st.booleans())
        n = 1 if repeat else draw(st.integers(1, 3))
        tiers = tuple(Tier(draw(money), draw(st.integers(1, 8_000))) for _ in range(n))
        cap = draw(st.none() | st.integers(1, 10_000))
        return Rule(
            key, kind, stackable=stackable, tiers=tiers, repeat=repeat, cap=cap, scope=scope
        )
    if kind == ITEM_DISCOUNT:
        tiers = tuple(
            Tier(draw(st.integers(1, 5)), draw(st.integers(5_000, 9_999)))
            for _ in range(draw(st.integers(1, 2)))
        )
        return Rule(key, kind, stackable=stackable, tiers=tiers, scope=scope)
    if kind == COUPON:
        return Rule(
            key,
            kind,
            stackable=stackable,
            threshold=draw(st.integers(0, 40_000)),
            amount=draw(st.integers(1, 5_000)),
            left=draw(st.none() | st.integers(0, 3)),
            scope=scope,
        )
    return Rule(key, kind, threshold=draw(st.integers(0, 30_000)), gift_sku="G", scope=scope)


@st.composite
def scenarios(draw):
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=4, unique=True))
    lines = [Line(s, draw(st.integers(1, 4)), draw(money)) for s in skus]
    prices = {s: draw(money) for s in draw(st.sets(st.sampled_from(SKUS), max_size=2))}
    flash = {
        s: Flash(
            draw(money), draw(st.none() | st.integers(0, 3)), draw(st.none() | st.integers(1, 3))
        )
        for s in draw(st.sets(st.sampled_from(SKUS), max_size=2))
    }
    n = draw(st.integers(1, 5))
    promo = Promotion(
        prices=prices,
        flash=flash,
        rules=tuple(draw(rules(f"r{i}")) for i in range(n)),
        flash_exclusive=draw(st.booleans()),
        stacking=draw(st.sampled_from((("order", "coupon"), ("coupon", "order")))),
    )
    buyer = Buyer(bought={s: draw(st.integers(0, 2)) for s in flash})
    return promo, lines, buyer


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_best_for_the_buyer_within_every_limit_and_adds_up(scenario):
    promo, lines, buyer = scenario
    chosen = price(promo, lines, buyer)
    oracle = price_naive(promo, lines, buyer)
    # Never worse than any legal combination (the brute force's minimum).
    assert chosen.total == oracle.total
    # What it says it applied, applied again, gives the same cart.
    rules = [r for r in promo.rules if r.key in chosen.rules and r.kind != GIFT]
    flash_on = {i for i, line in enumerate(merge(lines)) if line.sku in chosen.flash}
    again = evaluate(promo, merge(lines), flash_on, rules, buyer)
    assert again is not None and again.total == chosen.total
    # Line prices add up exactly; discounts add up to the saving; nothing below zero.
    assert sum(pl.amount for pl in chosen.lines) == chosen.total
    paid_lines = [pl for pl in chosen.lines if not pl.gift]
    assert all(pl.amount >= 0 for pl in chosen.lines)
    for pl in paid_lines:
        line = next(x for x in merge(lines) if x.sku == pl.sku)
        unit = min(line.price, promo.prices.get(line.sku, line.price))
        flash_price = promo.flash[pl.sku].price if pl.flash_units else 0
        item = pl.flash_units * flash_price + (pl.quantity - pl.flash_units) * unit
        assert pl.amount == item - sum(pl.discounts.values())
        # Limits: flash units within the cap left and the buyer's limit.
        if pl.flash_units:
            f = promo.flash[pl.sku]
            assert f.left is None or pl.flash_units <= f.left
            assert f.limit is None or pl.flash_units + buyer.bought.get(pl.sku, 0) <= f.limit
    applied = [r for r in promo.rules if r.key in chosen.rules]
    assert sum(r.kind == COUPON for r in applied) <= 1
    staged = [r for r in applied if r.kind != GIFT]
    assert len(staged) <= 1 or all(r.stackable for r in staged)
    for r in applied:
        off = sum(pl.discounts.get(r.key, 0) for pl in chosen.lines)
        if r.kind == FULL_REDUCTION and r.cap is not None:
            assert off <= r.cap
        if r.kind == COUPON:
            assert off <= r.amount and (r.left is None or r.left > 0)
