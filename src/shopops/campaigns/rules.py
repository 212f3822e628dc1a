"""A promotion rule's parameters: checked, and read into the calculator's terms.

The parameters are JSON on `PromotionRule.params`; this module is the only reader. Amounts
are decimal strings in the store's currency (at most 2 places), rates are what is payable
("0.9" is 9折), dates are ISO days, and `skus` (a list of SKU codes, empty for the whole
store) is each rule's scope:

- 满减 full_reduction: ``{"tiers": [{"threshold": "300", "off": "30"}, …], "repeat": false,
  "cap": null, "skus": []}`` (``repeat``: 每满, one tier applied once per threshold reached)
- 满件折 item_discount: ``{"tiers": [{"units": 2, "rate": "0.9"}, …], "skus": []}``
- 秒杀 flash_sale: ``{"items": [{"sku": "CUP-1", "price": "59", "cap": 200, "limit": 1}]}``
- 优惠券 coupon: ``{"threshold": "199", "amount": "20", "valid_from": "2026-11-01",
  "valid_to": "2026-11-11", "quantity": 5000, "skus": []}``
- 赠品 gift: ``{"threshold": "299", "sku": "GIFT-1", "quantity": 1, "skus": []}``
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from shopops.campaigns import pricing
from shopops.campaigns.models import RuleKind

KINDS = {k.value for k in RuleKind}


class _Errors:
    def __init__(self):
        self.messages: list[str] = []

    def add(self, where: str, why: str):
        self.messages.append(f"{where}: {why}")


def cents(value, where: str, errors: _Errors, *, positive=True) -> int:
    """An amount (a decimal string or number with at most 2 places) as integer cents."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(where, f"{value!r} is not an amount")
        return 0
    if not d.is_finite() or d != d.quantize(Decimal("0.01")):
        errors.add(where, f"{value} has more than 2 decimal places")
        return 0
    if d < 0 or (positive and d == 0):
        errors.add(where, f"{value} must be {'above' if positive else 'at least'} 0")
        return 0
    return int(d * 100)


def _count(value, where: str, errors: _Errors, *, optional=False, least=1) -> int | None:
    if value in (None, "") and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.add(where, f"{value!r} is not a whole number")
        return None
    try:
        n = int(str(value).strip())
    except ValueError:
        errors.add(where, f"{value!r} is not a whole number")
        return None
    if n < least:
        errors.add(where, f"{n} must be at least {least}")
        return None
    return n


def _day(value, where: str, errors: _Errors) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(where, f"{value!r} is not a date (YYYY-MM-DD)")
        return None


def _skus(params: dict, errors: _Errors) -> frozenset[str]:
    value = params.get("skus") or []
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        errors.add("skus", "a list of SKU codes")
        return frozenset()
    return frozenset(s.strip() for s in value)


def _tiers(params: dict, errors: _Errors, units: bool) -> tuple[pricing.Tier, ...]:
    raw = params.get("tiers")
    if not isinstance(raw, list) or not raw:
        errors.add("tiers", "at least one tier")
        return ()
    out = []
    for i, t in enumerate(raw, start=1):
        if not isinstance(t, dict):
            errors.add(f"tiers[{i}]", "an object")
            continue
        if units:
            n = _count(t.get("units"), f"tiers[{i}].units", errors) or 0
            rate = _rate(t.get("rate"), f"tiers[{i}].rate", errors)
            out.append(pricing.Tier(n, rate))
        else:
            threshold = cents(t.get("threshold"), f"tiers[{i}].threshold", errors)
            off = cents(t.get("off"), f"tiers[{i}].off", errors)
            if threshold and off and off > threshold:
                errors.add(f"tiers[{i}].off", "more than its threshold")
            out.append(pricing.Tier(threshold, off))
    return tuple(out)


