"""Row locks of core's models, named once (the model is Saleor's `lock_objects.py`).

Every `select_for_update` of the project lives in a `locks` module like this one, one per
app, so that what a service locks, and in which order, is read in one place. Each function
returns a queryset locked until the end of the caller's transaction; call it inside one."""

from shopops.core.models import Store


def store(pk: int) -> Store:
    """A store, while its settings change."""
    return Store.objects.select_for_update().get(pk=pk)


def user(pk: int):
    """A user, while their role, grants or state change."""
    from shopops.core.models import User

    return User.objects.select_for_update().get(pk=pk)


def currency_settings():
    """The installation's currency settings, while they change (made when first saved)."""
    from shopops.core.models import CurrencySettings

    CurrencySettings.objects.get_or_create(pk=1)
    return CurrencySettings.objects.select_for_update().get(pk=1)


def exchange_rates(currency: str, quote: str, days):
    """The rates of `currency` in `quote` on `days`, while an import or an edit replaces
    them (rows not there yet are guarded by the unique constraint)."""
    from shopops.core.models import ExchangeRate

    return ExchangeRate.objects.select_for_update().filter(
        currency=currency, quote=quote, day__in=list(days)
    )


def exchange_rate(pk: int):
    """One rate, while it is removed."""
    from shopops.core.models import ExchangeRate

    return ExchangeRate.objects.select_for_update().get(pk=pk)
