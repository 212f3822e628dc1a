"""How numbers are shown on pages, in reports and in drafted notes: one place, so a rate
reads the same on the dashboard, the goal list, the daily report and its XLSX/PDF."""

from decimal import Decimal

from shopops.analytics.catalog import lookup
from shopops.core.money import money_text

MULTIPLES = {"roi"}  # ratios shown as a multiple (4.00), not as a percentage


def is_percent(key: str) -> bool:
    """A ratio metric shown as a percentage (CVR 3.07%), not as a multiple (ROI 4.00)."""
    return lookup(key).unit == "ratio" and key not in MULTIPLES


def shown(value, unit: str, percent: bool, currency: str | None = None) -> str:
    """A value as pages and the PDF show it: money to cents (with its currency's symbol when
    given: ¥1,234.50, £1,234.50), counts whole, ratios as %."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "money":
        return money_text(value, currency)
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value * 100:.2f}%" if percent else f"{value:.2f}"


def with_unit(key: str, label: str, currency: str | None) -> str:
    """A metric's label with its currency when it is money: 销售额 (GBP)."""
    if currency and lookup(key).unit == "money":
        return f"{label} ({currency})"
    return label


def metric_shown(value, key: str, currency: str | None = None) -> str:
    return shown(value, lookup(key).unit, is_percent(key), currency)


def percent(value) -> str:
    """A share or an achievement: 82.8%."""
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def change(value) -> str:
    """A relative change: +12.4%, -3.0%."""
    return "—" if value is None else f"{Decimal(value) * 100:+.1f}%"


def bar(value) -> int:
    """A progress bar's width in percent: the value clamped to 0…1."""
    return 0 if value is None else int(min(max(value, 0), 1) * 100)
