from ninja import Query, Router, Status

from shopops.core import services
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
