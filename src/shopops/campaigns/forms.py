"""The campaign pages' forms. A rule's form reads plain fields (tiers as "300:30; 500:60",
flash-sale SKUs one per line) into the JSON parameters `campaigns.rules` checks."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shopops.campaigns.models import Campaign, Channel, Phase, RuleKind
from shopops.campaigns.services import TARGET_METRICS
from shopops.core.forms import DatePicker, TablerFormMixin

DEFAULTED = ("uplift", "roi_floor")
PHASE_FIELDS = [(p.value, f"{p.value}_start", f"{p.value}_end") for p in Phase]


class CampaignForm(TablerFormMixin, forms.ModelForm):
    preheat_start = forms.DateField(label=_("Pre-heat from"), required=False, widget=DatePicker())
    preheat_end = forms.DateField(label=_("Pre-heat to"), required=False, widget=DatePicker())
    main_start = forms.DateField(label=_("Main from"), widget=DatePicker())
    main_end = forms.DateField(label=_("Main to"), widget=DatePicker())
    encore_start = forms.DateField(label=_("Encore from"), required=False, widget=DatePicker())
    encore_end = forms.DateField(label=_("Encore to"), required=False, widget=DatePicker())

    class Meta:
        model = Campaign
        fields = ["name", "kind", "rules_note", "owner", "uplift", "roi_floor", "margin_floor",
                  "flash_exclusive"]  # fmt: skip
        widgets = {"rules_note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "uplift": _("Campaign demand as a multiple of an ordinary day's, for stock readiness."),
            "margin_floor": _("Empty: the store's floor."),
        }

    def __init__(self, *args, owners=None, costs=True, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        if not costs:
            del self.fields["margin_floor"]
        for name in DEFAULTED:  # empty: the model's default
            self.fields[name].required = False
        if self.instance.pk:
            for p in self.instance.phases.all():
                self.initial[f"{p.phase}_start"], self.initial[f"{p.phase}_end"] = p.start, p.end

    def clean(self):
        data = super().clean()
        for name in DEFAULTED:
            if data.get(name) is None and name not in self.errors:
                data[name] = Campaign._meta.get_field(name).default
        for _phase, start, end in PHASE_FIELDS:
            if bool(data.get(start)) != bool(data.get(end)):
                self.add_error(end if data.get(start) else start, _("Give both dates or neither."))
        return data

    def phases(self) -> dict:
        d = self.cleaned_data
        return {p: (d[s], d[e]) for p, s, e in PHASE_FIELDS if d.get(s) and d.get(e)}

    def fields_only(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}


class SkuForm(TablerFormMixin, forms.Form):
    code = forms.CharField(label=_("SKU code"), max_length=64)
    campaign_price = forms.DecimalField(
        label=_("Campaign price"), required=False, min_value=0, decimal_places=2,
        help_text=_("Empty: the list price."),
    )  # fmt: skip
    stock_cap = forms.IntegerField(label=_("Stock cap"), required=False, min_value=0)


def _tiers(text: str, units: bool) -> list[dict]:
    out = []
    for n, chunk in enumerate([c for c in text.replace("；", ";").split(";") if c.strip()], 1):
        left, sep, right = chunk.replace("：", ":").partition(":")
        if not sep:
            raise ValidationError(_("Tier %(n)s: write it as threshold:amount") % {"n": n})
        key = ("units", "rate") if units else ("threshold", "off")
        out.append({key[0]: left.strip(), key[1]: right.strip()})
    return out


class RuleForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=RuleKind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    stackable = forms.BooleanField(label=_("Stacks with other promotions"), required=False,
                                   initial=True)  # fmt: skip
    tiers = forms.CharField(
        label=_("Tiers"), required=False,
        help_text=_("满减: threshold:amount off, e.g. 300:30; 500:60. 满件折: units:rate, e.g. "
                    "2:0.95; 3:0.9"),
    )  # fmt: skip
    repeat = forms.BooleanField(
        label=_("Every time the threshold is reached (每满)"), required=False
    )
    cap = forms.DecimalField(label=_("Most off per order"), required=False, min_value=0)
    threshold = forms.DecimalField(label=_("Threshold"), required=False, min_value=0)
    amount = forms.DecimalField(label=_("Coupon amount"), required=False, min_value=0)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DatePicker())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DatePicker())
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=0)
    skus = forms.CharField(
        label=_("Only these SKUs"), required=False,
        help_text=_("SKU codes separated by spaces or commas; empty: the whole store."),
    )  # fmt: skip
    items = forms.CharField(
        label=_("Flash-sale SKUs"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: SKU, price, stock cap, per-buyer limit"),
    )  # fmt: skip
    gift_sku = forms.CharField(label=_("Gift SKU"), required=False, max_length=64)

    def params(self) -> dict:
        """The rule's parameters as `campaigns.rules` reads them."""
        d = self.cleaned_data
        kind = d["kind"]
        codes = [c for c in d.get("skus", "").replace(",", " ").split() if c]
        if kind in (RuleKind.FULL_REDUCTION, RuleKind.ITEM_DISCOUNT):
            p = {"tiers": _tiers(d.get("tiers", ""), kind == RuleKind.ITEM_DISCOUNT), "skus": codes}
            if kind == RuleKind.FULL_REDUCTION:
                p |= {"repeat": d.get("repeat", False), "cap": _text(d.get("cap"))}
            return p
        if kind == RuleKind.FLASH_SALE:
            items = []
            for line in (d.get("items") or "").splitlines():
                cells = [c.strip() for c in line.replace("，", ",").split(",")]
                if not any(cells):
                    continue
                cells += [""] * (4 - len(cells))
                items.append({"sku": cells[0], "price": cells[1], "cap": cells[2] or None,
                              "limit": cells[3] or None})  # fmt: skip
            return {"items": items}
        if kind == RuleKind.COUPON:
            return {
                "threshold": _text(d.get("threshold")) or "0",
                "amount": _text(d.get("amount")),
                "valid_from": d["valid_from"].isoformat() if d.get("valid_from") else None,
                "valid_to": d["valid_to"].isoformat() if d.get("valid_to") else None,
                "quantity": d.get("quantity"),
                "skus": codes,
            }
        return {"threshold": _text(d.get("threshold")) or "0", "sku": d.get("gift_sku", ""),
                "quantity": d.get("quantity") or 1, "skus": codes}  # fmt: skip


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class BudgetForm(TablerFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    amount = forms.DecimalField(label=_("Budget"), min_value=0, decimal_places=2)
    target = forms.CharField(label=_("Target"), required=False, max_length=200)
    cycle = forms.CharField(label=_("Optimisation cycle"), required=False, max_length=100)


class TargetForm(TablerFormMixin, forms.Form):
    metric = forms.ChoiceField(label=_("Metric"))
    target = forms.DecimalField(label=_("Target"), min_value=0)

    def __init__(self, *args, **kwargs):
        from shopops.analytics.catalog import lookup

        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(k, f"{lookup(k).label} ({k})") for k in TARGET_METRICS]


