"""预警中心 in a real browser, in Chinese (issue 15): the evaluation of a day whose
conversion fell opens two alerts; the top bar counts them unread, the notification centre
lists them, one opens its diagnosis of the day and is acknowledged, and its history shows
who did it; a rule is created, tested on that day (what would fire, nothing sent) and
switched off."""

from datetime import datetime, time, timedelta

import pytest

from shopops.alerts import services
from shopops.alerts.models import AlertRule
from shopops.alerts.tests.test_metric_rules import DAY, store  # noqa: F401
from shopops.analytics.queries import metrics
from shopops.core import services as core_services
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_alert_from_notification_to_acknowledged_and_a_rule_tested(
    live_server,
    page,
    screenshot_dir,
    store,  # noqa: F811
):
    core_services.create_user(username="lead", password="Lead-pass-123", role="ops_lead",
                              stores=[store])  # fmt: skip
    rules = list(AlertRule.objects.filter(store=store).exclude(metric=""))
    morning = datetime.combine(DAY + timedelta(days=1), time(9), store.zone)
    opened = services.run(store, rules=rules, now=morning, day=DAY).opened
    assert {a.rule.default_key for a in opened} == {"cvr_unusual", "gmv_week"}
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    assert page.inner_text("#unread-count") == "2"
    page.click("#notification-bell")
    page.wait_for_selector("#notification-list")
    assert page.locator("#notification-list li[data-unread='1']").count() == 2
    page.click("#notification-list a:has-text('转化率')")
    page.wait_for_selector("#alert-detail")
    assert "转化率异常下降" in page.inner_text("#alert-detail")
    assert "稳健 z 分数" in page.inner_text("#alert-detail")
    assert page.inner_text("#unread-count") == "1"
    page.fill("#alert-actions input[name=note]", "已排查：详情页改版导致")
    page.click("#alert-actions button[value=acknowledge]")
    page.wait_for_selector("#alert-detail[data-state=acknowledged]")
    history = page.inner_text("#alert-history")
    assert "已确认" in history and "lead · 已排查：详情页改版导致" in history
    page.screenshot(path=str(screenshot_dir / "alert-detail.png"), full_page=True)
    page.click("#alert-subject")  # the diagnosis of the day
    page.wait_for_load_state()
    assert "/metrics/explain/" in page.url and f"start={DAY}" in page.url
    assert "支付转化率" in page.inner_text("body")
    page.goto(f"{live_server.url}/alerts/")
    assert page.locator("#alert-list tr[data-alert]").count() == 2
    page.screenshot(path=str(screenshot_dir / "alerts-center.png"), full_page=True)
    # A rule, created and tested on the day, then switched off.
    page.goto(f"{live_server.url}/alerts/rules/new/")
    page.fill("#id_name", "销售额低于 4000")
    page.fill("#id_metric", "gmv")
    page.select_option("#id_condition", "below")
    page.fill("#id_threshold", "4000")
    page.fill("#test-date", DAY.isoformat())
    page.click("#test-rule")
    page.wait_for_selector("#rule-test")
    findings = page.inner_text("#rule-test-findings")
    (day,) = metrics(["gmv"], store, DAY, DAY, "none")  # read directly
    assert f"销售额 ¥{day['gmv']:,.2f}，低于 ¥4,000.00" in findings, findings
    page.screenshot(path=str(screenshot_dir / "alert-rule-test.png"), full_page=True)
    page.goto(f"{live_server.url}/alerts/rules/")
    rule = AlertRule.objects.get(store=store, name="销售额低于 4000")
    row = page.locator(f"#rule-list tr[data-rule='{rule.pk}']")
    row.locator("button[value=toggle]").click()
    page.wait_for_selector(f"#rule-list tr[data-rule='{rule.pk}'][data-enabled='0']")
    assert "关闭" in page.inner_text(f"#rule-list tr[data-rule='{rule.pk}']")


def test_a_benchmark_entered_and_a_rule_told_to_roles(live_server, page, screenshot_dir, store_a):
    core_services.create_user(username="lead", password="Lead-pass-123", role="ops_lead",
                              stores=[store_a])  # fmt: skip
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    page.goto(f"{live_server.url}/alerts/benchmarks/")
    assert "ctr" in page.inner_text("#benchmarks-unset")  # the default CTR rule waits
    page.fill("#benchmark-form input[name=metric]", "点击率")
    page.fill("#benchmark-form input[name=value]", "3.5%")
    page.fill("#benchmark-form input[name=source]", "生意参谋 行业大盘")
    page.click("#benchmark-form button[type=submit]")
    page.wait_for_selector("#benchmarks tr[data-benchmark=ctr]")
    row = page.inner_text("#benchmarks tr[data-benchmark=ctr]")
    assert "3.50%" in row and "规则在用" in row and "生意参谋" in row
    assert page.locator("#benchmarks-unset").count() == 0
    page.screenshot(path=str(screenshot_dir / "alert-benchmarks.png"), full_page=True)
    rule = AlertRule.objects.get(store=store_a, default_key="stock_safety")
    page.goto(f"{live_server.url}/alerts/rules/{rule.pk}/")
    page.check("input[name=roles][value=仓储物流]")
    page.click("button[value=save]")
    page.wait_for_selector("#rule-list")
    rule.refresh_from_db()
    assert rule.roles == ["仓储物流"]
