"""A fresh install, walked as its first user would: sign in with no store, create the store,
add a colleague with a role, import the real Tmall report, see the dashboard."""

import pytest
from conftest import TMALL_REPORT

from shopops.core import services
from shopops.core.models import Store, User
from shopops.core.roles import role_of
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Boss-pass-12345"


def test_first_sign_in_to_a_dashboard_of_real_data(live_server, page, screenshot_dir, shared_file):
    tmall = shared_file(TMALL_REPORT)
    assert not Store.objects.exists()
    services.create_user(username="boss", password=PASSWORD, superuser=True)
    sign_in(page, live_server.url, "boss", PASSWORD)
    page.wait_for_selector("#first-run")
    page.screenshot(path=str(screenshot_dir / "first-run.png"), full_page=True)

    page.click("#first-run [data-step=store] a")
    page.fill("#id_code", "tm")
    page.fill("#id_name", "天猫旗舰店")
    page.select_option("#id_platform", "tmall")
    page.fill("#id_commission_rate", "0.05")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/stores/tm/")
    store = Store.objects.get(code="tm")
    assert store.timezone == "Asia/Shanghai" and store.currency == "CNY"

    page.goto(f"{live_server.url}/users/")
    page.click("#add-user")
    page.fill("#id_username", "xiaoli")
    page.select_option("#id_role", "customer_service")
    page.check(f"input[name=stores][value='{store.pk}']")
    page.fill("#id_password1", "Xiaoli-pass-2026")
    page.fill("#id_password2", "Xiaoli-pass-2026")
    page.screenshot(path=str(screenshot_dir / "user-add.png"), full_page=True)
    page.click("#user-add button[type=submit]")
    page.wait_for_url("**/users/xiaoli/")
    xiaoli = User.objects.get(username="xiaoli")
    assert role_of(xiaoli).key == "customer_service"
    assert list(xiaoli.grants.values_list("store__code", flat=True)) == ["tm"]
    page.goto(f"{live_server.url}/users/")
    assert page.locator("#users tr[data-user=xiaoli]").count() == 1
    page.screenshot(path=str(screenshot_dir / "user-list.png"), full_page=True)

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#first-data")  # a store with no data says to import
    page.click("#first-data a")
    page.select_option("#id_kind", "orders")
    page.select_option("#id_format", "taobao")
    page.set_input_files("#id_file", str(tmall))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(
        "#run-status .badge:has-text('完成'), #run-status .badge:has-text('done')", timeout=60000
    )
    assert "28010" in page.inner_text("#run-status")

    page.goto(f"{live_server.url}/?date=2020-02-25&days=30")
    page.wait_for_selector("#core-cards")
    assert page.locator("#first-data").count() == 0
    gmv = page.inner_text("#core-cards .card >> nth=0")
    assert any(ch.isdigit() for ch in gmv) and "—" not in gmv.splitlines()[1]
    page.wait_for_selector("#chart-trend svg", timeout=20000)
    page.screenshot(path=str(screenshot_dir / "first-run-dashboard.png"), full_page=True)
