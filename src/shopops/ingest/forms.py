from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shopops.core.forms import TablerFormMixin
from shopops.ingest.kinds import KINDS

KIND_LABELS = {
    "orders": pgettext_lazy("import kind", "Orders"),
    "order_lines": pgettext_lazy("import kind", "Order lines"),
    "products": pgettext_lazy("import kind", "Products"),
    "stock": pgettext_lazy("import kind", "Stock"),
    "traffic": pgettext_lazy("import kind", "Traffic"),
    "ads": pgettext_lazy("import kind", "Ads"),
    "tracking": pgettext_lazy("import kind", "Tracking events"),
    "tasks": pgettext_lazy("import kind", "Tasks (template 2)"),
}
FORMAT_LABELS = [
    ("shopops", _("ShopOps CSV (templates below)")),
    ("taobao", _("Taobao/Tmall 订单报表 / 宝贝报表")),
    ("shopify", _("Shopify orders export")),
]


class UploadForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Data"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_LABELS)
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    mapping = forms.ModelChoiceField(
        label=_("Saved mapping (optional, overrides data and format)"),
        queryset=None,
        required=False,
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and list the rejected ones"), required=False
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)

    def __init__(self, *args, mappings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings


class MappingUploadForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Data"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    file = forms.FileField(label=_("Any CSV or XLSX file"))
