"""The team sets the daily report's core metrics, time and thresholds on a page; the next
report uses them and the change is audited."""

from datetime import time
from decimal import Decimal

import pytest

from shopops.core.models import AuditEntry
from shopops.monitoring import daily_report
from shopops.monitoring.models import ReportSettings

pytestmark = pytest.mark.postgres


def test_the_lead_sets_core_metrics_and_thresholds(as_role, store_a):
    lead = as_role("ops_lead")
    page = lead.get("/reports/daily/settings/")
    assert page.status_code == 200 and 'data-metric="gmv"' in page.content.decode()
    answer = lead.post(
        "/reports/daily/settings/",
        {
            "core_metrics": "gmv, orders, aov",
            "send_at": "09:15",
            "baseline__gmv": "15",
            "target__gmv": "90",
            "baseline__orders": "",
        },
    )
    assert answer.status_code == 302
    saved = ReportSettings.objects.get(store=store_a)
    assert saved.core_metrics == ["gmv", "orders", "aov"] and saved.send_at == time(9, 15)
    assert saved.thresholds == {"gmv": {"baseline": "0.15", "target": "0.9"}}
    assert daily_report.thresholds(store_a)["gmv"]["baseline"] == Decimal("0.15")
    entry = AuditEntry.objects.get(object_type="monitoring.reportsettings")
    assert entry.action == "create" and entry.after["thresholds"] == saved.thresholds
    shown = lead.get("/reports/daily/settings/").content.decode()
    assert 'value="15.0"' in shown and 'value="90.0"' in shown


def test_bad_settings_are_refused_on_the_form(as_role, store_a):
    lead = as_role("ops_lead")
    for data in (
        {"core_metrics": "gmv, nope", "send_at": "08:30"},
        {"core_metrics": "gmv, gmv", "send_at": "08:30"},
        {"core_metrics": "gmv", "send_at": "08:30", "baseline__gmv": "150"},
        {"core_metrics": "", "send_at": "08:30"},
    ):
        answer = lead.post("/reports/daily/settings/", data)
        assert answer.status_code == 200, data
        assert "invalid-feedback" in answer.content.decode(), data
    assert not ReportSettings.objects.exists()


def test_roles_that_may_not_change_the_report_are_refused(as_role, store_a):
    for role in ("analyst", "warehouse", "customer_service"):
        assert as_role(role).get("/reports/daily/settings/").status_code in (403, 302), role
