from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.core.forms import DatePicker, TablerFormMixin
from shopops.core.models import User
from shopops.core.queries import store_people


class MeasureForm(TablerFormMixin, forms.Form):
    metric = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Adjustment measure"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=DatePicker())

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        if store is not None:
            self.fields["owner"].queryset = store_people(store)


class ReportSettingsForm(TablerFormMixin, forms.Form):
    """Which core metrics the daily report shows (in this order), when the worker makes it,
    and the team's thresholds (percent) for each core metric."""

    core_metrics = forms.CharField(
        label=_("Core metrics, in order"),
        help_text=_("Metric keys separated by commas, e.g. gmv, visitors, cvr, aov, orders."),
    )
    send_at = forms.TimeField(
        label=_("Made at (store time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, metrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold_fields = []
        for key, label in metrics:
            pair = []
            for rule, text in (
                ("baseline", _("worse than the weekday's usual value by (%)")),
                ("target", _("under this share of target (%)")),
            ):
                name = f"{rule}__{key}"
                self.fields[name] = forms.DecimalField(
                    label=f"{label} · {text}",
                    required=False,
                    min_value=Decimal("0.1"),
                    max_value=Decimal("100"),
                    decimal_places=1,
                    widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.1"}),
                )
                pair.append(self[name])
            self.threshold_fields.append((key, label, pair))

    def clean_core_metrics(self):
        from shopops.analytics.catalog import UnknownMetric, lookup

        keys = [k.strip() for k in self.cleaned_data["core_metrics"].split(",") if k.strip()]
        if not keys:
            raise forms.ValidationError(_("Name at least one metric."))
        for key in keys:
            try:
                lookup(key)
            except UnknownMetric as exc:
                raise forms.ValidationError(str(exc)) from None
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("A metric is named twice."))
        return keys

    def thresholds(self) -> dict:
        """{metric: {rule: share}} from the percent fields that were filled in."""
        out = {}
        for key, _label, _pair in self.threshold_fields:
            for rule in ("baseline", "target"):
                value = self.cleaned_data.get(f"{rule}__{key}")
                if value is not None:
                    out.setdefault(key, {})[rule] = str((value / 100).normalize())
        return out
