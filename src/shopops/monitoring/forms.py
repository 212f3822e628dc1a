from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.core.forms import TablerFormMixin
from shopops.core.models import User
from shopops.core.queries import store_people


class MeasureForm(TablerFormMixin, forms.Form):
    metric = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Adjustment measure"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        if store is not None:
            self.fields["owner"].queryset = store_people(store)