class CartForm(TablerFormMixin, forms.Form):
    lines = forms.CharField(
        label=_("Cart"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One SKU per line: code and quantity, e.g. CUP-01 2"),
    )  # fmt: skip
    day = forms.DateField(label=_("Order day"), required=False, widget=DatePicker())


class ReviewForm(TablerFormMixin, forms.Form):
    successes = forms.CharField(label=_("Success factors"), required=False,
                                widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    problems = forms.CharField(label=_("Problems"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    improvements = forms.CharField(label=_("Improvements"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip


class PeriodForm(TablerFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data


class AdPlanForm(TablerFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    name = forms.CharField(label=_("Plan"), max_length=200,
                           help_text=_("As the ads export names it."))  # fmt: skip
    daily_budget = forms.DecimalField(label=_("Daily budget"), required=False, min_value=0)
    benchmark_ctr = forms.DecimalField(label=_("Benchmark CTR"), required=False, min_value=0,
                                       max_value=1, decimal_places=4)  # fmt: skip
    roi_floor = forms.DecimalField(label=_("ROI floor"), min_value=0, initial=2)
    bid_note = forms.CharField(label=_("Bid notes"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class SlotForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        from shopops.campaigns.models import PromotionSlot

        model = PromotionSlot
        fields = ["offsite", "channel", "form", "partner", "followers", "publish_on", "fee",
                  "target_visitors", "actual_visitors", "owner", "note"]  # fmt: skip
        widgets = {"publish_on": DatePicker()}
        help_texts = {"channel": _("小红书, 抖音, 微博, B站, 淘宝直播, 逛逛 …")}

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners


class TaskLinkForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("New task"), max_length=200)
    start = forms.DateField(label=_("Start"), widget=DatePicker())
    due = forms.DateField(label=_("Due"), widget=DatePicker())
