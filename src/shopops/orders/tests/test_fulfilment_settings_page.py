"""The team sets the store's fulfilment rules on a page; intake uses them, the audit keeps
the change."""

from decimal import Decimal

import pytest

from shopops.core.models import AuditEntry
from shopops.orders.models import FulfilmentSettings

pytestmark = pytest.mark.postgres

FORM = {
    "shipping_promise_hours": "24",
    "delivery_promise_hours": "72",
    "unpaid_timeout_minutes": "30",
    "duplicate_window_hours": "24",
    "high_amount": "3000.00",
    "stalled_tracking_hours": "48",
}


def test_the_lead_changes_the_rules(as_role, store_a):
    lead = as_role("ops_lead")
    assert lead.get("/orders/settings/").status_code == 200
    assert lead.post("/orders/settings/", FORM).status_code == 302
    rules = FulfilmentSettings.of(store_a)
    assert (rules.shipping_promise_hours, rules.high_amount) == (24, Decimal("3000.00"))
    entry = AuditEntry.objects.get(object_type="orders.fulfilmentsettings")
    assert entry.action == "create" and entry.after["shipping_promise_hours"] == 24
    lead.post("/orders/settings/", {**FORM, "shipping_promise_hours": "36"})
    update = AuditEntry.objects.filter(object_type="orders.fulfilmentsettings").first()
    assert update.action == "update" and update.before == {"shipping_promise_hours": 24}


def test_bad_values_are_refused_and_others_may_not(as_role, store_a):
    lead = as_role("ops_lead")
    answer = lead.post("/orders/settings/", {**FORM, "high_amount": "-1"})
    assert answer.status_code == 200 and "invalid-feedback" in answer.content.decode()
    assert not FulfilmentSettings.objects.filter(store=store_a).exists()
    for role in ("analyst", "content_editor"):
        assert as_role(role).post("/orders/settings/", FORM).status_code in (302, 403), role
    assert not FulfilmentSettings.objects.filter(store=store_a).exists()
