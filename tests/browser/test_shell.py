"""A person signs in, reads the Chinese navigation, switches to English."""

import pytest

from shopops.core import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, username, password, screenshot=None):
    page.goto(f"{base_url}/")
    assert page.title().startswith("登录")
    if screenshot:
        page.screenshot(path=str(screenshot))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#main-nav")


def test_login_chinese_navigation_then_english(live_server, page, screenshot_dir):
    store = services.create_store(
        None, code="demo", name="示例旗舰店", platform="tmall", commission_rate="0.05"
    )
    services.create_user(username="lead", password="Lead-pass-123", role="ops_lead", stores=[store])
    # The browser asks for English (locale en-US), yet the console starts in Chinese.
    sign_in(page, live_server.url, "lead", "Lead-pass-123", screenshot_dir / "login-zh.png")
    nav = page.inner_text("#main-nav")
    for label in ("运营总览", "目标管理", "监控日报", "库存管理", "审计日志"):
        assert label in nav
    assert "示例旗舰店" in page.inner_text("#store-switcher")
    page.screenshot(path=str(screenshot_dir / "shell-zh.png"), full_page=True)

    page.click("#language-switcher button[value=en]")
    page.wait_for_selector("html[lang=en]")
    nav = page.inner_text("#main-nav")
    for label in ("Dashboard", "Goals", "Daily report", "Inventory", "Audit log"):
        assert label in nav
    assert "运营总览" not in nav
    page.screenshot(path=str(screenshot_dir / "shell-en.png"), full_page=True)

    # A module not built yet says so plainly.
    page.click("#main-nav a[data-module=service]")
    assert "This module is not built yet." in page.inner_text("#not-built")


def test_customer_service_sees_no_costs_or_audit(live_server, page):
    store = services.create_store(
        None, code="demo", name="示例旗舰店", platform="tmall", commission_rate="0.05"
    )
    services.create_user(
        username="cs", password="Cs-pass-12345", role="customer_service", stores=[store]
    )
    sign_in(page, live_server.url, "cs", "Cs-pass-12345")
    nav = page.inner_text("#main-nav")
    assert "审计日志" not in nav and "利润分析" not in nav
    page.goto(f"{live_server.url}/stores/demo/")
    assert page.locator("#commission-rate").count() == 0
    assert "0.05" not in page.content()
