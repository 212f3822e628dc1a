"""The metrics explorer's form: the question, checked as the API checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.analytics.catalog import CATALOG
from shopops.analytics.explorer import COMPARE_LABELS, DIM_LABELS, GRAIN_LABELS, GROUPS
from shopops.analytics.request import parse_filters
from shopops.core.access import can_see_costs
from shopops.core.forms import DatePicker, TablerFormMixin


def metric_choices(user) -> list:
    """The catalog grouped by its facts, each with its definition; cost metrics only for
    roles that may see costs."""
    costs = can_see_costs(user)
    groups = []
    for source, label in GROUPS:
        items = [
            (m.key, f"{m.label} · {m.formula}")
            for m in CATALOG.values()
            if (m.source == source if source else m.derive is not None) and (costs or not m.cost)
        ]
        if items:
            groups.append((label, items))
    return groups


class ExplorerForm(TablerFormMixin, forms.Form):
    metric = forms.MultipleChoiceField(label=_("Metrics"), choices=())
    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())
    by = forms.ChoiceField(
        label=_("Grain"), choices=list(GRAIN_LABELS.items()), initial="day", required=False
    )
    dim = forms.MultipleChoiceField(
        label=_("Break down by (up to two)"),
        choices=list(DIM_LABELS.items()),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    filter = forms.CharField(
        label=_("Filters"),
        required=False,
        help_text=_("dimension:value, separated by commas, e.g. source:paid, province:浙江"),
    )
    compare = forms.ChoiceField(
        label=_("Compare with"),
        choices=[("", "—"), *COMPARE_LABELS.items()],
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metric_choices(user)
        self.fields["metric"].widget.attrs.update({"size": 10, "class": "form-select"})
        self.fields["dim"].widget.attrs["class"] = "form-select"

    def clean_by(self):
        return self.cleaned_data["by"] or "day"

    def clean_dim(self):
        dims = self.cleaned_data["dim"]
        if len(dims) > 2:
            raise forms.ValidationError(_("At most two dimensions."))
        return dims

    def clean_filter(self):
        items = [x.strip() for x in self.cleaned_data["filter"].split(",") if x.strip()]
        try:
            return parse_filters(items)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            from django.core.exceptions import ValidationError

            from shopops.analytics.limits import check_metrics_query
            from shopops.core.bounds import OutOfBounds

            try:
                check_metrics_query(start, end, data.get("by") or "day", data.get("compare"))
            except OutOfBounds as exc:
                field = {"from": "start", "to": "end"}.get(exc.field)
                self.add_error(field if field in self.fields else None, exc.message)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return data
