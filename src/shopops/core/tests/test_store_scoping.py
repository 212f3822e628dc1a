"""A user sees only granted stores; other stores' objects do not exist for them (404)."""

import pytest
from django.urls import reverse

from shopops.core.models import Store

pytestmark = pytest.mark.postgres


@pytest.fixture
def lead(as_role):
    return as_role("ops_lead")


def test_list_shows_only_granted_stores(lead):
    assert [s["code"] for s in lead.get("/api/v1/stores").json()] == ["alpha"]
    page = lead.get(reverse("core:store_list")).content.decode()
    assert "alpha" in page
    assert "Beta Shop" not in page


@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("core:store_detail", args=["beta"]),
        lambda: reverse("core:store_edit", args=["beta"]),
        lambda: "/api/v1/stores/beta",
        lambda: reverse("core:audit_log") + "?store=beta",
        lambda: "/api/v1/audit?store=beta",
    ],
)
def test_other_store_reads_are_404(lead, store_b, url):
    assert lead.get(url()).status_code == 404


def test_other_store_writes_are_404_and_change_nothing(lead, store_b):
    api = lead.patch(
        "/api/v1/stores/beta", {"commission_rate": "0.5"}, content_type="application/json"
    )
    assert api.status_code == 404
    page = lead.post(
        reverse("core:store_edit", args=["beta"]),
        {
            "name": "Hijacked",
            "platform": "own",
            "currency": "CNY",
            "timezone": "Asia/Shanghai",
            "commission_rate": "0.9",
            "is_active": "on",
        },
    )
    assert page.status_code == 404
    switch = lead.post(reverse("core:switch_store"), {"store": "beta"})
    assert switch.status_code == 404
    store_b.refresh_from_db()
    assert (store_b.name, str(store_b.commission_rate)) == ("Beta Shop", "0.0290")


def test_unknown_store_is_404_too(lead):
    assert lead.get("/api/v1/stores/nope").status_code == 404


def test_store_switcher_keeps_to_granted_stores(role_users, store_a, store_b, login_as):
    from shopops.core.services import grant_stores

    user = role_users["analyst"]
    grant_stores(user, [store_b])
    client = login_as(user)
    assert client.post(reverse("core:switch_store"), {"store": "beta"}).status_code == 302
    assert "Beta Shop" in client.get("/").content.decode()
    user.grants.filter(store=store_b).delete()
    # The session still names beta, but the grant is gone: back to a granted store.
    assert "Alpha 旗舰店" in client.get("/").content.decode()


def test_superuser_sees_every_store(django_user_model, store_a, store_b, login_as):
    admin = django_user_model.objects.create_superuser("root", password="x-Long-pass-1")
    codes = [s["code"] for s in login_as(admin).get("/api/v1/stores").json()]
    assert codes == list(Store.objects.order_by("code").values_list("code", flat=True))
