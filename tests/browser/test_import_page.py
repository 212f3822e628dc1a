"""A person imports the real Tmall report from the upload page and reads the result."""

import pytest
from conftest import TMALL_REPORT

from shopops.core import services
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_the_tmall_report(live_server, page, screenshot_dir, shared_file):
    TMALL = shared_file(TMALL_REPORT)
    store = services.create_store(None, code="tm", name="天猫旗舰店", platform="tmall")
    services.create_user(
        username="po", password="Po-pass-12345", role="product_ops", stores=[store]
    )
    sign_in(page, live_server.url, "po", "Po-pass-12345")
    page.click("#main-nav a[data-module=imports]")
    page.select_option("#id_kind", "orders")
    page.select_option("#id_format", "taobao")
    page.set_input_files("#id_file", str(TMALL))
    page.screenshot(path=str(screenshot_dir / "import-form.png"), full_page=True)
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(
        "#run-status .badge:has-text('完成'), #run-status .badge:has-text('done')", timeout=60000
    )
    text = page.inner_text("#run-status")
    assert "28010" in text
    page.screenshot(path=str(screenshot_dir / "import-done.png"), full_page=True)
