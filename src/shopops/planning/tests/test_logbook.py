"""The logs (issue 16): entries written and audited, found by the database's full-text
index on SQLite and PostgreSQL (a two-character Chinese word inside a sentence, a single
character as a prefix, an order id), never by a LIKE scan; bad input named by field."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopops.core.models import AuditEntry
from shopops.planning import logbook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_entries_are_found_by_the_full_text_index(store_a, store_b, role_users):
    lead = role_users["ops_lead"]
    at = datetime(2026, 12, 1, 9, 0, tzinfo=store_a.zone)
    a = logbook.write(lead, store_a, kind="exception", at=at, category="物流",
                      text="顺丰延误导致客户投诉，3 单超时", handling="已补偿优惠券",
                      orders="T1001,T1002")  # fmt: skip
    b = logbook.write(lead, store_a, kind="daily", at=at + timedelta(hours=2),
                      category="推广", text="直通车 ROI 回升到 3.2，继续加价")  # fmt: skip
    logbook.write(lead, store_b, kind="daily", at=at, text="客户投诉（别的店）")

    def found(query, **kw):
        return [e.pk for e in logbook.entries(store_a, query=query, **kw)]

    assert found("投诉") == [a.pk]  # a word inside a sentence, this store only
    assert found("客户投诉") == [a.pk]
    assert found("投") == [a.pk]  # one character: a prefix
    assert found("直通车") == [b.pk] and found("roi") == [b.pk]
    assert found("T1002") == [a.pk]
    assert found("补偿") == [a.pk]  # the handling too
    assert found("投诉直通车") == []  # a phrase, not any of its pieces
    assert found("") == [b.pk, a.pk] and found("", kind="daily") == [b.pk]
    with CaptureQueriesContext(connection) as queries:
        found("延误")
    sql = queries.captured_queries[-1]["sql"].lower()
    assert " like " not in sql and ("match" in sql or "@@" in sql)
    # An edit is indexed again.
    logbook.write(lead, store_a, entry=a, text="中通延误，已解决")
    assert found("顺丰") == [] and found("中通") == [a.pk]
    assert AuditEntry.objects.filter(object_type="planning.logentry").count() == 4
    with pytest.raises(ValidationError) as bad:
        logbook.write(lead, store_a, kind="weekly", at=at, text="")
    assert set(bad.value.message_dict) == {"kind", "text"}


def test_the_logs_page_writes_searches_and_exports(as_role, store_a, role_users):
    import io

    import openpyxl

    from shopops.core.access import can
    from shopops.core.roles import ROLES

    lead = as_role("ops_lead")
    assert 'id="logs-empty"' in lead.get("/plans/logs/").content.decode()
    made = lead.post("/plans/logs/", {"kind": "exception", "at": "2026-12-01T09:30",
                                      "category": "物流", "text": "快递丢件，客户要求补发",
                                      "handling": "已补发"})  # fmt: skip
    assert made.status_code == 302
    found = lead.get("/plans/logs/?q=丢件").content.decode()
    assert found.count("<tr data-entry=") == 1 and "已补发" in found
    assert "<tr data-entry=" not in lead.get("/plans/logs/?q=退款").content.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(lead.get("/plans/logs/?format=xlsx").content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:5] == ["时间", "日志", "类别", "记录人", "内容"]
    assert rows[1][0] == datetime(2026, 12, 1, 9, 30) and rows[1][4] == "快递丢件，客户要求补发"
    for role in ROLES:
        client = as_role(role.key)
        assert client.get("/plans/logs/").status_code == 200, role.key
        user = role_users[role.key]
        posted = client.post("/plans/logs/", {"kind": "daily", "at": "2026-12-01T10:00",
                                              "text": role.key})  # fmt: skip
        assert posted.status_code == (302 if can(user, "plans", "change") else 403), role.key


def test_a_log_time_is_the_stores_own(client, store_b):
    from datetime import UTC

    from shopops.core import services
    from shopops.planning.models import LogEntry

    user = services.create_user(username="ny", password="Ny-pass-12345", role="ops_lead",
                                stores=[store_b])  # fmt: skip
    client.force_login(user)
    client.post("/stores/switch/", {"store": "beta"})
    client.post("/plans/logs/", {"kind": "daily", "at": "2026-12-01T09:30", "text": "开店"})
    entry = LogEntry.objects.get(store=store_b)
    assert entry.at == datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 09:30 in New York
    assert "2026-12-01 09:30" in client.get("/plans/logs/").content.decode()