def _rate(value, where: str, errors: _Errors) -> int:
    """A payable share ("0.9" is 9折) in basis points, exact."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(where, f"{value!r} is not a rate such as 0.9")
        return pricing.BASIS
    if not d.is_finite() or not Decimal(0) < d < Decimal(1):
        errors.add(where, f"{value} must be above 0 and below 1 (0.9 is 9折)")
        return pricing.BASIS
    bp = d * pricing.BASIS
    if bp != bp.to_integral_value():
        errors.add(where, f"{value} has more than 4 decimal places")
        return pricing.BASIS
    return int(bp)


def read(kind: str, params, *, key: str = "", name: str = "", stackable: bool = True):
    """The rule as the calculator's `pricing.Rule` (a list of (sku, `pricing.Flash`) for a
    flash sale); ValidationError naming each bad parameter and why."""
    errors = _Errors()
    if kind not in KINDS:
        raise ValidationError({"kind": f"{kind!r} is not a promotion type"})
    if not isinstance(params, dict):
        raise ValidationError({"params": "an object of the rule's parameters"})
    out = None
    if kind == RuleKind.FLASH_SALE:
        items = params.get("items")
        if not isinstance(items, list) or not items:
            errors.add("items", "at least one SKU with its flash price")
            items = []
        out, seen = [], set()
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not str(item.get("sku") or "").strip():
                errors.add(f"items[{i}].sku", "a SKU code")
                continue
            sku = str(item["sku"]).strip()
            if sku in seen:
                errors.add(f"items[{i}].sku", f"{sku} is listed twice")
            seen.add(sku)
            out.append(
                (
                    sku,
                    pricing.Flash(
                        cents(item.get("price"), f"items[{i}].price", errors),
                        _count(item.get("cap"), f"items[{i}].cap", errors, optional=True, least=0),
                        _count(item.get("limit"), f"items[{i}].limit", errors, optional=True),
                    ),
                )
            )
    elif kind == RuleKind.FULL_REDUCTION:
        repeat = bool(params.get("repeat"))
        tiers = _tiers(params, errors, units=False)
        if repeat and len(tiers) > 1:
            errors.add("tiers", "每满 (repeat) takes one tier")
        cap = params.get("cap")
        out = pricing.Rule(
            key,
            pricing.FULL_REDUCTION,
            name,
            stackable,
            tiers=tiers,
            repeat=repeat,
            cap=None if cap in (None, "") else cents(cap, "cap", errors),
            scope=_skus(params, errors),
        )
    elif kind == RuleKind.ITEM_DISCOUNT:
        out = pricing.Rule(
            key,
            pricing.ITEM_DISCOUNT,
            name,
            stackable,
            tiers=_tiers(params, errors, units=True),
            scope=_skus(params, errors),
        )
    elif kind == RuleKind.COUPON:
        start = _day(params.get("valid_from"), "valid_from", errors)
        end = _day(params.get("valid_to"), "valid_to", errors)
        if start and end and end < start:
            errors.add("valid_to", "before valid_from")
        amount = cents(params.get("amount"), "amount", errors)
        threshold = cents(params.get("threshold") or 0, "threshold", errors, positive=False)
        if threshold and amount and amount > threshold:
            errors.add("amount", "more than its threshold")
        out = pricing.Rule(
            key,
            pricing.COUPON,
            name,
            stackable,
            threshold=threshold,
            amount=amount,
            left=_count(params.get("quantity"), "quantity", errors, optional=True, least=0),
            valid_from=start,
            valid_to=end,
            scope=_skus(params, errors),
        )
    else:  # gift
        sku = str(params.get("sku") or "").strip()
        if not sku:
            errors.add("sku", "the SKU given away")
        out = pricing.Rule(
            key,
            pricing.GIFT,
            name,
            True,
            threshold=cents(params.get("threshold") or 0, "threshold", errors, positive=False),
            gift_sku=sku,
            gift_quantity=_count(params.get("quantity", 1), "quantity", errors) or 1,
            scope=_skus(params, errors),
        )
    if errors.messages:
        raise ValidationError({"params": errors.messages})
    return out


def promotion(campaign, *, stacking=None) -> pricing.Promotion:
    """The campaign's prices and rules in the calculator's terms (cents)."""
    from django.conf import settings

    prices = {
        cs.sku.code: int(cs.campaign_price * 100)
        for cs in campaign.skus.select_related("sku")
        if cs.campaign_price is not None
    }
    flash: dict[str, pricing.Flash] = {}
    rules = []
    for r in campaign.rules.all():
        value = read(r.kind, r.params, key=f"r{r.pk}", name=r.name, stackable=r.stackable)
        if r.kind == RuleKind.FLASH_SALE:
            flash.update(value)
        else:
            rules.append(value)
    return pricing.Promotion(
        prices=prices,
        flash=flash,
        rules=tuple(rules),
        flash_exclusive=campaign.flash_exclusive,
        stacking=stacking or settings.SHOPOPS_PROMO_STACKING,
    )
