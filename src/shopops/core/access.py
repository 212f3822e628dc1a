"""The one place that decides what a user may see: modules, stores and sensitive fields.

Pages (ModuleAccessMiddleware), the API (shopops.api.auth.ModuleAuth), exports and the CLI
all call these functions; nothing checks permissions by hand elsewhere.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from shopops.core.models import Store
from shopops.core.modules import MODULES, get_module
from shopops.core.roles import MANAGE_USERS, VIEW_COSTS, VIEW_PERSONAL_DATA

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def action_for_method(method: str) -> str:
    return "view" if method.upper() in SAFE_METHODS else "change"


def can(user, module_key: str, action: str = "view") -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    module = get_module(module_key)
    perm = module.view_perm if action == "view" else module.change_perm
    return user.has_perm(perm)


def visible_modules(user) -> list:
    return [m for m in MODULES if can(user, m.key, "view")]


def can_see_costs(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(f"core.{VIEW_COSTS}"))


def can_see_personal_data(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(f"core.{VIEW_PERSONAL_DATA}"))


def granted_stores(user) -> QuerySet[Store]:
    """The stores a user may see: superusers all, everyone else the granted ones."""
    if not (user and user.is_authenticated and user.is_active):
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    return Store.objects.filter(grants__user=user)


def scoped(queryset: QuerySet, user) -> QuerySet:
    """Restrict a queryset of a store-owned model (or of Store itself) to the user's stores."""
    if queryset.model is Store:
        return queryset.filter(pk__in=granted_stores(user).values("pk"))
    return queryset.filter(store__in=granted_stores(user).values("pk"))


def get_scoped_or_404(queryset: QuerySet | type[Model], user, **lookup):
    """An object of a store the user is not granted does not exist for them: 404, not 403."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


# Fields that reveal costs or profit. Anything serialised for a user goes through
# `redact`, so adding a cost field to a model means adding its name here.
COST_FIELDS = frozenset(
    {
        "cost",
        "unit_cost",
        "cogs",
        "commission_rate",
        "payment_fee_rate",
        "shipping_cost_per_order",
        "packaging_cost_per_order",
        "margin_floor",
        "commission",
        "payment_fees",
        "shipping_cost",
        "packaging_cost",
        "gross_profit",
        "gross_margin",
        "margin",
        "profit",
        "purchase_price",
    }
)


def redact(data: dict, user) -> dict:
    """Drop cost and profit fields for users without the cost permission."""
    if can_see_costs(user):
        return data
    return {k: v for k, v in data.items() if k not in COST_FIELDS}


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay, the middle is hidden."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    """张** / J***: only the first character stays."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def personal(value: str, user, masker=mask_phone) -> str:
    """A buyer's personal datum as this user may see it."""
    return value if can_see_personal_data(user) else masker(value)


def can_manage_users(user) -> bool:
    """Administrators, and roles with the manage-users permission (the operations lead)."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(f"core.{MANAGE_USERS}"))
    )


def managed_users(user) -> QuerySet:
    """The users `user` may manage: an administrator every one; a manager the other users
    who are not administrators and hold no store outside the manager's own (a new user
    without a store too), so that nobody edits the people of a store they do not run."""
    from shopops.core.models import StoreGrant, User

    if not can_manage_users(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    outside = StoreGrant.objects.exclude(store__in=granted_stores(user).values("pk"))
    return User.objects.filter(is_superuser=False).exclude(pk__in=outside.values("user_id"))
