"""/api/v1/alerts: the roles that see alerts list and acknowledge them; only the ops lead
(and the admin) write rules and channels; a bad rule is a 422 naming its field; a channel's
URL and secret are never answered."""

import pytest

from shopops.alerts.models import Alert, AlertRule
from shopops.alerts.tests.test_pages import _open

pytestmark = pytest.mark.django_db


def test_alerts_listed_acknowledged_and_resolved(as_role, store_a):
    alert = _open(store_a)
    warehouse = as_role("warehouse")
    listed = warehouse.get("/api/v1/alerts?store=alpha").json()
    assert [a["id"] for a in listed] == [alert.pk] and listed[0]["severity"] == "critical"
    acked = warehouse.post(f"/api/v1/alerts/{alert.pk}/acknowledge", {"note": "在补货"},
                           content_type="application/json")  # fmt: skip
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    again = warehouse.post(f"/api/v1/alerts/{alert.pk}/acknowledge", {},
                           content_type="application/json")  # fmt: skip
    assert again.status_code == 422
    done = warehouse.post(f"/api/v1/alerts/{alert.pk}/resolve", {"note": "到仓"},
                          content_type="application/json")  # fmt: skip
    assert done.json()["state"] == "resolved"
    assert warehouse.get("/api/v1/alerts?store=alpha").json() == []
    assert len(warehouse.get("/api/v1/alerts?store=alpha&state=all").json()) == 1
    assert as_role("customer_service").get("/api/v1/alerts").status_code == 403


def test_rules_and_channels_are_written_by_the_ops_lead_only(as_role, store_a):
    lead, warehouse = as_role("ops_lead"), as_role("warehouse")
    rules = lead.get("/api/v1/alerts/rules?store=alpha").json()
    assert len(rules) == 13
    body = {"name": "ROI 低于 2", "metric": "roi", "condition": "below", "threshold": "2"}
    assert warehouse.post("/api/v1/alerts/rules?store=alpha", body,
                          content_type="application/json").status_code == 403  # fmt: skip
    made = lead.post("/api/v1/alerts/rules?store=alpha", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["threshold"] == "2"
    bad = lead.post("/api/v1/alerts/rules?store=alpha", {**body, "metric": "roii"},
                    content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "metric" in str(bad.json())
    off = lead.patch(f"/api/v1/alerts/rules/{made.json()['id']}", {"enabled": False},
                     content_type="application/json")  # fmt: skip
    assert off.json()["enabled"] is False
    assert not AlertRule.objects.get(pk=made.json()["id"]).enabled
    channel = lead.post("/api/v1/alerts/channels?store=alpha", {
        "kind": "wecom", "name": "企业微信群",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-0000-9999",
    }, content_type="application/json")  # fmt: skip
    assert channel.status_code == 201
    answered = str(lead.get("/api/v1/alerts/channels?store=alpha").json())
    assert "KEY-0000" not in answered and "…9999" in answered
    queued = lead.post(f"/api/v1/alerts/channels/{channel.json()['id']}/test")
    assert queued.status_code == 202
    assert not Alert.objects.exists()
