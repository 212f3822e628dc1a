"""Every write to stores, users, grants and tokens; views, API and CLI call these."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shopops.core import audit, locks
from shopops.core.models import ApiToken, Store, StoreGrant, User, hash_token
from shopops.core.roles import ROLES_BY_KEY
from shopops.core.token_cache import auth_changed

STORE_AUDITED_FIELDS = [
    "name",
    "platform",
    "currency",
    "timezone",
    "commission_rate",
    "payment_fee_rate",
    "shipping_cost_per_order",
    "packaging_cost_per_order",
    "margin_floor",
    "is_active",
]


@transaction.atomic
def create_store(actor, *, via: str = "web", **fields) -> Store:
    store = Store(**fields)
    store.full_clean()
    store.save()
    audit.record(actor, store, "create", None, audit.snapshot(store, STORE_AUDITED_FIELDS), via=via)
    if actor is not None and actor.is_authenticated and not actor.is_superuser:
        StoreGrant.objects.get_or_create(user=actor, store=store)
    return store


@transaction.atomic
def update_store(actor, store: Store, *, via: str = "web", **changes) -> Store:
    store = locks.store(store.pk)
    before = audit.snapshot(store, STORE_AUDITED_FIELDS)
    unknown = set(changes) - set(STORE_AUDITED_FIELDS)
    if unknown:
        raise ValidationError({k: "This field cannot be changed." for k in unknown})
    for name, value in changes.items():
        setattr(store, name, value)
    store.full_clean()
    store.save()
    audit.record(
        actor, store, "update", before, audit.snapshot(store, STORE_AUDITED_FIELDS), via=via
    )
    return store


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    role: str | None = None,
    stores: list[Store] = (),
    email: str = "",
    superuser: bool = False,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"User {username!r} already exists."})
    if role is not None and role not in ROLES_BY_KEY:
        raise ValidationError({"role": f"Unknown role {role!r}; one of {sorted(ROLES_BY_KEY)}."})
    user = User(username=username, email=email, is_superuser=superuser, is_staff=superuser)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=ROLES_BY_KEY[role].group_name))
    for store in stores:
        StoreGrant.objects.get_or_create(user=user, store=store)
    return user


def set_role(user: User, role: str) -> None:
    group_names = [r.group_name for r in ROLES_BY_KEY.values()]
    user.groups.remove(*Group.objects.filter(name__in=group_names))
    user.groups.add(Group.objects.get(name=ROLES_BY_KEY[role].group_name))


def grant_stores(user: User, stores: list[Store]) -> None:
    for store in stores:
        StoreGrant.objects.get_or_create(user=user, store=store)


def create_token(user: User, name: str = "default") -> tuple[ApiToken, str]:
    """Returns the token and its raw key; the raw key is not stored and cannot be shown again."""
    raw = ApiToken.new_raw_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return token, raw


def revoke_token(user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    auth_changed()  # an update sends no signal


# --- users, from the console (audited; the CLI's create_user above is the same write) -----

USER_AUDITED = ("username", "email", "role", "stores", "is_active")


def user_snapshot(user: User) -> dict:
    from shopops.core.roles import role_of

    role = role_of(user)
    return {
        "username": user.username,
        "email": user.email,
        "role": role.key if role else None,
        "stores": sorted(user.grants.values_list("store__code", flat=True)),
        "is_active": user.is_active,
    }


def _assignable(actor, stores) -> None:
    from shopops.core.access import granted_stores

    allowed = set(granted_stores(actor).values_list("pk", flat=True))
    refused = sorted(s.code for s in stores if s.pk not in allowed)
    if refused:
        raise ValidationError({"stores": f"Not your stores to grant: {', '.join(refused)}."})


@transaction.atomic
def add_user(actor, *, username, password, role, stores, email="", via="web") -> User:
    """A user added by an administrator or a manager: a role and stores the actor may give."""
    _assignable(actor, stores)
    user = create_user(username=username, password=password, role=role, stores=stores, email=email)
    audit.record(actor, user, "create", None, user_snapshot(user), via=via)
    return user


@transaction.atomic
def change_user(actor, user: User, *, role, stores, is_active: bool, email="", via="web") -> User:
    """Role, active and the store grants the actor manages (grants of stores outside the
    actor's own are kept as they are). Nobody deactivates themselves; deactivating revokes
    the user's API tokens."""
    from shopops.core.access import granted_stores

    user = locks.user(user.pk)
    if user.pk == getattr(actor, "pk", None) and not is_active:
        raise ValidationError({"is_active": "You cannot deactivate yourself."})
    _assignable(actor, stores)
    before = user_snapshot(user)
    if role not in ROLES_BY_KEY:
        raise ValidationError({"role": f"Unknown role {role!r}; one of {sorted(ROLES_BY_KEY)}."})
    set_role(user, role)
    mine = granted_stores(actor)
    user.grants.filter(store__in=mine).exclude(store__in=[s.pk for s in stores]).delete()
    grant_stores(user, stores)
    user.is_active, user.email = is_active, email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["is_active", "email"])
    if not is_active:
        ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        auth_changed()  # an update sends no signal
    audit.record(actor, user, "update", before, user_snapshot(user), via=via)
    return user


@transaction.atomic
def reset_password(actor, user: User, password: str, *, via="web") -> None:
    """Sets a new password (validated by the form before); the audit says when and by whom,
    never the password."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, user, "password", None, {"password": "changed"}, via=via)


@transaction.atomic
def revoke_user_token(actor, user: User, token_id: int, *, via="web") -> bool:
    """Revokes one of `user`'s tokens; True if it was live. Refused at once in every process
    (core.token_cache)."""
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).first()
    if token is None:
        return False
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    auth_changed()  # an update sends no signal
    audit.record(actor, user, "revoke_token", {"token": token.prefix}, None, via=via)
    return True
