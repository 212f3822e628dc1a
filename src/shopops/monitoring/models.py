from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.models import StoreOwned


class DailyReport(StoreOwned):
    """核心数据监控日报 of one store and day (template 3), made each morning by the worker
    and on demand; regenerating it replaces its rows and keeps the team's measures."""

    day = models.DateField(_("day"))
    generated_at = models.DateTimeField(_("generated at"), auto_now=True)
    # What the day's data has and what its baselines leave out (monitoring.coverage):
    # {"has": {source: bool}, "missing": {metric: [source]}, "left_out": [[first, last]],
    #  "begins": first day with orders, "history_days": n, "short_history": bool}.
    context = models.JSONField(_("context"), default=dict, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="uniq_daily_report")]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")

    def __str__(self) -> str:
        return f"{self.store_id}@{self.day}"


class DailyReportRow(models.Model):
    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(_("position"))
    metric = models.CharField(_("metric"), max_length=64)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=6, null=True)
    actual = models.DecimalField(_("actual"), max_digits=20, decimal_places=6, null=True)
    achievement = models.DecimalField(_("achievement"), max_digits=12, decimal_places=6, null=True)
    day_change = models.DecimalField(_("day over day"), max_digits=12, decimal_places=6, null=True)
    week_change = models.DecimalField(
        _("week over week"), max_digits=12, decimal_places=6, null=True
    )
    anomaly = models.BooleanField(_("anomaly"), default=False)
    anomaly_reason = models.CharField(_("anomaly reason"), max_length=32, blank=True)
    score = models.FloatField(_("robust score"), null=True)
    note_zh = models.TextField(_("anomaly note (Chinese)"), blank=True)
    note_en = models.TextField(_("anomaly note (English)"), blank=True)
    diagnosis = models.JSONField(_("diagnosis"), null=True, blank=True)
    # Below target since this day, an ongoing condition (monitoring.conditions): listed in the
    # report's own section, and an anomaly only on the days it began or worsened.
    ongoing_since = models.DateField(_("below target since"), null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "metric"], name="uniq_report_metric")
        ]
        verbose_name = _("daily report row")
        verbose_name_plural = _("daily report rows")

    def __str__(self) -> str:
        return f"{self.report_id}:{self.metric}"


class AdjustmentMeasure(StoreOwned):
    """调整措施 the team writes for a metric on a day. Every edit is a new row: the latest
    is the measure, the earlier ones its history."""

    day = models.DateField(_("day"))
    metric = models.CharField(_("metric"), max_length=64)
    text = models.TextField(_("measure"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due = models.DateField(_("due"), null=True, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    task = models.ForeignKey(
        "planning.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("task"),
    )  # the task made from it (`daily_report.measure_to_task`)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["store", "day", "metric"], name="measure_store_day")]
        verbose_name = _("adjustment measure")
        verbose_name_plural = _("adjustment measures")

    def __str__(self) -> str:
        return f"{self.day} {self.metric}: {self.text[:40]}"


class ReportSettings(models.Model):
    """A store's daily report: which core metrics, and when the worker makes it."""

    store = models.OneToOneField(
        "core.Store", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    core_metrics = models.JSONField(_("core metrics"), default=list, blank=True)
    send_at = models.TimeField(_("made at (store time)"), default=time(8, 30))
    # The team's own alert thresholds (the SOP's 预警阈值), per metric:
    # {"gmv": {"baseline": "0.15", "target": "0.8"}} flags GMV more than 15% worse than the
    # same weekday's usual value, or under 80% of its target (instead of the default floor).
    thresholds = models.JSONField(_("anomaly thresholds"), default=dict, blank=True)

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return f"{self.store_id}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from shopops.analytics.catalog import UnknownMetric, lookup

        if not isinstance(self.core_metrics, list):
            raise ValidationError({"core_metrics": _('A list of metric keys, e.g. ["gmv"].')})
        for key in self.core_metrics:
            try:
                lookup(str(key))
            except UnknownMetric as exc:
                raise ValidationError({"core_metrics": str(exc)}) from None
        self.thresholds = clean_thresholds(self.thresholds)


THRESHOLD_RULES = ("baseline", "target")


def clean_thresholds(value) -> dict:
    """{metric: {rule: "fraction"}} with known metrics and rules, each share in (0, 1],
    kept as exact decimal strings; raises ValidationError naming the metric and rule."""
    from decimal import Decimal, InvalidOperation

    from django.core.exceptions import ValidationError

    from shopops.analytics.catalog import UnknownMetric, lookup

    if not isinstance(value, dict):
        raise ValidationError({"thresholds": _('A mapping, e.g. {"gmv": {"baseline": "0.15"}}.')})
    out = {}
    for key, rules in value.items():
        try:
            lookup(str(key))
        except UnknownMetric as exc:
            raise ValidationError({"thresholds": str(exc)}) from None
        if not isinstance(rules, dict) or not set(rules) <= set(THRESHOLD_RULES):
            raise ValidationError(
                {"thresholds": _("%(m)s: rules are baseline and target.") % {"m": key}}
            )
        kept = {}
        for rule, share in rules.items():
            if share in (None, ""):
                continue
            try:
                number = Decimal(str(share))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or not 0 < number <= 1:
                raise ValidationError(
                    {
                        "thresholds": _("%(m)s %(r)s: a share above 0 and at most 1, e.g. 0.15.")
                        % {"m": key, "r": rule}
                    }
                )
            kept[rule] = str(number)
        if kept:
            out[str(key)] = kept
    return out


class CalendarEvent(models.Model):
    """A day or days that are not ordinary for every store: the platforms' event days (38节,
    618, 双11, 双12), kept as data and editable in the admin; Chinese public holidays come
    from the `holidays` package (monitoring.calendar). The daily report compares such a day
    with the same event a year before and leaves it out of ordinary baselines."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("platform event")
        HOLIDAY = "holiday", _("public holiday")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PLATFORM)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="event_end_after_start"
            ),
            models.UniqueConstraint(fields=["name", "start"], name="uniq_event_start"),
        ]
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")

    def __str__(self) -> str:
        return f"{self.name} {self.start}"
