from datetime import date, datetime, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.core.forms import DatePicker, TablerFormMixin
from shopops.orders.models import Compensation, FulfilmentSettings, HoldReason

CARRIERS = ["顺丰", "中通", "圆通", "韵达", "申通", "京东物流", "EMS", "极兔"]


class ResolveForm(forms.Form):
    order = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(choices=HoldReason.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("How it was resolved"), max_length=500, required=False)


class CaseForm(TablerFormMixin, forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput)
    contact_note = forms.CharField(label=_("Contact note"), max_length=500, required=False)
    compensation = forms.ChoiceField(
        label=_("Compensation"), choices=Compensation.choices, required=False
    )
    compensation_amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    result = forms.CharField(label=_("Result"), max_length=500, required=False)
    close = forms.BooleanField(label=_("Close the case"), required=False)


class RangeForm(TablerFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())

    @classmethod
    def of(cls, request, zone) -> tuple["RangeForm", date, date]:
        today = datetime.now(zone).date()
        default = (today - timedelta(days=29), today)
        form = cls(request.GET or None, initial={"start": default[0], "end": default[1]})
        if (
            form.is_bound
            and form.is_valid()
            and form.cleaned_data["start"] <= form.cleaned_data["end"]
        ):
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        return cls(initial={"start": default[0], "end": default[1]}), *default


class FulfilmentSettingsForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = FulfilmentSettings
        fields = FulfilmentSettings.EDITABLE
