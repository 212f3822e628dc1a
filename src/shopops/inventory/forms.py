from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.core.forms import DatePicker, TablerFormMixin


class MovementForm(TablerFormMixin, forms.Form):
    KINDS = [
        ("receipt", _("Receipt")),
        ("adjustment", _("Adjustment (±)")),
        ("stocktake", _("Stock-take (counted)")),
        ("transfer", _("Transfer")),
    ]
    kind = forms.ChoiceField(label=_("Movement"), choices=KINDS)
    sku = forms.CharField(label=_("SKU code"), max_length=64)
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        help_text=_("Units in; ± for an adjustment; the count for a stock-take."),
    )
    to_warehouse = forms.ChoiceField(label=_("To warehouse"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(w.code, f"{w.code} {w.name}") for w in warehouses]
        self.fields["warehouse"].choices = choices
        self.fields["to_warehouse"].choices = [("", "—"), *choices]


class ReadinessForm(TablerFormMixin, forms.Form):
    skus = forms.CharField(
        label=_("Campaign SKUs"), help_text=_("SKU codes, separated by commas or spaces.")
    )
    start = forms.DateField(label=_("Campaign from"), widget=DatePicker())
    end = forms.DateField(label=_("Campaign to"), widget=DatePicker())
    uplift = forms.DecimalField(
        label=_("Expected uplift (×)"),
        initial=3,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("Campaign-day demand as a multiple of a normal day's forecast."),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The campaign ends before it starts."))
        data["codes"] = [c for c in data.get("skus", "").replace(",", " ").split() if c]
        return data


class BufferForm(TablerFormMixin, forms.Form):
    channel = forms.CharField(label=_("Channel"), max_length=64)
    sku = forms.CharField(
        label=_("SKU"), max_length=64, required=False, help_text=_("Empty: every SKU.")
    )
    units = forms.IntegerField(label=_("Units held back"), min_value=0, max_value=10**9)
