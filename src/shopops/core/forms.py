from decimal import Decimal

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from shopops.core.models import Store, User
from shopops.core.services import STORE_AUDITED_FIELDS


class DatePicker(forms.DateInput):
    """The browser's date picker. Its value must be ISO (2026-12-05) whatever the language:
    the Chinese locale's own format (2026/12/05) leaves the picker empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TablerFormMixin:
    """Gives every widget the CSS class the console's theme expects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


# Fields a store may leave empty when it is set up, and what empty means.
OPTIONAL_COSTS = {
    "payment_fee_rate": Decimal(0),
    "shipping_cost_per_order": Decimal(0),
    "packaging_cost_per_order": Decimal(0),
    "margin_floor": Decimal("0.05"),
}


class OptionalCostsMixin:
    """The order costs of gross profit may be left empty (0), and the campaign margin floor
    (its default), when a store is set up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in OPTIONAL_COSTS:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name, empty in OPTIONAL_COSTS.items():
            if name in self.fields and data.get(name) is None and name not in self.errors:
                data[name] = empty
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


def _role_choices():
    from shopops.core.roles import ROLES

    return [(r.key, r.label) for r in ROLES]


class UserFieldsMixin:
    """Role and stores, the stores limited to those the acting user may grant."""

    def _add_role_and_stores(self, stores):
        self.fields["role"] = forms.ChoiceField(
            label=_("Role"),
            choices=_role_choices(),
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["stores"] = forms.ModelMultipleChoiceField(
            label=_("Stores"),
            queryset=stores,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input me-1"}),
            help_text=_("The stores this user may see and work on."),
        )


class UserAddForm(UserFieldsMixin, TablerFormMixin, BaseUserCreationForm):
    """Django's user creation form (username rules, two passwords, the password validators)
    with the user's e-mail, role and stores; saved through services.add_user."""

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_role_and_stores(stores)
        self.fields.pop("usable_password", None)  # a console user signs in with a password


class UserEditForm(UserFieldsMixin, TablerFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("An inactive user cannot sign in.")
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_role_and_stores(stores)


class PasswordSetForm(TablerFormMixin, SetPasswordForm):
    """Django's set-password form (two entries, the password validators)."""


def show_refusal(form, exc) -> None:
    """A service's ValidationError on its form: each field's messages under that field when
    the form has it, on the form itself otherwise (or when the error names no field)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class CurrencySettingsForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        from shopops.core.models import CurrencySettings

        model = CurrencySettings
        fields = ["reporting_currency", "rate_window_days"]

    def clean_reporting_currency(self):
        return self.cleaned_data["reporting_currency"].strip().upper()


class RateForm(TablerFormMixin, forms.Form):
    day = forms.DateField(label=_("Date"), widget=DatePicker())
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=16,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text=_("Units of the reporting currency one unit of this currency was worth."),
    )


class RatesFileForm(TablerFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Columns: date, currency, rate (日期, 币种, 汇率)."),
    )
