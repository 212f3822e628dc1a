"""{% load money %} … {{ amount|money:current_store.currency }}: an amount with its
currency's symbol (core.money), for the pages that show stored amounts as they are."""

from django import template

from shopops.core.money import money_text

register = template.Library()


@register.filter
def money(value, currency=None):
    if value is None or value == "":
        return "—"
    return money_text(value, currency or None)


@register.filter
def unit_money(value, currency=None):
    """A unit price or cost: its places beyond the cent kept (¥0.001)."""
    if value is None or value == "":
        return "—"
    return money_text(value, currency or None, unit_price=True)


@register.filter
def percent(value, places: int = 2):
    """A share (0.0393) as a percentage with `places` decimals (3.93%); — when unknown."""
    from decimal import Decimal

    if value is None or value == "":
        return "—"
    unit = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(str(value)) * 100).quantize(unit)}%"
