from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.models import StoreOwned


class GoalPeriod(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    CUSTOM = "custom", _("Custom")


class Goal(StoreOwned):
    """A goal of template 1 (季度运营目标拆解表): a catalog metric (with its parameter, e.g.
    topn_share:3), a target over a period, a scope (e.g. a category), an owner and a
    department, and how the target was worked out (计算逻辑)."""

    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=64)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=6)
    period = models.CharField(_("period"), max_length=16, choices=GoalPeriod.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    scope = models.JSONField(_("scope"), default=dict, blank=True)  # {dimension: [values]}
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    department = models.CharField(_("department"), max_length=64, blank=True)
    calculation_note = models.TextField(_("calculation note"), blank=True)
    weighting = models.CharField(_("weighting"), max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["start", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="goal_end_after_start"
            )
        ]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return f"{self.name} ({self.metric} {self.start}…{self.end})"


class GoalDay(models.Model):
    """A goal's share of one day. Additive goals' days add up to the goal's target exactly;
    `adjusted` marks a day set by hand, which later re-spreads leave alone."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=6)
    adjusted = models.BooleanField(_("adjusted by hand"), default=False)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["goal", "day"], name="uniq_goal_day")]
        verbose_name = _("goal day")
        verbose_name_plural = _("goal days")

    def __str__(self) -> str:
        return f"{self.goal_id}@{self.day}"
