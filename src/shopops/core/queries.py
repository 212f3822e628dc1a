"""Reads of stores, users and the audit log, already scoped to what the user may see."""

from shopops.core.access import can_see_costs, granted_stores, redact, scoped
from shopops.core.models import AuditEntry, Store, User


def store_dict(store: Store, user) -> dict:
    return redact(
        {
            "code": store.code,
            "name": store.name,
            "platform": store.platform,
            "platform_label": str(store.get_platform_display()),
            "currency": store.currency,
            "timezone": store.timezone,
            "is_active": store.is_active,
            "commission_rate": store.commission_rate,
            "payment_fee_rate": store.payment_fee_rate,
            "shipping_cost_per_order": store.shipping_cost_per_order,
            "packaging_cost_per_order": store.packaging_cost_per_order,
            "margin_floor": store.margin_floor,
        },
        user,
    )


def store_people(store):
    """Active users who work on a store (granted it, or superusers): owners of goals and
    measures are chosen from them."""
    from django.db.models import Q

    return (
        User.objects.filter(is_active=True)
        .filter(Q(grants__store=store) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def store_person(store, username: str, field: str = "owner"):
    """The active user of that username who works on the store; None for no name; a
    ValidationError naming `field` for a name of nobody there (an API's owner by name)."""
    from django.core.exceptions import ValidationError

    if not username:
        return None
    found = store_people(store).filter(username=username).first()
    if found is None:
        raise ValidationError({field: f"No user {username!r} works on this store."})
    return found


def stores_for(user):
    return granted_stores(user).order_by("code")


def audit_entries(user, store: Store | None = None):
    """Entries of the user's stores, plus store-less entries for those who see all stores."""
    qs = AuditEntry.objects.select_related("store")
    if store is not None:
        return scoped(qs, user).filter(store=store)
    if user.is_superuser:
        return qs
    return scoped(qs, user)


def audit_dict(entry: AuditEntry, user) -> dict:
    before, after = entry.before, entry.after
    if not can_see_costs(user):
        before = redact(before, user) if before else before
        after = redact(after, user) if after else after
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor_name,
        "store": entry.store.code if entry.store else None,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": before,
        "after": after,
        "via": entry.via,
        "changes": [
            {"field": name, "before": (before or {}).get(name), "after": (after or {}).get(name)}
            for name in dict.fromkeys([*(before or {}), *(after or {})])
        ],
    }
