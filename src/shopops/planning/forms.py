from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shopops.analytics.catalog import CATALOG, TRAFFIC_SOURCES, UnknownMetric, lookup
from shopops.core.forms import DatePicker, TablerFormMixin
from shopops.planning.goals import GOAL_FIELDS
from shopops.planning.models import Goal, LogEntry, Risk, Task, TaskStatus


def metric_choices(costs: bool) -> list[tuple[str, str]]:
    keys = [k for k, m in CATALOG.items() if costs or not m.cost]
    keys += ["topn_share:3", *(f"source_share:{s}" for s in TRAFFIC_SOURCES)]
    return [(k, f"{lookup(k).label} ({k})") for k in keys]


class GoalForm(TablerFormMixin, forms.ModelForm):
    metric = forms.ChoiceField(label=_("Metric"))
    scope_text = forms.CharField(
        label=_("Scope"),
        required=False,
        help_text=_("Optional, e.g. category:床品家纺 or source:paid; several separated by ;"),
    )

    class Meta:
        model = Goal
        fields = [f for f in GOAL_FIELDS if f != "scope"]  # scope comes as text
        widgets = {
            "start": DatePicker(),
            "end": DatePicker(),
            "calculation_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, costs: bool = False, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metric_choices(costs)
        self.fields["period"].initial = "quarter"
        if owners is not None:
            self.fields["owner"].queryset = owners

    def clean_metric(self):
        try:
            lookup(self.cleaned_data["metric"])
        except UnknownMetric as exc:
            raise ValidationError(str(exc)) from None
        return self.cleaned_data["metric"]

    def clean_scope_text(self) -> dict:
        from shopops.analytics.request import parse_filters

        items = [i.strip() for i in (self.cleaned_data.get("scope_text") or "").split(";")]
        try:
            return parse_filters([i for i in items if i])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class AdjustForm(TablerFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())
    total = forms.DecimalField(label=_("Target of these days"), max_digits=20, decimal_places=6)


class TaskForm(TablerFormMixin, forms.ModelForm):
    """A task as the page edits it; planning.work validates and saves it."""

    depends_on = forms.ModelMultipleChoiceField(
        label=_("Starts after"), queryset=Task.objects.none(), required=False,
        help_text=_("Finish-to-start: the tasks that must be due before this one starts."),
    )  # fmt: skip
    force = forms.BooleanField(label=_("Save even if a dependency breaks"), required=False)

    class Meta:
        model = Task
        fields = ["name", "description", "start", "due", "owner", "departments", "deliverable",
                  "status", "progress", "notes", "goal"]  # fmt: skip
        widgets = {
            "start": DatePicker(),
            "due": DatePicker(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, store, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["goal"].queryset = Goal.objects.filter(store=store)
        others = Task.objects.filter(store=store)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            self.initial["depends_on"] = list(
                self.instance.predecessor_links.values_list("depends_on", flat=True)
            )
        self.fields["depends_on"].queryset = others
        self.fields["progress"].widget.attrs.update(min=0, max=100)


class TaskFilterForm(forms.Form):
    """The table's filters; every one optional."""

    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    department = forms.CharField(label=_("Department"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    goal = forms.ModelChoiceField(label=_("Goal"), queryset=None, required=False)
    start = forms.DateField(label=_("From"), required=False,
                            widget=DatePicker())  # fmt: skip
    end = forms.DateField(label=_("To"), required=False,
                          widget=DatePicker())  # fmt: skip

    def __init__(self, *args, store, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["goal"].queryset = Goal.objects.filter(store=store)
        self.fields["status"].choices = [("", _("Any status")), *TaskStatus.choices]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"


class LogEntryForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = LogEntry
        fields = ["kind", "at", "category", "text", "handling", "orders", "skus", "task"]
        widgets = {
            "at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "text": forms.Textarea(attrs={"rows": 3}),
            "handling": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(store=store)
        self.fields["orders"].help_text = _("Order ids, separated by commas")
        self.fields["skus"].help_text = _("SKU codes, separated by commas")


class SopForm(TablerFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Procedure (Markdown)"), widget=forms.Textarea(attrs={"rows": 14})
    )
    problem = forms.CharField(label=_("Problem of the old flow"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    improvement = forms.CharField(label=_("Improved flow"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DatePicker())


class RiskForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["risk", "signal", "plan", "owner", "last_seen"]
        widgets = {
            "signal": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 2}),
            "last_seen": DatePicker(),
        }

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
