from shopops.core.models import AuditEntry


def test_admin_store_edit_is_audited_and_audit_is_read_only(
    store_a, store_a_form, django_user_model, client
):
    admin_user = django_user_model.objects.create_superuser("root", password="Root-pass-123")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/core/store/{store_a.pk}/change/",
        store_a_form(commission_rate="0.0700"),
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update")
    assert (entry.after, entry.via, entry.actor) == (
        {"commission_rate": "0.0700"},
        "admin",
        admin_user,
    )
    assert client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/core/store/").status_code == 200
    assert client.get("/admin/core/user/").status_code == 200


def test_role_users_cannot_open_the_admin(as_role):
    response = as_role("ops_lead").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
