"""The team's users are managed in the console: by an administrator over everyone, by the
operations lead over the people of their own stores only; every change is audited."""

import pytest
from django.test import Client

from shopops.core import services
from shopops.core.models import ApiToken, AuditEntry, StoreGrant, User
from shopops.core.roles import role_of

pytestmark = pytest.mark.postgres

GOOD = "Team-member-2026!"


@pytest.fixture
def admin(db):
    user = services.create_user(username="root", password=GOOD, superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _add(client, **fields):
    data = {"username": "mei", "email": "mei@example.com", "role": "customer_service"}
    data.update({"password1": GOOD, "password2": GOOD, **fields})
    return client.post("/users/new/", data)


def test_an_administrator_adds_a_user_who_can_then_sign_in(admin, store_a, store_b):
    answer = _add(admin, stores=[store_a.pk, store_b.pk])
    assert answer.status_code == 302 and answer.url == "/users/mei/"
    mei = User.objects.get(username="mei")
    assert role_of(mei).key == "customer_service"
    assert set(mei.grants.values_list("store__code", flat=True)) == {store_a.code, store_b.code}
    entry = AuditEntry.objects.get(object_type="core.user", action="create")
    assert entry.actor_name == "root" and entry.after["stores"] == sorted(
        [store_a.code, store_b.code]
    )
    assert GOOD not in str(entry.after)
    fresh = Client()
    signed = fresh.post("/login/", {"username": "mei", "password": GOOD})
    assert signed.status_code == 302
    listed = admin.get("/users/")
    assert listed.status_code == 200 and 'data-user="mei"' in listed.content.decode()


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(admin, store_a):
    weak = _add(admin, password1="123", password2="123", stores=[store_a.pk])
    assert weak.status_code == 200 and "invalid-feedback" in weak.content.decode()
    clash = _add(admin, password2=GOOD + "x")
    assert clash.status_code == 200
    assert not User.objects.filter(username="mei").exists()
    assert not AuditEntry.objects.filter(object_type="core.user").exists()


def test_the_lead_manages_only_the_people_of_their_stores(as_role, role_users, store_a, store_b):
    lead = as_role("ops_lead")
    outsider = services.create_user(username="bo", password=GOOD, role="analyst", stores=[store_b])
    page = lead.get("/users/").content.decode()
    assert 'data-user="analyst"' in page and 'data-user="bo"' not in page
    assert lead.get("/users/bo/").status_code == 404
    # Store B is not the lead's: it is not offered, and posting it is refused.
    form = lead.get("/users/new/").content.decode()
    assert store_a.name in form and store_b.name not in form
    refused = _add(lead, stores=[store_b.pk])
    assert refused.status_code == 200 and not User.objects.filter(username="mei").exists()
    assert _add(lead, stores=[store_a.pk]).status_code == 302
    # Changing a user the lead shares a store with keeps the grants of other stores.
    StoreGrant.objects.create(user=role_users["analyst"], store=store_b)
    assert lead.get("/users/analyst/").status_code == 404  # now also in store B: not theirs
    assert outsider.grants.count() == 1


def test_roles_that_may_not_manage_users_are_refused(as_role):
    for role in ("product_ops", "customer_service", "warehouse", "analyst", "content_editor"):
        client = as_role(role)
        assert client.get("/users/").status_code in (403, 302), role
        assert client.post("/users/new/", {}).status_code in (403, 302), role


def test_change_role_stores_state_password_and_tokens(admin, store_a, store_b):
    _add(admin, stores=[store_a.pk])
    mei = User.objects.get(username="mei")
    _token, raw = services.create_token(mei, "robot")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get("/api/v1/me", **bearer).status_code == 200
    changed = admin.post(
        "/users/mei/",
        {"action": "change", "role": "analyst", "stores": [store_b.pk], "is_active": "on"},
    )
    assert changed.status_code == 302
    mei.refresh_from_db()
    assert role_of(mei).key == "analyst"
    assert list(mei.grants.values_list("store__code", flat=True)) == [store_b.code]
    token = ApiToken.objects.get(user=mei)
    revoked = admin.post("/users/mei/", {"action": "revoke", "token": token.pk})
    assert revoked.status_code == 302
    assert Client().get("/api/v1/me", **bearer).status_code == 401  # the very next request
    short = admin.post(
        "/users/mei/", {"action": "password", "new_password1": "x", "new_password2": "x"}
    )
    assert short.status_code == 200 and "invalid-feedback" in short.content.decode()
    new = "Another-secret-2027!"
    reset = admin.post(
        "/users/mei/", {"action": "password", "new_password1": new, "new_password2": new}
    )
    assert reset.status_code == 302
    assert Client().post("/login/", {"username": "mei", "password": new}).status_code == 302
    off = admin.post("/users/mei/", {"action": "change", "role": "analyst", "stores": []})
    assert off.status_code == 302
    mei.refresh_from_db()
    assert not mei.is_active and not mei.grants.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="core.user")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "revoke_token", "password", "update"]


def test_nobody_deactivates_themselves(as_role, role_users, store_a):
    lead = as_role("ops_lead")
    me = role_users["ops_lead"]
    answer = lead.post(
        "/users/ops_lead/", {"action": "change", "role": "ops_lead", "stores": [store_a.pk]}
    )
    assert answer.status_code == 200 and "invalid-feedback" in answer.content.decode()
    me.refresh_from_db()
    assert me.is_active
