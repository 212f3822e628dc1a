from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.alerts.models import AlertRule, Channel
from shopops.core.forms import TablerFormMixin


def role_choices() -> list[tuple[str, str]]:
    """A rule names its roles by their group, as `AlertRule.roles` keeps them."""
    from shopops.core.roles import ROLES

    return [(r.group_name, r.label) for r in ROLES]


class RuleForm(TablerFormMixin, forms.ModelForm):
    """A rule as the page edits it; services.save_rule validates and saves it. Filters are
    written `province:广东,浙江; channel:天猫`."""

    filters_text = forms.CharField(
        label=_("Slice"), required=False,
        help_text=_("dimension:value,value; … e.g. province:广东,浙江 (empty: the whole store)"),
    )  # fmt: skip
    roles = forms.MultipleChoiceField(
        label=_("Recipient roles"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone of these roles who holds the store is told, with the people above."),
    )  # fmt: skip

    class Meta:
        model = AlertRule
        fields = ["name", "metric", "condition", "event", "threshold", "direction", "severity",
                  "schedule", "daily_at", "cooldown_minutes", "enabled", "recipients",
                  "channels"]  # fmt: skip
        widgets = {"daily_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["recipients"].queryset = get_user_model().objects.filter(
            grants__store=store, is_active=True
        )
        self.fields["channels"].queryset = Channel.objects.filter(store=store)
        self.fields["recipients"].required = self.fields["channels"].required = False
        self.fields["roles"].choices = role_choices()
        if self.instance.pk:
            self.initial["roles"] = list(self.instance.roles or [])
        if self.instance.pk:
            self.initial["filters_text"] = "; ".join(
                f"{k}:{','.join(v)}" for k, v in (self.instance.filters or {}).items()
            )

    def clean_filters_text(self) -> dict:
        out = {}
        for part in (self.cleaned_data.get("filters_text") or "").replace("；", ";").split(";"):
            if not part.strip():
                continue
            dimension, sep, values = part.replace("：", ":").partition(":")
            if not sep or not values.strip():
                raise forms.ValidationError(_("Write dimension:value, e.g. province:广东."))
            out[dimension.strip()] = [v.strip() for v in values.replace("，", ",").split(",")
                                      if v.strip()]  # fmt: skip
        return out


class ChannelForm(TablerFormMixin, forms.ModelForm):
    emails_text = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        help_text=_("Comma-separated, for an e-mail channel."),
    )

    class Meta:
        model = Channel
        fields = [
            "kind",
            "name",
            "url",
            "secret",
            "slack",
            "min_severity",
            "enabled",
            "morning_report",
        ]
        widgets = {"url": forms.TextInput(), "secret": forms.PasswordInput(render_value=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Never shown back: left empty, the stored ones are kept.
            self.fields["url"].widget.attrs["placeholder"] = self.instance.masked_url
            self.initial["url"] = ""
            self.initial["emails_text"] = ", ".join(self.instance.emails or [])

    def clean_emails_text(self) -> list[str]:
        text = self.cleaned_data.get("emails_text") or ""
        return [e.strip() for e in text.replace("，", ",").split(",") if e.strip()]


class BenchmarkForm(TablerFormMixin, forms.Form):
    metric = forms.CharField(
        label=_("Metric"), max_length=64, help_text=_("Its key or name: ctr, cvr, 点击率 …")
    )
    value = forms.CharField(
        label=_("Benchmark"),
        max_length=40,
        help_text=_("A share as 0.035; a percentage such as 3.5 with its sign works too"),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the value comes from, e.g. 生意参谋 行业大盘"),
    )


class BenchmarksFileForm(TablerFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Columns: metric, value, source (指标, 基准值, 来源)."),
    )
