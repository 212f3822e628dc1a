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


class TaskStatus(models.TextChoices):
    TODO = "todo", _("Not started")
    DOING = "doing", _("In progress")
    DONE = "done", _("Done")
    LATE = "late", _("Late")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.DOING, TaskStatus.LATE)  # work still to do


class Task(StoreOwned):
    """A row of template 2 (运营执行任务分配与进度跟踪表): what is to be done, from when to
    when, by whom, with which departments, delivering what. A task past its due date and
    not done is 已延期 (`planning.work.mark_late`). Finish-to-start dependencies are
    `TaskDependency` rows; its history is the audit log's entries of it (`planning.work`)."""

    name = models.CharField(_("task name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateField(_("start"))
    due = models.DateField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    departments = models.CharField(_("collaborating departments"), max_length=200, blank=True)
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    goal = models.ForeignKey(
        Goal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("goal"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["start", "due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due__gte=models.F("start")), name="task_due_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="task_progress_at_most_100"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "due"], name="task_store_status_due"),
            models.Index(fields=["owner", "status"], name="task_owner_status"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.name


class TaskDependency(models.Model):
    """Finish-to-start: `task` starts after `depends_on` is due."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")
    depends_on = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "depends_on"], name="uniq_task_dependency"),
            models.CheckConstraint(
                condition=~models.Q(task=models.F("depends_on")), name="task_not_own_dependency"
            ),
        ]
        verbose_name = _("task dependency")
        verbose_name_plural = _("task dependencies")

    def __str__(self) -> str:
        return f"{self.depends_on_id} → {self.task_id}"


class ChecklistTemplate(models.Model):
    """A checklist's items to instantiate per store and day: the shipped ones (the store
    launch check of seed 000 and the daily check of seed 004) have no store and every store
    uses them; a store's own have its store."""

    store = models.ForeignKey(
        "core.Store", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("store")
    )
    key = models.CharField(_("key"), max_length=32, blank=True)  # the shipped ones' name
    name = models.CharField(_("name"), max_length=200)
    daily = models.BooleanField(_("every day"), default=False)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("copied from"),
    )  # fmt: skip  # a store's edited copy of a shipped template stands in for it

    class Meta:
        ordering = ["store_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="uniq_checklist_template_key"
            )
        ]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return self.name


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    auto = models.CharField(_("checked by the data"), max_length=32, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("checklist template item")
        verbose_name_plural = _("checklist template items")

    def __str__(self) -> str:
        return self.text


class Checklist(StoreOwned):
    """A template's items for one store and day; made once (the unique key)."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "template_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "template", "day"], name="uniq_checklist_day")
        ]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return f"{self.template} {self.day}"


class ChecklistItem(models.Model):
    """One item of a day's checklist: ticked by a person with a note, or by the data with
    its evidence (`auto` names the data check; `evidence`: ok, what was found, a link).
    `carried` marks an item left unfinished the day before."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    auto = models.CharField(_("checked by the data"), max_length=32, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("done by"),
    )  # fmt: skip
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    carried = models.BooleanField(_("left from the day before"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class LogKind(models.TextChoices):
    DAILY = "daily", _("Daily operations log")
    EXCEPTION = "exception", _("Exception log")


class LogEntry(StoreOwned):
    """An entry of the daily operations log (每日运营日志) or the exception log (异常处理记录):
    when, who, a category, what happened, and for an exception its handling and result;
    linked to orders, SKUs, an alert or a task. `search_text` is the text as the full-text
    index reads it (planning.logbook.search_text), kept by the service that writes."""

    kind = models.CharField(_("log"), max_length=16, choices=LogKind.choices)
    at = models.DateTimeField(_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("author"),
    )  # fmt: skip
    category = models.CharField(_("category"), max_length=64, blank=True)
    text = models.TextField(_("what happened"))
    handling = models.TextField(_("handling and result"), blank=True)
    orders = models.CharField(_("orders"), max_length=500, blank=True)  # order ids, comma
    skus = models.CharField(_("SKUs"), max_length=500, blank=True)
    alert_id = models.IntegerField(_("alert"), null=True, blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("task"),
    )  # fmt: skip
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "kind", "-at"], name="log_store_kind_at")]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"


class Sop(StoreOwned):
    """A standard operating procedure of the store (SOP 库): its versions are `SopVersion`
    rows, the newest the one in force."""

    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [models.UniqueConstraint(fields=["store", "title"], name="uniq_sop_title")]
        verbose_name = _("SOP")
        verbose_name_plural = _("SOPs")

    def __str__(self) -> str:
        return self.title


class SopVersion(models.Model):
    """One version of an SOP, in Markdown, with the SOP update list's columns (SOP更新清单):
    the old flow's problem, the improved flow, when it takes effect; who and when."""

    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"))
    problem = models.TextField(_("problem of the old flow"), blank=True)
    improvement = models.TextField(_("improved flow"), blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("author"),
    )  # fmt: skip
    author_name = models.CharField(_("author"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["sop", "number"], name="uniq_sop_version")]
        verbose_name = _("SOP version")
        verbose_name_plural = _("SOP versions")

    def __str__(self) -> str:
        return f"{self.sop_id} v{self.number}"


class Risk(StoreOwned):
    """An entry of the risk library (风险库): the risk, the signal that it is happening, the
    contingency plan, its owner and when it last happened."""

    risk = models.CharField(_("risk"), max_length=200)
    signal = models.TextField(_("trigger signal"), blank=True)
    plan = models.TextField(_("contingency plan"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("owner"),
    )  # fmt: skip
    last_seen = models.DateField(_("last happened"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["risk", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.risk
