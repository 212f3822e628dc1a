from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.core.models import Store
from shopops.core.services import STORE_AUDITED_FIELDS


class TablerFormMixin:
    """Gives every widget the CSS class the console's theme expects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class StoreForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = ["code", *STORE_AUDITED_FIELDS]


class StoreEditForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = STORE_AUDITED_FIELDS


class TokenForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, initial="default")
