from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shopops.core.models import StoreOwned


class Severity(models.TextChoices):
    INFO = "info", pgettext_lazy("severity", "Notice")  # 提示
    WARNING = "warning", pgettext_lazy("severity", "Warning")  # 警告
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")  # 严重


class Condition(models.TextChoices):
    """What a metric rule compares the day's value with (alerts.evaluation)."""

    ABOVE = "above", _("Above a value")
    BELOW = "below", _("Below a value")
    TARGET = "target", _("Achievement of the day's target below a share")
    BENCHMARK = "benchmark", _("Worse than the benchmark by a share")
    DAY_CHANGE = "day_change", _("Change vs the previous day")
    WEEK_CHANGE = "week_change", _("Change vs the same weekday last week")
    YEAR_CHANGE = "year_change", _("Change vs the same day last year")
    STATISTICAL = "statistical", _("Unusual for the weekday (robust z-score)")


class Event(models.TextChoices):
    """What an event rule watches: no metric, a state of the store's records."""

    STOCK_WARNING = "stock_warning", _("Stock below its warning level")
    STOCK_SAFETY = "stock_safety", _("Stock below its safety level")
    UNSHIPPED = "unshipped", _("Paid orders not shipped within the promise")
    NO_TRACKING = "no_tracking", _("Shipments without a tracking event")
    BAD_REVIEW = "bad_review", _("Reviews of 1 or 2 stars")
    IMPORT_FAILED = "import_failed", _("Imports that failed or rejected rows")
    TASK_OVERDUE = "task_overdue", _("Overdue tasks")
    WORKER_DOWN = "worker_down", _("The worker's heartbeat is missing")
    CAMPAIGN_LIVE = "campaign_live", _("A live campaign behind its pace, or a flash sale sold out")


class Schedule(models.TextChoices):
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily at a time")
    AFTER_IMPORT = "after_import", _("After every import")


class Direction(models.TextChoices):
    """Which way a change (or a deviation) fires: worse for the metric by default."""

    WORSE = "worse", _("Worse")
    BETTER = "better", _("Better")
    EITHER = "either", _("Either way")


class AlertRule(StoreOwned):
    """One rule of a store: a catalog metric against a condition, or an event."""

    name = models.CharField(_("name"), max_length=120)
    metric = models.CharField(_("metric"), max_length=64, blank=True)
    condition = models.CharField(
        _("condition"), max_length=16, choices=Condition.choices, blank=True
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices, blank=True)
    # {dimension: [values]}: the slice the metric is read over (analytics.queries.metrics).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # A value (above/below), a share (target, benchmark, changes: 0.2 = 20%), a z-score
    # (statistical) or a count of hours (no_tracking) or days (bad_review).
    threshold = models.DecimalField(
        _("threshold"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.WORSE
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING
    )
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=Schedule.choices, default=Schedule.DAILY
    )
    # Store-local; by default after the morning's daily report.
    daily_at = models.TimeField(_("daily at"), null=True, blank=True, default=time(8, 30))
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=60)
    enabled = models.BooleanField(_("on"), default=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="alert_rules",
        verbose_name=_("recipients"),
    )
    roles = models.JSONField(_("recipient roles"), default=list, blank=True)  # group names
    # Where its alerts are sent; none chosen: every channel of the store taking the severity.
    channels = models.ManyToManyField(
        "Channel", blank=True, related_name="rules", verbose_name=_("channels")
    )
    # The default rule this one was made from (alerts.defaults), so a store gets each once.
    default_key = models.CharField(max_length=40, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "default_key"],
                condition=~Q(default_key=""),
                name="uniq_default_rule",
            ),
            models.CheckConstraint(
                condition=(Q(metric="") & ~Q(event="")) | (~Q(metric="") & Q(event="")),
                name="rule_metric_or_event",
            ),
        ]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name


class Benchmark(StoreOwned):
    """A value a store compares a metric with: an industry average entered by hand or
    imported (e.g. CTR), for `benchmark` rules."""

    metric = models.CharField(_("metric"), max_length=64)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "metric"], name="uniq_benchmark")]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")

    def __str__(self) -> str:
        return f"{self.metric}={self.value}"


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(StoreOwned):
    """What a rule found, for one scope (a SKU's stock row, an import run, the store): at
    most one not resolved per rule and scope, so evaluating again never makes a second."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    day = models.DateField(null=True, blank=True)  # a metric rule's day
    # What it concerns, to link: {"kind": "metric"|"sku"|"orders"|"import"|..., ...}.
    subject = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "scope"],
                condition=~Q(state="resolved"),
                name="uniq_unresolved_alert",
            )
        ]
        indexes = [models.Index(fields=["store", "state"], name="alert_store_state")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title_en


class AlertEvent(models.Model):
    """One change of an alert's state: who (None: the evaluation), when, and a note."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")
        AUTO_RESOLVED = "auto_resolved", _("Resolved: the condition cleared")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"


class Notification(models.Model):
    """An alert in a person's notification centre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "alert"], name="uniq_notification")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.alert_id}"


class ChannelKind(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom group robot")
    FEISHU = "feishu", _("Feishu/Lark bot")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("JSON webhook")


class Channel(StoreOwned):
    """Where a store's alerts (and morning report) are sent. The URL and secret stay on the
    server: pages show them masked, logs and errors never carry them."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    url = models.CharField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    slack = models.BooleanField(_("Slack-compatible payload"), default=False)  # webhook only
    # Alerts of this severity or above come here unless a rule names its own channels.
    min_severity = models.CharField(
        _("least severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING
    )
    enabled = models.BooleanField(_("on"), default=True)
    # The morning's daily report (core metrics against target, the flagged rows and their
    # notes, the page's link; the XLSX attached to an e-mail) is sent here too.
    morning_report = models.BooleanField(_("send the morning report"), default=False)
    failing = models.BooleanField(_("failing"), default=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store", "pk"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_url(self) -> str:
        """https://oapi.dingtalk.com/…a1b2: enough to tell two robots apart."""
        if not self.url:
            return ""
        head = self.url.split("?", 1)[0].split("/")
        return f"{'/'.join(head[:3])}/…{self.url[-4:]}"


class Delivery(models.Model):
    """One message to one channel: an alert's state change, a digest of several, a test
    message or a morning report. Queued, retried with backoff, sent at most once per
    alert state (the unique constraint)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENT = "sent", _("Sent")
        BATCHED = "batched", _("Sent in a digest")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=24)  # opened | resolved | digest | test | report
    report_day = models.DateField(null=True, blank=True)  # the morning report's day
    title = models.CharField(max_length=300)
    text = models.TextField()  # markdown
    link = models.CharField(max_length=500, blank=True)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="batched"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "alert", "event"],
                condition=Q(alert__isnull=False),
                name="uniq_alert_delivery",
            ),
            models.UniqueConstraint(
                fields=["channel", "report_day"],
                condition=Q(report_day__isnull=False),
                name="uniq_report_delivery",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.event}:{self.status}"
