"""The 汇率 page: every role that sees stores reads the rates; only a role that may change
stores enters them, and a refused POST writes nothing."""

import pytest

from shopops.core.models import AuditEntry, ExchangeRate

pytestmark = pytest.mark.django_db


def test_lead_enters_a_rate_and_a_viewer_may_only_read(as_role):
    lead = as_role("ops_lead")
    empty = lead.get("/rates/")
    assert empty.status_code == 200 and b"rate-form" in empty.content
    saved = lead.post(
        "/rates/", {"action": "rate", "day": "2024-06-18", "currency": "gbp", "rate": "9.2015"}
    )
    assert saved.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.quote, str(rate.rate)) == ("GBP", "CNY", "9.201500")
    assert AuditEntry.objects.filter(object_type="core.exchangerate", action="create").exists()
    refused = lead.post(
        "/rates/", {"action": "rate", "day": "2024-06-19", "currency": "CNY", "rate": "1"}
    )
    assert refused.status_code == 200 and "就是报告币种".encode() in refused.content

    viewer = as_role("product_ops")  # sees stores, may not change them
    page = viewer.get("/rates/")
    assert page.status_code == 200 and b"9.201500" in page.content
    assert b"rate-form" not in page.content
    viewer.post("/rates/", {"action": "remove", "rate": str(rate.pk)})
    assert ExchangeRate.objects.count() == 1
