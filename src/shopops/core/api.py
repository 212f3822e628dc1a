from datetime import date
from decimal import Decimal

from ninja import Query, Router, Schema, Status

from shopops.core import rates, services
from shopops.core.access import can, can_see_costs, can_see_personal_data, get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.modules import MODULES
from shopops.core.queries import audit_dict, audit_entries, store_dict, stores_for
from shopops.core.roles import role_of
from shopops.core.schemas import AuditOut, MeOut, StoreIn, StoreOut, StorePatch, responses

me_router = Router(tags=["me"], auth=ModuleAuth(None))
stores_router = Router(tags=["stores"], auth=ModuleAuth("stores"))
audit_router = Router(tags=["audit"], auth=ModuleAuth("audit", "view"))


@me_router.get("", response=responses({200: MeOut}), summary="Who I am and what I may see")
def me(request):
    user = request.auth
    role = role_of(user)
    return {
        "username": user.username,
        "role": role.key if role else None,
        "can_see_costs": can_see_costs(user),
        "can_see_personal_data": can_see_personal_data(user),
        "stores": [s.code for s in stores_for(user)],
        "modules": [
            {
                "key": m.key,
                "label": str(m.label),
                "built": m.built,
                "can_change": can(user, m.key, "change"),
            }
            for m in MODULES
            if can(user, m.key, "view")
        ],
    }


@stores_router.get("", response=responses({200: list[StoreOut]}), exclude_unset=True)
def list_stores(request):
    return [store_dict(s, request.auth) for s in stores_for(request.auth)]


@stores_router.get("/{code}", response=responses({200: StoreOut}, 404), exclude_unset=True)
def get_store(request, code: str):
    return store_dict(get_scoped_or_404(Store, request.auth, code=code), request.auth)


@stores_router.post("", response=responses({201: StoreOut}, 400), exclude_unset=True)
def create_store(request, payload: StoreIn):
    store = services.create_store(request.auth, via="api", **payload.dict())
    return Status(201, store_dict(store, request.auth))


@stores_router.patch("/{code}", response=responses({200: StoreOut}, 400, 404), exclude_unset=True)
def update_store(request, code: str, payload: StorePatch):
    store = get_scoped_or_404(Store, request.auth, code=code)
    store = services.update_store(
        request.auth, store, via="api", **payload.dict(exclude_unset=True)
    )
    return store_dict(store, request.auth)


@audit_router.get("", response=responses({200: list[AuditOut]}, 404))
def list_audit(request, store: str | None = None, limit: int = Query(100, ge=1, le=1000)):
    scope = get_scoped_or_404(Store, request.auth, code=store) if store else None
    entries = audit_entries(request.auth, scope)[:limit]
    return [audit_dict(e, request.auth) for e in entries]


rates_router = Router(tags=["rates"], auth=ModuleAuth("stores"))


class RateOut(Schema):
    date: date
    currency: str
    rate: str
    quote: str


class RateIn(Schema):
    date: date
    currency: str
    rate: Decimal


class RatesOut(Schema):
    reporting_currency: str
    rate_window_days: int
    rates: list[RateOut]


@rates_router.get("", response=responses({200: RatesOut}), summary="Exchange rates")
def list_rates(request, currency: str | None = None, limit: int = Query(366, ge=1, le=5000)):
    """The reporting currency, how many days a rate stays valid, and the daily rates in the
    reporting currency, newest first (`limit` of them)."""
    config = rates.currency_settings()
    return {
        "reporting_currency": config.reporting_currency,
        "rate_window_days": config.rate_window_days,
        "rates": [
            {"date": r.day, "currency": r.currency, "rate": str(r.rate), "quote": r.quote}
            for r in rates.rates(currency)[:limit]
        ],
    }


@rates_router.put(
    "", response=responses({200: dict[str, int]}, 400), summary="Set exchange rates (all or none)"
)
def put_rates(request, body: list[RateIn]):
    """Insert or replace daily rates in the reporting currency; every new or changed rate is
    audited. All or none: one bad rate (422, naming it) writes nothing."""
    return rates.set_rates(
        request.auth,
        [rates.RateRow(r.date, r.currency, r.rate) for r in body],
        via="api",
    )
