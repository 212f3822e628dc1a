"""Exchange rates and the reporting currency: reading, setting, removing, each change
audited. The CLI, the console and the rates import (`ingest.rates`) all write through here;
`analytics.conversion` reads the rates to add money of different currencies up."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shopops.core import audit, locks
from shopops.core.models import CurrencySettings, ExchangeRate

SETTINGS_AUDITED = ["reporting_currency", "rate_window_days"]
RATE_AUDITED = ["day", "currency", "quote", "rate"]
RATE_PLACES = Decimal("0.000001")


def currency_settings() -> CurrencySettings:
    """The saved settings, or the defaults (CNY, 7 days) before anyone saved them."""
    return CurrencySettings.objects.filter(pk=1).first() or CurrencySettings(pk=1)


def reporting_currency() -> str:
    return currency_settings().reporting_currency


@transaction.atomic
def save_currency_settings(actor, *, reporting_currency: str, rate_window_days: int, via="web"):
    found = locks.currency_settings()
    before = audit.snapshot(found, SETTINGS_AUDITED)
    found.reporting_currency = reporting_currency.strip().upper()
    found.rate_window_days = rate_window_days
    found.full_clean()
    found.save()
    audit.record(actor, found, "update", before, audit.snapshot(found, SETTINGS_AUDITED), via=via)
    return found


@dataclass(frozen=True)
class RateRow:
    day: date
    currency: str
    rate: Decimal


def check_rate(row: RateRow, quote: str) -> RateRow:
    """The row as stored (currency upper-case, rate to 6 places), or ValidationError
    naming the field."""
    currency = row.currency.strip().upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        message = _("%(value)s is not an ISO 4217 code such as GBP.")
        raise ValidationError({"currency": message % {"value": row.currency}})
    if currency == quote:
        message = _("%(value)s is the reporting currency itself: its rate is 1.")
        raise ValidationError({"currency": message % {"value": currency}})
    rate = Decimal(row.rate)
    if rate <= 0:
        raise ValidationError({"rate": _("A rate is more than 0.")})
    if rate != rate.quantize(RATE_PLACES):
        raise ValidationError({"rate": _("A rate has at most 6 decimals.")})
    if rate >= Decimal(10) ** 10:
        raise ValidationError({"rate": _("A rate is less than 10,000,000,000.")})
    return RateRow(row.day, currency, rate.quantize(RATE_PLACES))


@transaction.atomic
def set_rates(actor, rows: list[RateRow], *, via="web") -> dict:
    """Insert or replace the rates of `rows` (in the reporting currency), all or none; one
    audit entry per rate that is new or changed. {"inserted", "updated", "unchanged"}."""
    quote = reporting_currency()
    checked = [check_rate(r, quote) for r in rows]
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    by_currency: dict[str, list[RateRow]] = {}
    for row in checked:
        by_currency.setdefault(row.currency, []).append(row)
    for currency, group in sorted(by_currency.items()):
        found = {r.day: r for r in locks.exchange_rates(currency, quote, {g.day for g in group})}
        for row in group:
            rate = found.get(row.day)
            if rate is None:
                rate = ExchangeRate.objects.create(
                    day=row.day, currency=currency, quote=quote, rate=row.rate
                )
                found[row.day] = rate
                audit.record(
                    actor, rate, "create", None, audit.snapshot(rate, RATE_AUDITED), via=via
                )
                counts["inserted"] += 1
            elif rate.rate != row.rate:
                before = audit.snapshot(rate, RATE_AUDITED)
                rate.rate = row.rate
                rate.save(update_fields=["rate", "updated_at"])
                audit.record(
                    actor, rate, "update", before, audit.snapshot(rate, RATE_AUDITED), via=via
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts


@transaction.atomic
def remove_rate(actor, rate_id: int, *, via="web") -> None:
    rate = locks.exchange_rate(rate_id)
    audit.record(actor, rate, "delete", audit.snapshot(rate, RATE_AUDITED), None, via=via)
    rate.delete()


def rates(currency: str | None = None):
    """The rates in the reporting currency, newest first."""
    found = ExchangeRate.objects.filter(quote=reporting_currency())
    return found.filter(currency=currency.upper()) if currency else found
