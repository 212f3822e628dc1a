"""The 预警中心 pages as each role meets them: the empty states, an alert acknowledged and
resolved with its history, a rule created, refused with its field named, tested on a day
and switched off, a channel whose secret is never shown back, the notification centre with
its unread count; who may edit rules and channels, and who does not see alerts at all."""

import re
from decimal import Decimal

import pytest

from shopops.alerts import services
from shopops.alerts.evaluation import Finding
from shopops.alerts.models import Alert, AlertRule, Channel, Delivery, Notification
from shopops.core.access import can

pytestmark = pytest.mark.django_db


def _open(store):
    services.ensure_default_rules(store)
    rule = AlertRule.objects.get(store=store, default_key="stock_safety")
    found = Finding("stock:CUP@HZ", "CUP（保温杯）HZ 可用库存 3，低于安全线 10", "CUP at HZ: 3",
                    Decimal(3), None, {"kind": "sku", "sku": "CUP", "warehouse": "HZ"})  # fmt: skip
    from django.utils import timezone

    return services._open(rule, found, timezone.now())


def test_empty_states_say_what_to_do(as_role, store_a):
    lead = as_role("ops_lead")
    page = lead.get("/alerts/").content.decode()
    assert 'id="alerts-empty"' in page
    assert 'id="channels-empty"' in lead.get("/alerts/channels/").content.decode()
    assert 'id="notifications-empty"' in lead.get("/notifications/").content.decode()
    rules = lead.get("/alerts/rules/").content.decode()
    assert rules.count("data-rule=") == AlertRule.objects.filter(store=store_a).count() == 13


def test_an_alert_acknowledged_and_resolved_keeps_who_did_it(as_role, store_a, role_users):
    alert = _open(store_a)
    warehouse = as_role("warehouse")  # sees alerts, edits no rule
    top = warehouse.get("/alerts/").content.decode()
    assert f'data-alert="{alert.pk}"' in top and 'id="unread-count">1<' in top
    detail = warehouse.get(f"/alerts/{alert.pk}/").content.decode()
    assert "/inventory/?sku=CUP" in detail
    assert Notification.objects.get(user=role_users["warehouse"], alert=alert).read_at
    assert 'id="unread-count"' not in warehouse.get("/alerts/").content.decode()
    warehouse.post(f"/alerts/{alert.pk}/", {"action": "acknowledge", "note": "在补货"})
    as_role("ops_lead").post(f"/alerts/{alert.pk}/", {"action": "resolve", "note": "已到仓"})
    history = warehouse.get(f"/alerts/{alert.pk}/").content.decode()
    assert "warehouse · 在补货" in history and "ops_lead · 已到仓" in history
    alert.refresh_from_db()
    assert alert.state == "resolved"
    assert warehouse.get("/alerts/rules/new/").status_code == 403


def test_a_rule_created_refused_tested_and_switched_off(as_role, store_a):
    lead = as_role("ops_lead")
    form = {"name": "广东销售额低于 1000", "metric": "gmv", "condition": "below",
            "threshold": "1000",
            "direction": "worse", "severity": "warning", "schedule": "daily", "daily_at": "08:30",
            "cooldown_minutes": "60", "enabled": "on", "filters_text": "province:广东"}  # fmt: skip
    bad = lead.post("/alerts/rules/new/", {**form, "metric": "gmvv"})
    assert bad.status_code == 200 and "unknown metric" in bad.content.decode()
    assert not AlertRule.objects.filter(name=form["name"]).exists()
    tested = lead.post("/alerts/rules/new/", {**form, "action": "test", "test_date": "2026-06-01"},
                       follow=True)  # fmt: skip
    rule = AlertRule.objects.get(name=form["name"])
    assert rule.filters == {"province": ["广东"]} and rule.threshold == 1000
    page = tested.content.decode()
    assert 'id="rule-test-skipped"' in page and "no orders before 2026-06-01" in page
    lead.post(f"/alerts/rules/{rule.pk}/", {"action": "toggle"})
    rule.refresh_from_db()
    assert not rule.enabled
    assert not Alert.objects.exists()  # testing wrote nothing


