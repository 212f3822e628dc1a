import re

import pytest
from django.test import Client

from shopops.core import services

pytestmark = pytest.mark.postgres


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_authenticates_with_same_scoping(role_users, store_b):
    _token, raw = services.create_token(role_users["analyst"])
    client = Client()
    stores = client.get("/api/v1/stores", **bearer(raw))
    assert stores.status_code == 200
    assert [s["code"] for s in stores.json()] == ["alpha"]
    assert client.get("/api/v1/stores/beta", **bearer(raw)).status_code == 404
    # The analyst is read-only: a write with a valid token is still refused.
    patch = client.patch(
        "/api/v1/stores/alpha", {"name": "x"}, content_type="application/json", **bearer(raw)
    )
    assert patch.status_code == 403


def test_token_is_stored_hashed_and_revocable(role_users):
    token, raw = services.create_token(role_users["ops_lead"])
    assert raw not in (token.key_hash, token.prefix)
    client = Client()
    assert client.get("/api/v1/me", **bearer(raw)).json()["username"] == "ops_lead"
    services.revoke_token(role_users["ops_lead"], token.pk)
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401
    assert client.get("/api/v1/me", **bearer("sho_wrong")).status_code == 401


def test_token_writes_need_no_csrf_but_session_writes_do(role_users, store_a):
    _token, raw = services.create_token(role_users["ops_lead"])
    client = Client(enforce_csrf_checks=True)
    ok = client.patch(
        "/api/v1/stores/alpha",
        {"name": "Via token"},
        content_type="application/json",
        **bearer(raw),
    )
    assert ok.status_code == 200
    client.force_login(role_users["ops_lead"])
    refused = client.patch(
        "/api/v1/stores/alpha", {"name": "Via session"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_account_page_creates_token_shown_once(as_role):
    client = as_role("warehouse")
    page = client.post("/account/", {"name": "scanner"}).content.decode()
    raw = re.search(r'<code id="new-token">(sho_[^<]+)</code>', page).group(1)
    assert Client().get("/api/v1/me", **bearer(raw)).json()["username"] == "warehouse"
    assert raw not in client.get("/account/").content.decode()
