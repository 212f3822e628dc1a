"""The team's word on a SKU's demand, over the cleaning's (analytics.demand): a manual
daily rate, and order lines put back into the demand. Audited; the next forecast uses
them (the cached one is dropped at once)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shopops.analytics.cache import facts_changed
from shopops.catalog.models import Sku
from shopops.core import audit
from shopops.inventory import locks
from shopops.inventory.models import DemandOverride

AUDITED = ["sku", "manual_daily", "restored"]


def _sku(store, code: str) -> Sku:
    found = Sku.objects.filter(store=store, code=code).first()
    if found is None:
        raise ValidationError({"sku": _("Not a SKU of this store: %(c)s") % {"c": code}})
    return found


def _changed(actor, store, found, before, via) -> DemandOverride:
    found.full_clean()
    found.save()
    audit.record(
        actor, found, "update", before, audit.snapshot(found, AUDITED), store=store, via=via
    )
    facts_changed(store.pk, days=set())  # cached forecasts are stale; no fact changed
    return found


@transaction.atomic
def set_manual_daily(actor, store, code: str, value, *, via="web") -> DemandOverride:
    """The SKU's daily demand as the team sets it (None or "": back to the model)."""
    if value in (None, ""):
        rate = None
    else:
        try:
            rate = Decimal(str(value)).quantize(Decimal("0.001"))
        except InvalidOperation:
            raise ValidationError({"manual_daily": _("A number of units a day.")}) from None
        if rate < 0:
            raise ValidationError({"manual_daily": _("A number of units a day.")})
    found = locks.demand_override(store, _sku(store, code))
    before = audit.snapshot(found, AUDITED)
    found.manual_daily = rate
    return _changed(actor, store, found, before, via)


@transaction.atomic
def put_back(actor, store, code: str, order_id: str, *, restore=True, via="web"):
    """Count an order line the cleaning left out as demand again (or, `restore=False`,
    leave it out again)."""
    found = locks.demand_override(store, _sku(store, code))
    before = audit.snapshot(found, AUDITED)
    kept = [o for o in found.restored if o != order_id]
    found.restored = [*kept, order_id] if restore else kept
    return _changed(actor, store, found, before, via)


def overrides(store) -> dict[str, DemandOverride]:
    return {o.sku.code: o for o in DemandOverride.objects.filter(store=store).select_related("sku")}
