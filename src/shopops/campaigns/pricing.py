"""The promotion calculator: what a cart costs under a campaign's rules, exact to the cent.

Plain Python over integer cents (no database, no floats), so that the price page, the API,
the margin guard and `bench promo` run the same code.

**Stacking order** (the platform's; `settings.SHOPOPS_PROMO_STACKING`, default
``("order", "coupon")``, the Tmall/Taobao order 单品优惠 → 店铺优惠 → 店铺优惠券):

1. **Item prices** (单品优惠). Each unit costs the lower of its list price and the campaign
   price. A 秒杀 SKU may instead sell at its flash price, for as many units as the flash
   sale still allows (the stock cap left and the buyer's per-buyer limit, less what the buyer
   already bought); the rest of the line pays the item price. Flash units are exclusive by
   default (``flash_exclusive``): they take no part in the stages below, as on the platforms.
2. **Order promotions** (店铺优惠): 满减 (tiers of threshold → amount off, or 每满 with one
   repeated tier, with an optional cap) and 满件折 (tiers of units → share payable).
3. **Coupons** (优惠券): at most one per order; a threshold, an amount, a validity window,
   a quantity left, the store or a list of SKUs as its scope.

Each rule of a stage reads the amounts entering that stage (after the stages before it):
its threshold is met or not on the amount of the lines in its scope, and its discount is
apportioned to those lines in proportion to their amounts, by `core.numbers.split_cents`
(largest remainder), so the line prices add up exactly to the cart's total. A rule with
``stackable=False`` is used alone: item prices, but no other order promotion or coupon.
Gifts (赠品) come last: every gift whose threshold the amount the buyer pays reaches is
added at 0.

**The choice.** Among the legal combinations (which flash lines take their flash price,
which order promotions, which coupon), the calculator takes the lowest total; a tie goes to
fewer rules, then to the earlier rules. `price` finds it by enumerating only legal
combinations and computing each rule's effect once per item-price choice; `price_naive`
(the benchmark's baseline, and the tests' oracle) evaluates every subset of every kind and
keeps the legal ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, combinations

from shopops.core.numbers import split_cents

FULL_REDUCTION = "full_reduction"  # 满减
ITEM_DISCOUNT = "item_discount"  # 满件折
COUPON = "coupon"  # 优惠券
GIFT = "gift"  # 赠品
STAGE_OF = {FULL_REDUCTION: "order", ITEM_DISCOUNT: "order", COUPON: "coupon"}
DEFAULT_STACKING = ("order", "coupon")
BASIS = 10_000  # 满件折 rates in basis points of the amount payable: 9,000 is 9折


class PricingError(ValueError):
    """A cart or a rule the calculator cannot price (a negative quantity, an empty tier)."""


@dataclass(frozen=True)
class Tier:
    threshold: int  # cents (满减) or units (满件折)
    value: int  # cents off (满减) or basis points payable (满件折)


@dataclass(frozen=True)
class Rule:
    key: str
    kind: str
    name: str = ""
    stackable: bool = True
    tiers: tuple[Tier, ...] = ()
    repeat: bool = False  # 每满: the one tier applies once per threshold reached
    cap: int | None = None  # the most cents off (满减)
    scope: frozenset[str] = frozenset()  # SKU codes; empty: every line
    threshold: int = 0  # cents (coupon, gift)
    amount: int = 0  # cents off (coupon)
    left: int | None = None  # coupons still to hand out; None: no limit
    valid_from: date | None = None
    valid_to: date | None = None
    gift_sku: str = ""
    gift_quantity: int = 1

    def covers(self, sku: str) -> bool:
        return not self.scope or sku in self.scope


@dataclass(frozen=True)
class Flash:
    price: int  # cents per unit
    left: int | None = None  # units of the stock cap still to sell
    limit: int | None = None  # units per buyer


@dataclass(frozen=True)
class Promotion:
    prices: Mapping[str, int] = field(default_factory=dict)  # campaign prices, cents per unit
    flash: Mapping[str, Flash] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    flash_exclusive: bool = True
    stacking: tuple[str, ...] = DEFAULT_STACKING


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: int  # list price, cents per unit


@dataclass
class PricedLine:
    sku: str
    quantity: int
    list_amount: int
    amount: int
    flash_units: int = 0
    discounts: dict[str, int] = field(default_factory=dict)  # rule key -> cents off
    gift: bool = False


@dataclass
class Priced:
    total: int
    list_total: int
    lines: list[PricedLine]
    rules: tuple[str, ...]  # the rules applied, in stacking order
    flash: tuple[str, ...]  # the SKUs at their flash price

    @property
    def saving(self) -> int:
        return self.list_total - self.total


@dataclass(frozen=True)
class Buyer:
    bought: Mapping[str, int] = field(default_factory=dict)  # flash units already bought
    day: date | None = None  # the day of the order, for coupon validity


NOBODY = Buyer()


# --- the cart as parts: each line's flash units and its other units ---------------------


@dataclass(frozen=True)
class _Part:
    line: int
    sku: str
    units: int
    unit: int
    flash: bool
    eligible: bool  # takes part in the order and coupon stages


def merge(lines: Iterable[Line]) -> list[Line]:
    """One line per SKU (quantities added; the first line's price), so that a flash cap and a
    per-buyer limit count every unit of the SKU once."""
    out: dict[str, Line] = {}
    for line in lines:
        if line.quantity <= 0:
            raise PricingError(f"{line.sku}: the quantity must be at least 1.")
        if line.price < 0:
            raise PricingError(f"{line.sku}: the price must not be negative.")
        seen = out.get(line.sku)
        out[line.sku] = (
            line if seen is None else Line(line.sku, seen.quantity + line.quantity, seen.price)
        )
    return list(out.values())


def _item_unit(promo: Promotion, line: Line) -> int:
    campaign = promo.prices.get(line.sku)
    return line.price if campaign is None else min(line.price, campaign)


def flash_units(promo: Promotion, line: Line, buyer: Buyer) -> int:
    """How many units of the line the flash sale still allows this buyer."""
    f = promo.flash.get(line.sku)
    if f is None:
        return 0
    n = line.quantity
    if f.left is not None:
        n = min(n, f.left)
    if f.limit is not None:
        n = min(n, f.limit - buyer.bought.get(line.sku, 0))
    return max(n, 0)


def _parts(promo: Promotion, lines: Sequence[Line], flash_on, buyer: Buyer) -> list[_Part] | None:
    parts = []
    for i, line in enumerate(lines):
        unit = _item_unit(promo, line)
        n = 0
        if i in flash_on:
            n = flash_units(promo, line, buyer)
            if n <= 0:
                return None
            price = promo.flash[line.sku].price
            parts.append(_Part(i, line.sku, n, price, True, not promo.flash_exclusive))
        if line.quantity > n:
            parts.append(_Part(i, line.sku, line.quantity - n, unit, False, True))
    return parts


# --- one rule's effect on the amounts entering its stage --------------------------------


def _valid(rule: Rule, day: date | None) -> bool:
    if rule.left is not None and rule.left <= 0:
        return False
    if day is None:
        return True
    return (rule.valid_from is None or rule.valid_from <= day) and (
        rule.valid_to is None or day <= rule.valid_to
    )


def _discount(rule: Rule, base: int, units: int) -> int | None:
    """Cents off `base` (the amount of the rule's lines, `units` units); None when the rule's
    threshold is not met."""
    if rule.kind == FULL_REDUCTION:
        if rule.repeat:
            tier = rule.tiers[0]
            times = base // tier.threshold if tier.threshold > 0 else 0
            off = times * tier.value if times else None
        else:
            reached = [t for t in rule.tiers if t.threshold <= base]
            off = max(t.value for t in reached) if reached else None  # the buyer's best tier
        if off is None:
            return None
        if rule.cap is not None:
            off = min(off, rule.cap)
        return min(off, base)
    if rule.kind == ITEM_DISCOUNT:
        reached = [t for t in rule.tiers if t.threshold <= units]
        if not reached:
            return None
        payable = min(t.value for t in reached)
        return base - (base * payable + BASIS // 2) // BASIS  # the payable half-up to a cent
    if rule.kind == COUPON:
        if base <= 0 or base < rule.threshold:
            return None
        return min(rule.amount, base)
    raise PricingError(f"{rule.key}: {rule.kind} is not a rule of a price stage.")


def _off(rule: Rule, parts: Sequence[_Part], amounts: Sequence[int], day):
    """(cents off, the parts it applies to) under `rule`, or None when it does not apply."""
    if rule.kind == COUPON and not _valid(rule, day):
        return None
    members = [i for i, p in enumerate(parts) if p.eligible and rule.covers(p.sku)]
    if not members:
        return None
    base = sum(amounts[i] for i in members)
    off = _discount(rule, base, sum(parts[i].units for i in members))
    if off is None or off <= 0:
        return None
    return off, members


def _shares(off: int, members: list[int], amounts: Sequence[int], n: int) -> list[int]:
    """`off` apportioned to the member parts by their amounts (split_cents), per part."""
    out = [0] * n
    for i, share in zip(members, split_cents(off, [amounts[i] for i in members]), strict=True):
        out[i] = share
    return out


def _effect(rule: Rule, parts: Sequence[_Part], amounts: Sequence[int], day) -> list[int] | None:
    """The cents off each part under `rule`, or None when it does not apply."""
    found = _off(rule, parts, amounts, day)
    return None if found is None else _shares(*found, amounts, len(parts))


# --- a combination, evaluated --------------------------------------------------------------


def _stages(promo: Promotion) -> list[list[Rule]]:
    by_stage = {s: [] for s in promo.stacking}
    for r in promo.rules:
        stage = STAGE_OF.get(r.kind)
        if stage is not None:
            by_stage[stage].append(r)
    return [by_stage[s] for s in promo.stacking]


def _legal_set(chosen: Sequence[Rule]) -> bool:
    if sum(r.kind == COUPON for r in chosen) > 1:
        return False
    return len(chosen) <= 1 or all(r.stackable for r in chosen)


def evaluate(
    promo: Promotion, lines: Sequence[Line], flash_on, chosen: Sequence[Rule], buyer: Buyer = NOBODY
) -> Priced | None:
    """The cart priced with exactly these flash lines and these rules, or None when that
    combination is not legal (a rule whose threshold is not met, two coupons, a
    non-stackable rule with another, a flash line with nothing left to sell)."""
    if not _legal_set(chosen):
        return None
    parts = _parts(promo, lines, flash_on, buyer)
    if parts is None:
        return None
    amounts = [p.units * p.unit for p in parts]
    off = [dict() for _ in parts]
    keys = {r.key for r in chosen}
    applied = []
    for stage in _stages(promo):
        effects = []
        for rule in stage:
            if rule.key not in keys:
                continue
            e = _effect(rule, parts, amounts, buyer.day)
            if e is None:
                return None
            effects.append((rule, e))
        for rule, e in effects:
            applied.append(rule.key)
            for i, cents in enumerate(e):
                if cents:
                    amounts[i] -= cents
                    off[i][rule.key] = off[i].get(rule.key, 0) + cents
        if any(a < 0 for a in amounts):
            return None
    return _priced(promo, lines, parts, amounts, off, tuple(applied), buyer)


def _priced(promo, lines, parts, amounts, off, applied, buyer) -> Priced:
    out = [PricedLine(line.sku, line.quantity, line.quantity * line.price, 0) for line in lines]
    for p, amount, cut in zip(parts, amounts, off, strict=True):
        pl = out[p.line]
        pl.amount += amount
        if p.flash:
            pl.flash_units += p.units
        for k, v in cut.items():
            pl.discounts[k] = pl.discounts.get(k, 0) + v
    total = sum(amounts)
    for rule in promo.rules:
        if rule.kind == GIFT and _valid(rule, buyer.day):
            paid = sum(pl.amount for pl in out if rule.covers(pl.sku))
            if paid > 0 and paid >= rule.threshold:
                out.append(PricedLine(rule.gift_sku, rule.gift_quantity, 0, 0, gift=True))
                applied = (*applied, rule.key)
    flash = tuple(pl.sku for pl in out if pl.flash_units)
    return Priced(total, sum(pl.list_amount for pl in out), out, applied, flash)


def _better(a: tuple, b: tuple | None) -> bool:
    return b is None or a < b


def _rank(total: int, promo: Promotion, flash_on, chosen: Sequence[Rule]) -> tuple:
    """Lowest total first; then fewer rules; then the earlier rules and flash lines."""
    order = {r.key: i for i, r in enumerate(promo.rules)}
    return (total, len(chosen), sorted(order[r.key] for r in chosen), sorted(flash_on))


def _subsets(items: Sequence) -> Iterable[tuple]:
    return chain.from_iterable(combinations(items, n) for n in range(len(items) + 1))


def price_naive(promo: Promotion, lines: Iterable[Line], buyer: Buyer = NOBODY) -> Priced:
    """Every subset of flash lines and of rules, evaluated whole; the best legal one. The
    benchmark's baseline and the tests' oracle: slow, and plainly right."""
    lines = merge(lines)
    flashable = [i for i, line in enumerate(lines) if line.sku in promo.flash]
    staged = [r for r in promo.rules if r.kind in STAGE_OF]
    best, best_rank = None, None
    for flash_on in _subsets(flashable):
        for chosen in _subsets(staged):
            priced = evaluate(promo, lines, set(flash_on), chosen, buyer)
            if priced is None:
                continue
            rank = _rank(priced.total, promo, flash_on, chosen)
            if _better(rank, best_rank):
                best, best_rank = priced, rank
    return best


def _legal_choices(stage: Sequence[Rule], alone: bool, others: bool) -> Iterable[tuple]:
    """The legal subsets of one stage's applicable rules. `alone`: a non-stackable rule is
    already chosen (nothing more may join); `others`: some rule is already chosen (a
    non-stackable one may not join)."""
    yield ()
    if alone:
        return
    coupons = [r for r in stage if r.kind == COUPON]
    rest = [r for r in stage if r.kind != COUPON]
    if not others:
        for r in stage:
            if not r.stackable:
                yield (r,)
    stackable_rest = [r for r in rest if r.stackable]
    stackable_coupons = [r for r in coupons if r.stackable]
    for subset in _subsets(stackable_rest):
        for coupon in (None, *stackable_coupons):
            chosen = subset if coupon is None else (*subset, coupon)
            if chosen:
                yield chosen


def _walk(promo, stages, parts, day, flash_on, level: int, amounts: list[int], chosen, best):
    """Depth-first over the stages, trying only legal subsets. Each rule's discount on the
    amounts entering its stage is computed once per path; its split over the lines only when
    a later stage reads the lines, or two rules of the stage could take one line below 0 (a
    single rule never can: its discount is at most the amount it applies to)."""
    offs = {}
    for rule in stages[level]:
        found = _off(rule, parts, amounts, day)
        if found is not None:
            offs[rule.key] = found
    usable = [r for r in stages[level] if r.key in offs]
    alone = any(not r.stackable for r in chosen)
    last = level == len(stages) - 1
    split: dict[str, list[int]] = {}

    def shares(key):
        if key not in split:
            split[key] = _shares(*offs[key], amounts, len(parts))
        return split[key]

    subtotal = sum(amounts)
    for pick in _legal_choices(usable, alone, bool(chosen)):
        if last and len(pick) <= 1:
            total = subtotal - (offs[pick[0].key][0] if pick else 0)
            if best[1] is not None and total > best[1][0]:
                continue
            rank = _rank(total, promo, flash_on, (*chosen, *pick))
            if _better(rank, best[1]):
                best[0], best[1] = (flash_on, (*chosen, *pick)), rank
            continue
        nxt = amounts
        if pick:
            nxt = list(amounts)
            for r in pick:
                for i, cents in enumerate(shares(r.key)):
                    nxt[i] -= cents
            if any(a < 0 for a in nxt):
                continue
        if last:
            rank = _rank(sum(nxt), promo, flash_on, (*chosen, *pick))
            if _better(rank, best[1]):
                best[0], best[1] = (flash_on, (*chosen, *pick)), rank
        else:
            _walk(promo, stages, parts, day, flash_on, level + 1, nxt, (*chosen, *pick), best)


def price(promo: Promotion, lines: Iterable[Line], buyer: Buyer = NOBODY) -> Priced:
    """The cart at its best legal price for the buyer (see the module's docstring)."""
    lines = merge(lines)
    stages = _stages(promo)
    staged = [r for s in stages for r in s]
    flashable = []
    for i, line in enumerate(lines):
        f = promo.flash.get(line.sku)
        if f is not None and flash_units(promo, line, buyer) > 0:
            flashable.append(i)
    # A flash line no staged rule reaches changes no discount: its cheaper price is the
    # choice. Only the others are searched both ways.
    contested = [i for i in flashable if any(r.covers(lines[i].sku) for r in staged)]
    settled = {
        i
        for i in flashable
        if i not in contested and promo.flash[lines[i].sku].price < _item_unit(promo, lines[i])
    }
    best: list = [None, None]  # (flash lines, rules), rank
    for subset in _subsets(contested):
        flash_on = frozenset(settled | set(subset))
        parts = _parts(promo, lines, flash_on, buyer)
        start = [p.units * p.unit for p in parts]
        _walk(promo, stages, parts, buyer.day, flash_on, 0, start, (), best)
    flash_on, chosen = best[0]
    priced = evaluate(promo, lines, flash_on, chosen, buyer)
    assert priced is not None, "the chosen combination is legal by construction"
    return priced
