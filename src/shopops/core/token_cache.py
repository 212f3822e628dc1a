"""API token authentications kept in the shared cache, so that a channel's token costs no
query on most requests (two before: the token with its user, then the permissions).

An entry holds what a request needs: the token's pk and last use, the user's fields except
the password hash (the rest is read from the database if ever asked), and the user's
permissions. Every entry is tagged with the auth generation it was read under; any change
to tokens, users, roles or permissions sets a new generation (`auth_changed`), and an entry
of another generation is not used. So a revoked token or a deactivated user is refused on the
very next request, in every process that shares the cache:

- the generation is read before the database, so an entry read just before a change is
  tagged with the old generation and never used after it;
- it is set anew when the change is made and again when its transaction commits, so that a
  request that read the old rows between the two cannot leave a usable entry behind.

Model saves and deletes, role and permission changes (m2m) call it through signals
(`connect`); writes that bypass signals (QuerySet.update of tokens or users) call it
themselves. Entries also expire after TTL seconds, the bound for edits made outside the
application (SQL typed into the database).
"""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from shopops.core.models import ApiToken, User, hash_token

GENERATION = "shopops:auth-generation"
PREFIX = "shopops:api-token:"
TTL = 60
# The last use is written at most once a minute, so a busy client does not write each call.
TOUCH_EVERY = 60
# What the entry keeps of the user: everything but the password hash.
USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname not in ("password",))


def auth_changed() -> None:
    """Tokens, users, roles or permissions changed: no entry read before is used again."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> str:
    generation = uuid.uuid4().hex
    cache.set(GENERATION, generation, timeout=None)
    return generation


def user_for_token(raw: str) -> User | None:
    """The active user of a live token, with their permissions loaded, or None."""
    key = PREFIX + hash_token(raw)
    found = cache.get_many([GENERATION, key])
    generation = found.get(GENERATION)
    if generation is None:  # never set, or culled from a full cache
        generation = _new_generation()
    entry = found.get(key)
    if entry is not None and entry["generation"] == generation:
        user = User.from_db("default", USER_FIELDS, entry["user"])
        if entry["perms"] is not None:  # a superuser's are not loaded: they are all
            user._perm_cache = entry["perms"]
        if _touch(entry["token"], entry["last_used_at"]):
            entry["last_used_at"] = timezone.now()
            cache.set(key, entry, timeout=TTL)
        return user
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if _touch(token.pk, token.last_used_at):
        token.last_used_at = timezone.now()
    user = token.user
    load_permissions(user)
    entry = {
        "generation": generation,
        "token": token.pk,
        "last_used_at": token.last_used_at,
        "user": [getattr(user, name) for name in USER_FIELDS],
        "perms": getattr(user, "_perm_cache", None),
    }
    cache.set(key, entry, timeout=TTL)
    return user


def _touch(token_pk: int, last_used_at) -> bool:
    """Record the token's use if the last one is older than a minute; True if it did."""
    now = timezone.now()
    if last_used_at is not None and (now - last_used_at).total_seconds() <= TOUCH_EVERY:
        return False
    ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
    return True


def load_permissions(user) -> None:
    """The user's permissions in one query instead of ModelBackend's two (user, then group),
    stored where ModelBackend.get_all_permissions looks first. A superuser has every
    permission without a query, as in Django, and an inactive user none."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    if user.is_superuser or not user.is_active or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}


def _changed(sender, **kwargs) -> None:
    auth_changed()


def connect() -> None:
    """Call auth_changed on every save or delete of what a token's authentication depends
    on, and on every change of a user's roles or a role's permissions."""
    from django.contrib.auth.models import Group, Permission

    uid = "shopops.core.token_cache"
    for model in (ApiToken, User, Group, Permission):
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete.{model.__name__}")
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"{uid}.m2m.{through.__name__}")
