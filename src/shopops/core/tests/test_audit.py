from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from shopops.core import services
from shopops.core.models import AuditEntry

pytestmark = pytest.mark.postgres


def test_store_change_records_who_when_before_after(role_users, store_a, as_role):
    response = as_role("ops_lead").patch(
        "/api/v1/stores/alpha", {"commission_rate": "0.0600"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["commission_rate"] == "0.0600"
    entry = AuditEntry.objects.filter(store=store_a, action="update").get()
    assert entry.actor == role_users["ops_lead"]
    assert entry.via == "api"
    assert entry.before == {"commission_rate": "0.0500"}
    assert entry.after == {"commission_rate": "0.0600"}


def test_unchanged_save_is_not_recorded(store_a):
    services.update_store(None, store_a, name=store_a.name)
    assert not AuditEntry.objects.filter(action="update").exists()


def test_invalid_change_is_refused_and_nothing_recorded(as_role, store_a):
    response = as_role("ops_lead").patch(
        "/api/v1/stores/alpha", {"timezone": "Mars/Olympus"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "timezone" in response.json()["detail"]
    store_a.refresh_from_db()
    assert store_a.timezone == "Asia/Shanghai"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_page_edit_is_audited(as_role, store_a, store_a_form):
    response = as_role("ops_lead").post(
        "/stores/alpha/edit/",
        store_a_form(commission_rate="0.0450"),
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update")
    assert (entry.before, entry.after, entry.via) == (
        {"commission_rate": "0.0500"},
        {"commission_rate": "0.0450"},
        "web",
    )
    store_a.refresh_from_db()
    assert store_a.commission_rate == Decimal("0.0450")


def test_append_only_in_orm(store_a):
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(action="forged")


@pytest.mark.parametrize(
    "sql", ["UPDATE core_auditentry SET action = 'forged'", "DELETE FROM core_auditentry"]
)
def test_append_only_in_the_database(store_a, sql):
    if sql.startswith("DELETE") and connection.vendor == "sqlite":
        pytest.skip("SQLite refuses UPDATE only (see migration 0002); DELETE via the ORM")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.filter(action="create").count() == 1


def test_audit_page_visible_to_ops_lead_only(as_role, store_a):
    page = as_role("ops_lead").get("/audit/").content.decode()
    assert "Alpha 旗舰店" in page
    assert as_role("analyst").get("/audit/").status_code == 403


def test_page_create_store_grants_it_to_the_creator_and_is_audited(as_role, role_users):
    client = as_role("ops_lead")
    response = client.post(
        "/stores/new/",
        {
            "code": "jd01",
            "name": "京东自营",
            "platform": "jd",
            "currency": "CNY",
            "timezone": "Asia/Shanghai",
            "commission_rate": "0.0800",
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and response.url == "/stores/jd01/"
    assert "京东自营" in client.get("/stores/jd01/").content.decode()
    entry = AuditEntry.objects.get(action="create", object_repr__contains="jd01")
    assert entry.actor == role_users["ops_lead"]
    assert entry.after["commission_rate"] == "0.0800"
    bad = client.post(
        "/stores/new/",
        {
            "code": "Bad Code",
            "name": "x",
            "platform": "jd",
            "currency": "cny",
            "timezone": "Nowhere",
            "commission_rate": "2",
        },
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert html.count("invalid-feedback") >= 3
