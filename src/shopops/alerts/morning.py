"""The morning report pushed: once the worker has made a store's daily report for
yesterday, each of the store's channels that takes it gets its summary once: the core
metrics against target, the flagged rows with their drafted notes, and the page's link.
An e-mail carries the XLSX too. What a channel receives is what a role without the cost
permission may see: the people behind a robot are not known."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from shopops.alerts.channels import absolute
from shopops.alerts.models import Channel, Delivery

FLAGGED_SHOWN = 5  # flagged rows in one message; the page has the rest


def summary(report) -> tuple[str, str, str]:
    """(title, markdown text, link) of a daily report, in Chinese."""
    from django.utils import translation

    from shopops.monitoring import report_export

    with translation.override("zh-hans"):
        rows = report_export.rows(report, AnonymousUser())
        lines = []
        for r in rows:
            target = (
                f"，目标 {r['target_text']}（达成 {r['achievement_text']}）" if r["target"] else ""
            )
            lines.append(f"- {r['label']}：{r['actual_text']}{target}，环比 {r['day_change_text']}")
        flagged = [r for r in rows if r["anomaly"]]
        text = "\n".join(lines)
        if flagged:
            text += f"\n\n**需要关注（{len(flagged)} 项）**\n" + "\n".join(
                f"- {r['label']}：{r['note'][:160]}" for r in flagged[:FLAGGED_SHOWN]
            )
        else:
            text += "\n\n今日无新的异常。"
        ongoing = report_export.ongoing_lines(report, AnonymousUser())
        if ongoing:
            text += "\n\n**持续问题**\n" + "\n".join(f"- {line}" for line in ongoing)
    link = absolute(f"/reports/daily/?date={report.day.isoformat()}")
    return f"【日报】{report.store.name} {report.day}", text, link


def push(now: datetime) -> int:
    """Queue yesterday's report for each channel that takes it and has not had it."""
    from shopops.monitoring.models import DailyReport

    queued = 0
    for channel in Channel.objects.filter(morning_report=True, enabled=True).select_related(
        "store"
    ):
        day = now.astimezone(channel.store.zone).date() - timedelta(days=1)
        report = DailyReport.objects.filter(store=channel.store, day=day).first()
        if report is None or Delivery.objects.filter(channel=channel, report_day=day).exists():
            continue
        title, text, link = summary(report)
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    store_id=channel.store_id, channel=channel, event="report", report_day=day,
                    title=title, text=text, link=link, next_attempt_at=now, created_at=now,
                )  # fmt: skip
        except IntegrityError:  # another round queued it a moment ago
            continue
        queued += 1
    return queued


def attachment(delivery: Delivery) -> tuple[str, bytes, str] | None:
    """The report's XLSX, for an e-mail of a morning report."""
    if delivery.event != "report" or delivery.report_day is None:
        return None
    import tempfile
    from pathlib import Path

    from shopops.monitoring import report_export
    from shopops.monitoring.models import DailyReport

    report = DailyReport.objects.get(store_id=delivery.store_id, day=delivery.report_day)
    name = f"daily-report-{report.store.code}-{report.day}.xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        report_export.write(report, "xlsx", path, AnonymousUser())
        data = path.read_bytes()
    return name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
