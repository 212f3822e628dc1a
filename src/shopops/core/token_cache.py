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
themselves. An entry is used for at most TTL seconds after its rows were read, the bound for
edits made outside the application (SQL typed into the database).

The cache failing never fails a change or lets a stale entry through: a generation that
cannot be set is logged (the entries then expire by TTL), and a cache that cannot be read
is a miss. An entry whose user fields are not this code's (a deploy that changed the User
model, sharing the cache with the processes before it) is a miss too.
"""

import hashlib
import logging
import time
import uuid

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from shopops.core.models import ApiToken, User, hash_token

log = logging.getLogger(__name__)

GENERATION = "shopops:auth-generation"
TTL = 60
# The last use is written at most once a minute, so a busy client does not write each call.
TOUCH_EVERY = 60
# What the entry keeps of the user: everything but the password hash. The key names them,
# so that an entry made by code with other User fields is never found.
USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname != "password")
PREFIX = "shopops:api-token:" + hashlib.sha256(repr(USER_FIELDS).encode()).hexdigest()[:8] + ":"


def auth_changed() -> None:
    """Tokens, users, roles or permissions changed: no entry read before is used again."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation, robust=True)


def _new_generation() -> str | None:
    generation = uuid.uuid4().hex
    try:
        cache.set(GENERATION, generation, timeout=None)
    except Exception:  # the change itself must not fail; entries expire by TTL
        log.exception("could not renew the auth generation; cached tokens expire in %s s", TTL)
        return None
    return generation


def _read(key: str) -> tuple[str | None, dict | None]:
    """The generation and the entry under `key`; (None, None) when the cache fails."""
    try:
        found = cache.get_many([GENERATION, key])
    except Exception:
        log.exception("could not read the token cache; reading the database")
        return None, None
    # Never set, or culled from a full cache: a new one, which no entry carries.
    return found.get(GENERATION) or _new_generation(), found.get(key)


def _usable(entry, generation) -> bool:
    return (
        isinstance(entry, dict)
        and generation is not None
        and entry.get("generation") == generation
        and time.time() - entry.get("read_at", 0) < TTL
        and set(entry.get("user", ())) == set(USER_FIELDS)
    )


def _store(key: str, entry: dict) -> None:
    """Keep `entry` for what is left of its TTL, counted from when its rows were read."""
    left = TTL - (time.time() - entry["read_at"])
    if left < 1:
        return
    try:
        cache.set(key, entry, timeout=left)
    except Exception:
        log.exception("could not write the token cache")


def user_for_token(raw: str) -> User | None:
    """The active user of a live token, with their permissions loaded, or None."""
    digest = hash_token(raw)
    key = PREFIX + digest
    generation, entry = _read(key)
    if _usable(entry, generation):
        # from_db takes the values in the model's field order, whatever the names say.
        user = User.from_db("default", USER_FIELDS, [entry["user"][n] for n in USER_FIELDS])
        if entry["perms"] is not None:  # a superuser's are not loaded: they are all
            user._perm_cache = set(entry["perms"])
        if _touch(entry["token"], entry["last_used_at"]):
            entry["last_used_at"] = timezone.now()
            _store(key, entry)
        return user
    read_at = time.time()  # before the database: the entry's age counts from here
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if _touch(token.pk, token.last_used_at):
        token.last_used_at = timezone.now()
    user = token.user
    load_permissions(user)
    if generation is not None:
        _store(
            key,
            {
                "generation": generation,
                "read_at": read_at,
                "token": token.pk,
                "last_used_at": token.last_used_at,
                "user": {name: getattr(user, name) for name in USER_FIELDS},
                "perms": getattr(user, "_perm_cache", None),
            },
        )
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
    if user.is_superuser or not user.is_active or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}


def _saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in: nothing a token may do changed
    auth_changed()


def _deleted(sender, **kwargs) -> None:
    auth_changed()


def _m2m(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        auth_changed()


def connect() -> None:
    """Call auth_changed on every save or delete of what a token's authentication depends
    on, and on every change of a user's roles or a role's permissions."""
    uid = "shopops.core.token_cache"
    for model in (ApiToken, User, Group, Permission):
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.save.{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.delete.{model.__name__}")
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_m2m, sender=through, dispatch_uid=f"{uid}.m2m.{through.__name__}")
