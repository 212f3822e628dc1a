"""The margin guard (毛利红线): each campaign SKU's worst case under the campaign's rules.

The worst case is searched, not assumed: the calculator prices probe carts built to sit
exactly on every threshold the SKU's rules have (the SKU alone in growing quantities; the
SKU with other goods in the same rules' scope filling the cart to a 满减, coupon or 满件折
threshold, and to a coupon threshold after the 满减 it also gets), each at the buyer's best
legal price. For each probe the SKU's share is costed: its unit cost, the platform
commission and payment fee on the price paid, the shipping and packaging of the order and
the cost of any gift, both in proportion to the SKU's share of the cart. The probe that
leaves the least margin per unit paid is the SKU's worst case; below the store's (or the
campaign's) margin floor it is a violation, and the campaign does not launch until it is
fixed or accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from math import ceil

from shopops.campaigns import pricing
from shopops.campaigns.rules import promotion
from shopops.catalog.models import Sku
from shopops.core.numbers import CENT

FILLER = "\x00other goods"  # a stand-in SKU inside the same rules' scope
MOST_UNITS = 30


@dataclass
class GuardRow:
    sku: str
    name: str
    list_price: Decimal
    worst_price: Decimal | None  # per unit, rounded down to the cent
    cost: Decimal | None
    order_costs: Decimal | None  # commission, fees, shipping, packaging, gifts per unit
    margin: Decimal | None  # per unit
    margin_rate: Decimal | None
    floor: Decimal
    cart: str  # the probe cart of the worst case, in words
    ok: bool | None  # None: no unit cost, so nothing to check

    def as_dict(self, costs: bool) -> dict:
        d = {"sku": self.sku, "name": self.name, "ok": self.ok, "cart": self.cart}
        if costs:
            d |= {
                "list_price": self.list_price,
                "worst_price": self.worst_price,
                "cost": self.cost,
                "order_costs": self.order_costs,
                "margin": self.margin,
                "margin_rate": self.margin_rate,
                "floor": self.floor,
            }
        return d


def floor_of(campaign) -> Decimal:
    return (
        campaign.margin_floor if campaign.margin_floor is not None else campaign.store.margin_floor
    )


def _widened(promo: pricing.Promotion, sku: str) -> pricing.Promotion:
    """The filler joins the scope of every rule that reaches the SKU."""
    rules = tuple(
        replace(r, scope=r.scope | {FILLER}) if r.scope and sku in r.scope else r
        for r in promo.rules
    )
    return replace(promo, rules=rules)


def _probes(promo: pricing.Promotion, sku: str, list_price: int) -> list[list[pricing.Line]]:
    unit = min(list_price, promo.prices.get(sku, list_price))
    reaching = [r for r in promo.rules if r.covers(sku) and r.kind in pricing.STAGE_OF]
    amounts, units = set(), {1}
    for r in reaching:
        if r.kind == pricing.ITEM_DISCOUNT:
            units.update(t.threshold for t in r.tiers)
        elif r.kind == pricing.FULL_REDUCTION:
            amounts.update(t.threshold for t in r.tiers)
            if r.repeat and r.tiers:
                t = r.tiers[0].threshold
                amounts.update(t * k for k in range(2, 6))
        else:
            amounts.add(r.threshold)
    offs = {t.value for r in reaching if r.kind == pricing.FULL_REDUCTION for t in r.tiers}
    coupons = {r.threshold for r in reaching if r.kind == pricing.COUPON}
    amounts |= {c + off for c in coupons for off in offs}
    carts = []
    top = max([*units, *(ceil(a / unit) for a in amounts if unit > 0)], default=1)
    for q in range(1, min(max(top, 1), MOST_UNITS) + 1):
        carts.append([pricing.Line(sku, q, list_price)])
    for a in sorted(amounts):
        if a > unit:
            carts.append([pricing.Line(sku, 1, list_price), pricing.Line(FILLER, 1, a - unit)])
    for n in sorted(units):
        if n > 1:
            carts.append([pricing.Line(sku, 1, list_price), pricing.Line(FILLER, n - 1, unit)])
    return carts


def _words(cart: list[pricing.Line], priced: pricing.Priced, names: dict[str, str]) -> str:
    """The probe cart in the planner's words: 「1 × CUP + 其他商品 81.00 · 满200减20」."""
    own = cart[0]
    text = f"{own.quantity} × {own.sku}"
    other = sum(line.quantity * line.price for line in cart[1:])
    if other:
        text += f" + 其他商品 {Decimal(other) / 100:.2f}"
    if priced.rules:
        text += " · " + "、".join(names.get(k) or k for k in priced.rules)
    if priced.flash:
        text += " · 秒杀价"
    return text


def guard(campaign, *, promo: pricing.Promotion | None = None) -> list[GuardRow]:
    """One row per campaign SKU and 秒杀 SKU: its worst-case price and margin."""
    store = campaign.store
    promo = promo or promotion(campaign)
    floor = floor_of(campaign)
    codes = list(dict.fromkeys([*campaign.skus.values_list("sku__code", flat=True), *promo.flash]))
    gifts = {r.gift_sku for r in promo.rules if r.kind == pricing.GIFT}
    skus = {
        s.code: s
        for s in Sku.objects.select_related("product").filter(
            store=store, code__in=[*codes, *gifts]
        )
    }
    rate = Fraction(store.commission_rate) + Fraction(store.payment_fee_rate)
    per_order = Fraction(store.shipping_cost_per_order) + Fraction(store.packaging_cost_per_order)
    rows = []
    for code in codes:
        sku = skus.get(code)
        if sku is None:
            rows.append(
                GuardRow(code, "", Decimal(0), None, None, None, None, None, floor, "", None)
            )
            continue
        list_price = int(sku.price * 100)
        wide = _widened(promo, code)
        worst = None
        for cart in _probes(wide, code, list_price):
            priced = pricing.price(wide, cart)
            line = next(pl for pl in priced.lines if pl.sku == code and not pl.gift)
            paid = Fraction(line.amount, 100 * line.quantity)
            share = Fraction(line.amount, priced.total) if priced.total else Fraction(0)
            gift_cost = sum(
                (Fraction(skus[pl.sku].cost or 0) * pl.quantity for pl in priced.lines
                 if pl.gift and pl.sku in skus),
                Fraction(0),
            )  # fmt: skip
            extra = paid * rate + (per_order + gift_cost) * share / line.quantity
            if sku.cost is None:
                key = (paid, 0)
            else:
                margin = paid - Fraction(sku.cost) - extra
                key = (margin / paid if paid else Fraction(-(10**9)), margin)
            if worst is None or key < worst[0]:
                worst = (key, paid, extra, cart, priced)
        _key, paid, extra, cart, priced = worst
        cost = None if sku.cost is None else Decimal(sku.cost)
        margin = None if cost is None else paid - Fraction(cost) - extra
        margin_rate = None if margin is None or not paid else margin / paid
        rows.append(
            GuardRow(
                code,
                sku.name or sku.product.name,
                Decimal(sku.price),
                _money(paid),
                cost,
                _money(extra),
                None if margin is None else _money(margin),
                None if margin_rate is None else _share(margin_rate),
                floor,
                _words(cart, priced, {r.key: r.name for r in promo.rules}),
                None if margin_rate is None else margin_rate >= Fraction(floor),
            )
        )
    return rows


def _money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_FLOOR)


def _share(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.0001"), ROUND_FLOOR
    )


def violations(rows: list[GuardRow]) -> list[GuardRow]:
    return [r for r in rows if r.ok is False or (r.worst_price is None)]
