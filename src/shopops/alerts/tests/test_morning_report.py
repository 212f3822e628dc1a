"""The morning report pushed: once the day's report is made, each channel that takes it gets
its summary once (the core metrics against target, the flagged rows with their notes, the
page's link), an e-mail with the XLSX attached; a channel that does not take it gets
nothing, and a cost metric never reaches a channel."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail

from shopops.alerts import delivery, morning, services
from shopops.alerts.models import Delivery
from shopops.alerts.tests.test_channels import Platform
from shopops.alerts.tests.test_metric_rules import DAY, store  # noqa: F401
from shopops.monitoring import daily_report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_morning_report_reaches_the_channels_that_take_it(store):  # noqa: F811
    platform = Platform()
    try:
        services.save_channel(None, store, kind="webhook", name="日报群",
                              url=f"{platform.url}/report", morning_report=True)  # fmt: skip
        services.save_channel(None, store, kind="webhook", name="只收预警",
                              url=f"{platform.url}/alerts-only")  # fmt: skip
        services.save_channel(None, store, kind="email", name="运营组",
                              emails=["ops@example.com"], morning_report=True)  # fmt: skip
        now = datetime.combine(DAY + timedelta(days=1), time(9), store.zone)
        assert morning.push(now) == 0  # no report yet: nothing to send
        report = daily_report.build(store, DAY)
        assert morning.push(now) == 2
        assert morning.push(now + timedelta(minutes=5)) == 0  # once a day and channel
        assert delivery.dispatch(now) == 2
        (got,) = platform.on("/report")
        assert platform.on("/alerts-only") == []
        body = got["json"]
        assert body["title"] == f"【日报】{store.name} {DAY}"
        gmv = report.rows.get(metric="gmv")
        assert "销售额：" in body["text"] and "需要关注" in body["text"]
        assert gmv.anomaly and gmv.note_zh[:40] in body["text"]
        assert body["link"].endswith(f"/reports/daily/?date={DAY}")
        (sent,) = mail.outbox
        (name, data, kind) = sent.attachments[0]
        assert name == f"daily-report-cvr-{DAY}.xlsx" and data[:2] == b"PK"  # a zip: xlsx
        assert kind.endswith("spreadsheetml.sheet")
        assert Delivery.objects.filter(event="report", status="sent").count() == 2
    finally:
        platform.server.shutdown()
