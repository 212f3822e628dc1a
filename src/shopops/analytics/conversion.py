"""Money of stores in different currencies, added up in the reporting currency.

A money aggregate over stores of more than one currency, not split by store, converts each
store's amounts of each local day at that day's rate (`core.models.ExchangeRate`, quoted in
the reporting currency). A day without its own rate takes the latest earlier one at most
`rate_window_days` old; a day with neither refuses the query, naming the currency and the
day. Without any rate the query is refused as before rates existed.

The plan is made here, in plain Python, from the small rates table: one factor per store
and local day of the period (clipped to the days the store has money facts). The engines
join their facts to those factors and multiply inside the aggregate (`expressions.py`,
`reference.py`), so DuckDB, Spark and the reference convert alike and exactly: amount x
rate has 8 places, nothing is rounded before the total, which is shown to the cent.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from shopops.analytics.catalog import lookup, resolve
from shopops.analytics.errors import MixedCurrencies, RateMissing


@dataclass(frozen=True)
class Conversion:
    currency: str  # the reporting currency the converted amounts are in
    # (store id, local day, rate) for every store of the request and every day of its span
    # in the period; 1 for the stores already in the reporting currency.
    factors: tuple[tuple[int, date, Decimal], ...]
    # The rates used: (currency, the rate's own day, rate, first day, last day it served).
    used: tuple[tuple[str, date, Decimal, date, date], ...] = field(default=(), compare=False)

    def factor_map(self) -> dict[tuple[int, date], Decimal]:
        return {(store_id, day): rate for store_id, day, rate in self.factors}

    def summary(self) -> str:
        """One line for people: GBP→CNY 23 rates of 2010-12-01…2010-12-31."""
        by_currency: dict[str, list[date]] = {}
        for currency, rate_day, _rate, _first, _last in self.used:
            by_currency.setdefault(currency, []).append(rate_day)
        return "; ".join(
            f"{c}→{self.currency} ×{len(days)} ({min(days)}…{max(days)})"
            for c, days in sorted(by_currency.items())
        )


def needs_money(keys) -> bool:
    """Whether any of `keys` is money or computed from money (AOV, ROI, shares of GMV)."""
    _, base = resolve(keys)
    return any(lookup(k).unit == "money" for k in base)


def _currencies(stores) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in stores:
        out.setdefault(s.currency, []).append(s.code)
    return out


def _named(currencies: dict[str, list[str]]) -> str:
    return "、".join(f"{', '.join(codes)} ({c})" for c, codes in sorted(currencies.items()))


def _money_span(store, start: date, end: date) -> tuple[date, date] | None:
    """The first and last local day in start..end on which the store has money facts (paid
    orders, ads), or None: days outside it need no rate."""
    from django.db.models import Max, Min

    from shopops.analytics.request import utc_window
    from shopops.marketing.models import AdFact
    from shopops.orders.models import Order

    low, high = utc_window(start, end)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high).aggregate(
        first=Min("paid_at"), last=Max("paid_at")
    )
    ads = AdFact.objects.filter(store=store, date__range=(start, end)).aggregate(
        first=Min("date"), last=Max("date")
    )
    days = [ads["first"], ads["last"]]
    days += [t.astimezone(store.zone).date() for t in (paid["first"], paid["last"]) if t]
    days = [d for d in days if d is not None]
    if not days:
        return None
    return max(min(days), start), min(max(days), end)


def _no_rates(currencies, reporting: str) -> MixedCurrencies:
    named = _named(currencies)
    return MixedCurrencies(
        f"店铺 {named} 币种不同：请加 --dim store（API: dim=store）分店铺查看，"
        f"或导入汇率（./shopops rates import，报告币种 {reporting}）"
        f" / stores {named} have different currencies: add --dim store (dim=store) to see "
        f"them per store, or import exchange rates to {reporting} (./shopops rates import)"
    )


def plan(keys, stores, start: date, end: date, dims=()) -> Conversion | None:
    """The conversion a metrics request needs (None: one currency, split by store, or no
    money metric); MixedCurrencies when it needs one and no rate exists, RateMissing naming
    the currency and the first day without a rate within the window."""
    currencies = _currencies(stores)
    if len(currencies) < 2 or "store" in dims or not needs_money(keys):
        return None
    from shopops.core.models import ExchangeRate
    from shopops.core.rates import currency_settings

    config = currency_settings()
    reporting, window = config.reporting_currency, config.rate_window_days
    foreign = sorted(c for c in currencies if c != reporting)
    quoted = ExchangeRate.objects.filter(currency__in=foreign, quote=reporting)
    if not quoted.exists():
        raise _no_rates(currencies, reporting)
    factors, used = [], {}
    for store in sorted(stores, key=lambda s: s.pk):
        span = _money_span(store, start, end)
        if span is None:
            continue
        days = [span[0] + timedelta(days=i) for i in range((span[1] - span[0]).days + 1)]
        if store.currency == reporting:
            factors += [(int(store.pk), d, Decimal(1)) for d in days]
            continue
        rates = list(
            quoted.filter(
                currency=store.currency,
                day__gte=span[0] - timedelta(days=window),
                day__lte=span[1],
            )
            .order_by("day")
            .values_list("day", "rate")
        )
        i, current = 0, None
        for d in days:
            while i < len(rates) and rates[i][0] <= d:
                current = rates[i]
                i += 1
            if current is None or (d - current[0]).days > window:
                raise RateMissing(store.currency, reporting, d, current and current[0], window)
            factors.append((int(store.pk), d, current[1]))
            key = (store.currency, current[0])
            rate, first, last = used.get(key, (current[1], d, d))
            used[key] = (rate, min(first, d), max(last, d))
    return Conversion(
        currency=reporting,
        factors=tuple(factors),
        used=tuple((c, day, *served) for (c, day), served in sorted(used.items())),
    )
