"""Token authentication from the shared cache: no query when warm, and still refused on the
very next request after anything it depends on changes, whichever way it changed."""

from datetime import timedelta

import pytest
from conftest import PASSWORD
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shopops.core import services, token_cache
from shopops.core.models import ApiToken, hash_token
from shopops.core.roles import ROLES_BY_KEY, VIEW_COSTS

pytestmark = pytest.mark.postgres


def _me(raw):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def _warm(user):
    token, raw = services.create_token(user, "robot")
    assert _me(raw).status_code == 200  # reads the database, fills the cache
    return token, raw


def test_a_warm_token_costs_no_query_and_keeps_no_password(role_users):
    user = role_users["ops_lead"]
    _token, raw = _warm(user)
    with CaptureQueriesContext(connection) as asked:
        assert token_cache.user_for_token(raw).pk == user.pk
    assert asked.captured_queries == []
    entry = cache.get(token_cache.PREFIX + hash_token(raw))
    assert user.password not in entry["user"]
    assert entry["perms"] and f"core.{VIEW_COSTS}" in entry["perms"]
    # The user comes back with the permissions it had; the password is read only if asked.
    cached = token_cache.user_for_token(raw)
    assert cached.has_perm(f"core.{VIEW_COSTS}")
    assert "password" in cached.get_deferred_fields()


@pytest.mark.parametrize(
    "change",
    [
        "revoke_token",  # services, a QuerySet.update
        "revoke_user_token",  # the console
        "deactivate",  # the console's user form
        "token_saved",  # the admin saves the model
        "token_deleted",
        "user_deleted",
    ],
)
def test_a_warm_token_is_refused_on_the_next_request(role_users, store_a, change):
    lead, user = role_users["ops_lead"], role_users["analyst"]
    token, raw = _warm(user)
    if change == "revoke_token":
        services.revoke_token(user, token.pk)
    elif change == "revoke_user_token":
        assert services.revoke_user_token(lead, user, token.pk)
    elif change == "deactivate":
        services.change_user(lead, user, role="analyst", stores=[store_a], is_active=False)
    elif change == "token_saved":
        token.revoked_at = timezone.now()
        token.save()
    elif change == "token_deleted":
        token.delete()
    else:
        user.delete()
    assert _me(raw).status_code == 401


def test_a_role_or_permission_change_is_seen_on_the_next_request(role_users):
    user = role_users["ops_lead"]
    _token, raw = _warm(user)
    assert _me(raw).json()["can_see_costs"] is True
    services.set_role(user, "warehouse")  # m2m of the user's groups
    me = _me(raw).json()
    assert (me["role"], me["can_see_costs"]) == ("warehouse", False)
    group = Group.objects.get(name=ROLES_BY_KEY["warehouse"].group_name)
    perm = Permission.objects.get(codename=VIEW_COSTS)
    group.permissions.add(perm)  # m2m of the role's permissions
    assert _me(raw).json()["can_see_costs"] is True
    group.permissions.remove(perm)
    assert _me(raw).json()["can_see_costs"] is False


def test_a_change_made_around_the_cache_is_refused_once_it_is_announced(role_users):
    user = role_users["ops_lead"]
    token, raw = _warm(user)
    # An update sends no signal: the warm entry still answers, until TTL or auth_changed.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert _me(raw).status_code == 200
    token_cache.auth_changed()
    assert _me(raw).status_code == 401


def test_a_lost_generation_reads_the_database_again(role_users):
    user = role_users["ops_lead"]
    _token, raw = _warm(user)
    cache.delete(token_cache.GENERATION)  # culled from a full cache
    with CaptureQueriesContext(connection) as asked:
        assert _me(raw).status_code == 200
    assert any("core_apitoken" in q["sql"] for q in asked.captured_queries)
    with CaptureQueriesContext(connection) as again:
        assert _me(raw).status_code == 200
    assert not any("core_apitoken" in q["sql"] for q in again.captured_queries)


def test_the_last_use_is_still_recorded_once_a_minute(role_users, monkeypatch):
    user = role_users["ops_lead"]
    token, raw = _warm(user)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert _me(raw).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within the minute
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(token_cache.timezone, "now", lambda: later)
    assert _me(raw).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == later
    with CaptureQueriesContext(connection) as asked:
        assert _me(raw).status_code == 200
    assert not any("core_apitoken" in q["sql"] for q in asked.captured_queries)


def test_a_superuser_from_the_cache_still_has_every_permission(role_users, store_b):
    boss = services.create_user(username="boss", password=None, superuser=True)
    _token, raw = _warm(boss)
    with CaptureQueriesContext(connection) as asked:
        cached = token_cache.user_for_token(raw)
    assert asked.captured_queries == []
    assert cached.is_superuser and cached.has_perm(f"core.{VIEW_COSTS}")
    assert {"alpha", "beta"} <= set(_me(raw).json()["stores"])


def test_an_entry_of_other_user_fields_or_past_its_age_is_not_used(role_users, monkeypatch):
    user = role_users["analyst"]
    _token, raw = _warm(user)
    key = token_cache.PREFIX + hash_token(raw)
    entry = cache.get(key)
    # A process whose User had one more field (a deploy sharing the cache) made it.
    cache.set(key, {**entry, "user": {**entry["user"], "nickname": "x"}})
    assert not token_cache._usable(cache.get(key), cache.get(token_cache.GENERATION))
    assert token_cache.user_for_token(raw).username == "analyst"  # from the database
    fresh = cache.get(key)
    assert token_cache._usable(fresh, cache.get(token_cache.GENERATION))
    later = fresh["read_at"] + token_cache.TTL + 1
    monkeypatch.setattr(token_cache.time, "time", lambda: later)
    assert not token_cache._usable(fresh, cache.get(token_cache.GENERATION))


def test_a_sign_in_keeps_the_cached_tokens(role_users):
    user = role_users["analyst"]
    _warm(user)
    generation = cache.get(token_cache.GENERATION)
    assert (
        Client().post("/login/", {"username": "analyst", "password": PASSWORD}).status_code == 302
    )
    assert cache.get(token_cache.GENERATION) == generation
    user.email = "analyst@example.com"
    user.save()
    assert cache.get(token_cache.GENERATION) != generation


def test_a_failing_cache_fails_no_revoke_and_no_request(role_users, monkeypatch):
    user = role_users["analyst"]
    token, raw = _warm(user)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    backend = caches["default"]  # the backend itself, not the proxy
    monkeypatch.setattr(backend, "set", down)
    monkeypatch.setattr(backend, "get_many", down)
    assert token_cache.user_for_token(raw).pk == user.pk  # from the database
    services.revoke_token(user, token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert token_cache.user_for_token(raw) is None