def test_a_rule_tells_the_roles_ticked_and_refuses_unknown_ones(as_role, store_a, role_users):
    lead = as_role("ops_lead")
    form = {"name": "退款率过高", "metric": "refund_rate", "condition": "above",
            "threshold": "0.2", "direction": "worse", "severity": "warning",
            "schedule": "daily", "daily_at": "08:30", "cooldown_minutes": "60",
            "enabled": "on", "roles": ["客服专员", "仓储物流"]}  # fmt: skip
    page = lead.get("/alerts/rules/new/").content.decode()
    assert 'name="roles" value="客服专员"' in page
    assert lead.post("/alerts/rules/new/", form).status_code == 302
    rule = AlertRule.objects.get(name=form["name"])
    assert sorted(rule.roles) == ["仓储物流", "客服专员"]
    told = {role_users["customer_service"].pk, role_users["warehouse"].pk}
    assert services._recipients(rule) == told
    edit = lead.get(f"/alerts/rules/{rule.pk}/").content.decode()
    ticked = re.findall(r'<input type="checkbox" name="roles" value="([^"]+)"[^>]*checked', edit)
    assert sorted(ticked) == ["仓储物流", "客服专员"]
    bad = lead.post("/alerts/rules/new/", {**form, "name": "x", "roles": ["老板"]})
    assert bad.status_code == 200 and not AlertRule.objects.filter(name="x").exists()
    with pytest.raises(services.ValidationError) as refused:
        services.save_rule(None, store_a, name="y", metric="gmv", condition="below",
                           threshold=1, roles=["老板"])  # fmt: skip
    assert "roles" in refused.value.message_dict


def test_a_channel_keeps_its_secret_and_sends_a_test(as_role, store_a):
    lead = as_role("ops_lead")
    made = lead.post("/alerts/channels/new/", {
        "kind": "dingtalk", "name": "运营群", "url": "https://oapi.dingtalk.com/robot/send?access_token=abcdef1234",
        "secret": "SECxyz", "min_severity": "warning", "enabled": "on",
    })  # fmt: skip
    assert made.status_code == 302
    channel = Channel.objects.get(name="运营群")
    page = lead.get("/alerts/channels/").content.decode()
    assert "https://oapi.dingtalk.com/…1234" in page and "abcdef1234" not in page
    edit = lead.get(f"/alerts/channels/{channel.pk}/").content.decode()
    assert "abcdef1234" not in edit and "SECxyz" not in edit
    lead.post(f"/alerts/channels/{channel.pk}/", {"kind": "dingtalk", "name": "运营一群",
                                                  "url": "", "secret": "", "min_severity": "info",
                                                  "enabled": "on"})  # fmt: skip
    channel.refresh_from_db()
    assert channel.name == "运营一群" and channel.secret == "SECxyz" and "abcdef1234" in channel.url
    wrong = lead.post("/alerts/channels/new/", {"kind": "dingtalk", "name": "x", "url": "nope",
                                                "min_severity": "info"})  # fmt: skip
    assert wrong.status_code == 200 and "A full http(s) URL" in wrong.content.decode()
    lead.post("/alerts/channels/", {"channel": channel.pk})
    assert Delivery.objects.get(channel=channel).event == "test"


def test_who_sees_alerts(as_role, role_users, store_a):
    alert = _open(store_a)
    for name, user in role_users.items():
        client = as_role(name)
        status = client.get("/alerts/").status_code
        assert status == (200 if can(user, "alerts") else 403), name
        if not can(user, "alerts", "change"):
            assert client.get("/alerts/channels/new/").status_code == 403, name
    assert as_role("ops_lead").get(f"/alerts/{alert.pk}/").status_code == 200


def test_a_fresh_install_with_no_store(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-long-enough-1")
    client.force_login(admin)
    for url in ("/alerts/", "/alerts/rules/", "/alerts/channels/", "/notifications/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 200 and url != "/notifications/":
            assert (
                "store" in response.content.decode().lower() or "店铺" in response.content.decode()
            )
