"""The delivery queue: an alert's state change becomes one Delivery per channel (at most
once per alert, channel and state), the worker sends what is due, retries network errors,
5xx and 429 with exponential backoff, marks a channel failing after a permanent error or
the last retry, and batches what a robot's per-minute limit cannot take into one digest.
A failing channel never holds up the others: each is sent on its own."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shopops.alerts import channels as speak
from shopops.alerts.models import Alert, Channel, Delivery, Severity

RETRIES = 6  # attempts before a delivery is failed for good
BACKOFF = timedelta(seconds=30)  # 30 s, 1 min, 2 min, 4 min, 8 min
SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
SEVERITY_ZH = {Severity.INFO: "提示", Severity.WARNING: "警告", Severity.CRITICAL: "严重"}


def link_of(alert: Alert) -> str:
    return speak.absolute(f"/alerts/{alert.pk}/")


def message_of(alert: Alert, event: str) -> tuple[str, str]:
    """(title, markdown text) in Chinese, the team's language by default."""
    word = "已恢复" if event == "resolved" else SEVERITY_ZH[alert.severity]
    title = f"【{word}】{alert.rule.name}"
    local = alert.opened_at.astimezone(alert.store.zone)
    text = f"{alert.title_zh}\n\n店铺：{alert.store.name}　时间：{local:%Y-%m-%d %H:%M}"
    if alert.day:
        text += f"　数据日：{alert.day}"
    return title, text


def channels_for(alert: Alert) -> list[Channel]:
    chosen = list(alert.rule.channels.filter(enabled=True))
    if chosen:
        return chosen
    rank = SEVERITY_RANK[alert.severity]
    return [
        c
        for c in Channel.objects.filter(store_id=alert.store_id, enabled=True)
        if SEVERITY_RANK[c.min_severity] <= rank
    ]


def enqueue(alert: Alert, event: str = "opened", now: datetime | None = None) -> int:
    """Queue the alert's `event` for each of its channels; a second call queues nothing."""
    now = now or timezone.now()
    title, text = message_of(alert, event)
    made = 0
    for channel in channels_for(alert):
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    store_id=alert.store_id, channel=channel, alert=alert, event=event,
                    title=title, text=text, link=link_of(alert), next_attempt_at=now,
                    created_at=now,
                )  # fmt: skip
            made += 1
        except IntegrityError:  # this state went to this channel already
            continue
    return made


def queue_message(channel: Channel, event: str, title: str, text: str, link: str = "",
                  now: datetime | None = None) -> Delivery:  # fmt: skip
    """A message of no alert (a test message, the morning report) for one channel."""
    now = now or timezone.now()
    return Delivery.objects.create(store_id=channel.store_id, channel=channel, event=event,
                                   title=title, text=text, link=link, next_attempt_at=now,
                                   created_at=now)  # fmt: skip


def _attempt(delivery: Delivery, now: datetime) -> None:
    channel = delivery.channel
    extra = {"event": delivery.event}
    if delivery.alert_id:
        from shopops.alerts.queries import as_dict

        extra["alert"] = as_dict(delivery.alert)
    attached = None
    if channel.kind == "email" and delivery.event == "report":
        from shopops.alerts.morning import attachment

        attached = attachment(delivery)
    answer = speak.send(channel, delivery.title, delivery.text, delivery.link, extra, attached)
    delivery.attempts += 1
    if answer.sent:
        delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, now, ""
        if channel.failing:
            Channel.objects.filter(pk=channel.pk).update(failing=False, last_error="")
    elif answer.retry and delivery.attempts < RETRIES:
        delivery.last_error = answer.error
        delivery.next_attempt_at = now + BACKOFF * 2 ** (delivery.attempts - 1)
    else:
        delivery.status, delivery.last_error = Delivery.Status.FAILED, answer.error
        Channel.objects.filter(pk=channel.pk).update(failing=True, last_error=answer.error[:300])
    delivery.save(update_fields=["attempts", "status", "sent_at", "last_error",
                                 "next_attempt_at"])  # fmt: skip


def _digest(channel: Channel, rest: list[Delivery], now: datetime) -> Delivery:
    lines = "\n".join(f"- {d.title}：{d.alert.title_zh if d.alert else d.text[:80]}" for d in rest)
    digest = Delivery.objects.create(
        store_id=channel.store_id, channel=channel, event="digest",
        title=f"【汇总】{len(rest)} 条预警", text=lines, next_attempt_at=now, created_at=now,
    )  # fmt: skip
    Delivery.objects.filter(pk__in=[d.pk for d in rest]).update(
        status=Delivery.Status.BATCHED, digest=digest
    )
    return digest


def dispatch(now: datetime | None = None) -> int:
    """Send every due delivery, channel by channel; returns how many were sent."""
    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    sent = 0
    for channel in Channel.objects.filter(pk__in=due.values("channel_id"), enabled=True):
        queue = list(due.filter(channel=channel).select_related("alert__store", "alert__rule"))
        recent = Delivery.objects.filter(channel=channel, sent_at__gt=now - timedelta(minutes=1))
        room = speak.PER_MINUTE[channel.kind] - recent.count()
        if room <= 0:
            continue  # the next minute
        if len(queue) > room:  # what the minute cannot take goes in one digest
            queue = [*queue[: room - 1], _digest(channel, queue[room - 1 :], now)]
        for delivery in queue:
            delivery.channel = channel
            _attempt(delivery, now)
            sent += delivery.status == Delivery.Status.SENT
    return sent
