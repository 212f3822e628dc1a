from decimal import Decimal

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


OPTIONAL_COSTS = ("payment_fee_rate", "shipping_cost_per_order", "packaging_cost_per_order")


class OptionalCostsMixin:
    """The order costs of gross profit may be left empty (0) when a store is set up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in OPTIONAL_COSTS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in OPTIONAL_COSTS:
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal(0)
        return data


class StoreForm(OptionalCostsMixin, TablerFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = ["code", *STORE_AUDITED_FIELDS]


class StoreEditForm(OptionalCostsMixin, TablerFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = STORE_AUDITED_FIELDS


class TokenForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, initial="default")
