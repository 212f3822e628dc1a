"""Money as people read it: the amount with its currency's symbol, in the active language
(Babel's CLDR data: ¥1,234.50 and £1,234.50 in Chinese; CN¥1,234.50 in English, where ¥
alone would be ambiguous). Rounded half-up to the currency's places first, the project's
one rounding rule (Babel itself would round half-even)."""

from decimal import Decimal
from functools import lru_cache

from shopops.core.numbers import quantize


def _locale(language: str | None) -> str:
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "zh-hans"
    return "zh_Hans_CN" if language.startswith("zh") else "en"


@lru_cache(maxsize=64)
def places(currency: str) -> Decimal:
    """The currency's minor unit: 0.01 for CNY and GBP, 1 for JPY."""
    from babel.numbers import get_currency_precision

    return Decimal(1).scaleb(-get_currency_precision(currency))


def money_text(
    value, currency: str | None, language: str | None = None, unit_price: bool = False
) -> str:
    """`value` with its currency (—  when None); without a currency, the bare amount.
    `unit_price`: a per-piece price or cost keeps the places it has beyond the currency's
    (0.0010 stays ¥0.001, as core.numbers.price_text)."""
    if value is None:
        return "—"
    value = Decimal(value)
    minor = places(currency) if currency else Decimal("0.01")
    if unit_price and value != quantize(value, minor):
        amount = value.normalize()
    else:
        amount = quantize(value, minor)
    if not currency:
        return f"{amount:,}"
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=_locale(language), decimal_quantization=False)


def excel_format(currency: str | None) -> str:
    """An XLSX number format showing the amount with its currency code: #,##0.00 "GBP"
    (the code, not a symbol: ¥ alone is both CNY and JPY)."""
    if not currency:
        return "#,##0.00"
    digits = -places(currency).as_tuple().exponent
    number = "#,##0" + ("." + "0" * digits if digits else "")
    return f'{number} "{currency}"'
