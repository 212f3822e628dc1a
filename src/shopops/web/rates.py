"""汇率 (exchange rates): the reporting currency, the daily rates, one entered by hand or a
file of them. Viewing needs the stores module, changing its change permission; every change
goes through core.rates (audited) and ingest.rates (the file, all or none)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.core import rates
from shopops.core.access import can
from shopops.core.decorators import module_view
from shopops.core.forms import CurrencySettingsForm, RateForm, RatesFileForm, show_refusal
from shopops.core.models import Store
from shopops.core.pagination import paginate


@module_view("stores")
def rate_list(request):
    can_change = can(request.user, "stores", "change")
    action = request.POST.get("action") if request.method == "POST" else None
    config = rates.currency_settings()
    settings_form = CurrencySettingsForm(
        request.POST if action == "settings" else None, instance=config
    )
    rate_form = RateForm(request.POST if action == "rate" else None)
    file_form = RatesFileForm(
        request.POST if action == "file" else None, request.FILES if action == "file" else None
    )
    if action and not can_change:
        messages.error(request, _("Your role may not change exchange rates."))
        return redirect("web:rates")
    if action == "settings" and settings_form.is_valid():
        try:
            rates.save_currency_settings(request.user, **settings_form.cleaned_data)
        except ValidationError as exc:
            show_refusal(settings_form, exc)
        else:
            messages.success(request, _("Currency settings saved."))
            return redirect("web:rates")
    if action == "rate" and rate_form.is_valid():
        data = rate_form.cleaned_data
        try:
            rates.set_rates(
                request.user, [rates.RateRow(data["day"], data["currency"], data["rate"])]
            )
        except ValidationError as exc:
            show_refusal(rate_form, exc)
        else:
            messages.success(request, _("Rate saved."))
            return redirect("web:rates")
    if action == "file" and file_form.is_valid():
        done = _import(request, file_form)
        if done is not None:
            messages.success(
                request,
                _(
                    "%(rates)d rates: %(inserted)d new, %(updated)d changed, "
                    "%(unchanged)d unchanged."
                )
                % done,
            )
            return redirect("web:rates")
    if action == "remove":
        raw = request.POST.get("rate", "")
        if raw.isdigit():
            try:
                rates.remove_rate(request.user, int(raw))
            except rates.ExchangeRate.DoesNotExist:
                pass
            else:
                messages.success(request, _("Rate removed."))
        return redirect("web:rates")
    currencies = sorted(set(Store.objects.values_list("currency", flat=True)))
    return render(
        request,
        "web/rates.html",
        {
            "config": config,
            "paged": (paged := paginate(request, rates.rates(request.GET.get("currency")))),
            "rows": paged.rows,
            "store_currencies": currencies,
            "mixed": len(currencies) > 1,
            "settings_form": settings_form,
            "rate_form": rate_form,
            "file_form": file_form,
            "can_change": can_change,
        },
    )


def _import(request, form):
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.rates import import_rates
    from shopops.ingest.services import save_upload

    upload = form.cleaned_data["file"]
    path, name = save_upload(upload)
    try:
        return import_rates(request.user, path, display_name=name, via="web")
    except ImportFailed as exc:
        form.add_error("file", exc.message)
        return None
    finally:
        path.unlink(missing_ok=True)
