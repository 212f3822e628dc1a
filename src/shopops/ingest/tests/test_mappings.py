"""Saving a column mapping from the mapping builder goes through ingest.mappings and leaves
an audit entry with who saved it and what."""

import re

import pytest

from shopops.core.models import AuditEntry
from shopops.ingest import mappings
from shopops.ingest.errors import ImportFailed
from shopops.ingest.models import ImportRun, SavedMapping
from shopops.ingest.tests.test_web_and_api import upload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ERP = "单号,实付金额,下单时间,付款时间\nE1,88.00,2024-06-18 20:00,2024-06-18 20:01\n"
PICKS = {
    "pick_order_id": "单号",
    "pick_paid_amount": "实付金额",
    "pick_created_at": "下单时间",
    "pick_paid_at": "付款时间",
}


def _build_and_import(client, **extra):
    page = client.post("/imports/mapping/", {"kind": "orders", "file": upload("erp.csv", ERP)})
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    return client.post("/imports/mapping/import/", {"token": token, **PICKS, **extra})


def test_saving_a_mapping_writes_an_audit_entry_with_who_and_what(
    as_role, role_users, store_a, django_capture_on_commit_callbacks
):
    client = as_role("product_ops")
    with django_capture_on_commit_callbacks(execute=True):
        assert _build_and_import(client, save_as="ERP 订单").status_code == 302
    saved = SavedMapping.objects.get(store=store_a, name="ERP 订单")
    entry = AuditEntry.objects.get(object_type="ingest.savedmapping", object_id=str(saved.pk))
    assert (entry.actor, entry.actor_name, entry.store, entry.action, entry.via) == (
        role_users["product_ops"],
        "product_ops",
        store_a,
        "create",
        "web",
    )
    assert entry.before is None
    assert entry.after["name"] == "ERP 订单" and entry.after["kind"] == "orders"
    assert entry.after["options"]["columns"] == {
        "单号": "order_id",
        "实付金额": "paid_amount",
        "下单时间": "created_at",
        "付款时间": "paid_at",
    }
    assert saved.created_by == role_users["product_ops"]

    # Saved again under the same name by someone else with a date format: one update entry
    # holding what changed.
    lead = as_role("ops_lead")
    with django_capture_on_commit_callbacks(execute=True):
        again = _build_and_import(lead, save_as="ERP 订单", datetime_format="%Y-%m-%d %H:%M")
    assert again.status_code == 302
    update = AuditEntry.objects.filter(object_type="ingest.savedmapping").latest("pk")
    assert (update.actor_name, update.action) == ("ops_lead", "update")
    assert set(update.before) == set(update.after) == {"options"}
    assert "datetime_format" not in update.before["options"]
    assert update.after["options"]["datetime_format"] == "%Y-%m-%d %H:%M"
    assert SavedMapping.objects.filter(store=store_a).count() == 1


def test_an_import_without_save_as_saves_nothing(
    as_role, store_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _build_and_import(as_role("product_ops")).status_code == 302
    assert not SavedMapping.objects.exists()
    assert not AuditEntry.objects.filter(object_type="ingest.savedmapping").exists()


def test_a_name_too_long_is_refused_before_anything_is_saved_or_queued(as_role, store_a):
    answer = _build_and_import(as_role("product_ops"), save_as="长" * 101)
    assert answer.status_code == 200  # the builder again, saying why
    assert str(mappings.NAME_LENGTH) in answer.content.decode()
    assert not SavedMapping.objects.exists() and not ImportRun.objects.exists()


def test_the_service(store_a, role_users):
    options = {"kind": "orders", "columns": {"a": "order_id"}}
    user = role_users["ops_lead"]
    made = mappings.save_mapping(user, store_a, name=" M ", kind="orders", options=options)
    assert made.name == "M"
    # The same again changes nothing and writes no second entry.
    mappings.save_mapping(user, store_a, name="M", kind="orders", options=options)
    assert AuditEntry.objects.filter(object_type="ingest.savedmapping").count() == 1
    with pytest.raises(ImportFailed):
        mappings.save_mapping(user, store_a, name="  ", kind="orders", options=options)
