"""Brute force is slowed down: sign-in lockout (django-axes) and API token throttling."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shopops.core import services

pytestmark = pytest.mark.postgres

PASSWORD = "Right-pass-2026!"
HERE = "198.51.100.7"
ELSEWHERE = "198.51.100.8"


@pytest.fixture
def lead(store_a):
    return services.create_user(
        username="lead", password=PASSWORD, role="ops_lead", stores=[store_a]
    )


def sign_in(client, password, username="lead", ip=HERE, path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return client.get("/account/", REMOTE_ADDR=HERE).status_code == 200


def test_settings_wire_axes_first():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_five_wrong_passwords_lock_the_username_at_that_address(lead):
    client = Client()
    for _ in range(4):
        wrong = sign_in(client, "guess")
        assert wrong.status_code == 200
        assert "用户名或密码错误" in wrong.content.decode()
    fifth = sign_in(client, "guess")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    html = fifth.content.decode()
    assert "登录已锁定" in html
    assert "连续 5 次登录失败后，账号“lead”在此地址的登录已锁定 15 分钟" in html

    # The right password no longer opens the account from here...
    right = sign_in(client, PASSWORD)
    assert right.status_code == 429
    assert not signed_in(client)
    # ...but does from another address (the lock is username + address).
    other = Client()
    assert sign_in(other, PASSWORD, ip=ELSEWHERE).status_code == 302
    # Nor is another user at the same address locked out.
    services.create_user(username="amy", password=PASSWORD, role="analyst")
    assert sign_in(Client(), PASSWORD, username="amy").status_code == 302


def test_lockout_message_in_english(lead):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    for _ in range(5):
        response = sign_in(client, "guess")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked" in html
    assert "after 5 failed sign-ins, “lead” cannot sign in from this address for 15 minutes" in html


def test_admin_sign_in_is_locked_too(lead):
    lead.is_staff = True
    lead.save()
    client = Client()
    for _ in range(5):
        response = sign_in(client, "guess", path="/admin/login/")
    assert response.status_code == 429
    assert sign_in(client, PASSWORD, path="/admin/login/").status_code == 429


def test_right_password_before_the_limit_clears_the_count(lead):
    client = Client()
    for _ in range(4):
        assert sign_in(client, "guess").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302
    client.post("/logout/", REMOTE_ADDR=HERE)
    for _ in range(4):
        assert sign_in(client, "guess").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302
    assert signed_in(client)


def test_lock_ends_after_the_cool_off(lead):
    client = Client()
    for _ in range(5):
        sign_in(client, "guess")
    assert sign_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, PASSWORD).status_code == 302


def test_an_admin_unlocks_with_the_management_command(lead):
    client = Client()
    for _ in range(5):
        sign_in(client, "guess")
    assert sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset_username", "lead")
    assert sign_in(client, PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_admin_sees_and_clears_lockouts_in_the_admin(lead):
    client = Client()
    for _ in range(5):
        sign_in(client, "guess")
    admin = services.create_user(username="root", password=PASSWORD, superuser=True)
    staff = Client()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "lead" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="lead")
    deleted = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert deleted.status_code == 302
    assert sign_in(client, PASSWORD).status_code == 302


# --- API token throttling -------------------------------------------------------------


def bearer(raw, ip=HERE):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "REMOTE_ADDR": ip}


def test_bad_tokens_are_throttled_with_retry_after(lead):
    _token, good = services.create_token(lead)
    client = Client()
    limit = settings.API_AUTH_FAILURE_LIMIT
    statuses = [client.get("/api/v1/me", **bearer(f"sho_wrong{i}")).status_code for i in range(30)]
    assert statuses == [401] * limit + [429] * (30 - limit)
    throttled = client.get("/api/v1/me", **bearer("sho_wrong"))
    assert throttled.status_code == 429
    retry_after = int(throttled["Retry-After"])
    assert 1 <= retry_after <= settings.API_AUTH_FAILURE_WINDOW
    assert "try again in" in throttled.json()["detail"]
    # While throttled, the address gets 429 even with a good token (tokens are not checked).
    assert client.get("/api/v1/me", **bearer(good)).status_code == 429
    # Other addresses and signed-in sessions are not affected.
    assert client.get("/api/v1/me", **bearer(good, ip=ELSEWHERE)).status_code == 200
    session = Client()
    session.force_login(lead)
    assert session.get("/api/v1/me", REMOTE_ADDR=HERE).status_code == 200


def test_throttle_ends_with_its_window(lead, monkeypatch):
    import time

    from shopops.core import api_auth

    _token, good = services.create_token(lead)
    client = Client()
    for i in range(settings.API_AUTH_FAILURE_LIMIT):
        assert client.get("/api/v1/me", **bearer(f"sho_wrong{i}")).status_code == 401
    assert client.get("/api/v1/me", **bearer(good)).status_code == 429
    later = time.time() + settings.API_AUTH_FAILURE_WINDOW + 1
    monkeypatch.setattr(api_auth.time, "time", lambda: later)
    assert client.get("/api/v1/me", **bearer(good)).status_code == 200
    # The count started again: one more failure is a 401, not a 429.
    assert client.get("/api/v1/me", **bearer("sho_wrong")).status_code == 401


def test_malformed_authorization_counts_and_good_tokens_never_do(lead, settings):
    settings.API_AUTH_FAILURE_LIMIT = 3
    _token, good = services.create_token(lead)
    client = Client()
    for _ in range(20):
        assert client.get("/api/v1/me", **bearer(good)).status_code == 200
    basic = {"HTTP_AUTHORIZATION": "Basic bGVhZDpwYXNz", "REMOTE_ADDR": HERE}
    assert [client.get("/api/v1/me", **basic).status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]
