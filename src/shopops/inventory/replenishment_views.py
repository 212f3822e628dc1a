"""Pages of replenishment: suggestions with the readiness check, and purchase orders."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shopops.core.access import can, can_see_costs
from shopops.core.decorators import module_view
from shopops.core.middleware import require_store
from shopops.core.pagination import paginate
from shopops.inventory import drafting, purchasing, replenishment, tasks
from shopops.inventory.forms import ReadinessForm
from shopops.inventory.models import PurchaseOrder, PurchaseStatus, Warehouse


@module_view("inventory")
def suggestions(request):
    store = require_store(request)
    warehouses = list(Warehouse.objects.filter(store=store).order_by("code"))
    if request.method == "POST":
        if request.POST.get("action", "").startswith(("manual:", "put_back:")):
            return _override(request, store)
        return _draft_orders(request, store, warehouses)
    fc = _forecast(store)
    readiness = None
    form = ReadinessForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        readiness = replenishment.readiness(
            store, data["codes"], data["start"], data["end"], data["uplift"], fc=fc
        )
        unknown = set(data["codes"]) - {r.sku for r in readiness}
        if unknown:
            messages.error(
                request, _("Not SKUs of this store: %(c)s") % {"c": ", ".join(sorted(unknown))}
            )
    rows = replenishment.suggestions(store, fc=fc)
    zh = (get_language() or "zh-hans").startswith("zh")
    for r in rows:
        r.why = replenishment.explain(r, zh)
    if request.GET.get("format") == "xlsx":
        from shopops.core.downloads import XLSX, attachment
        from shopops.inventory.replenishment_export import suggestions_xlsx

        return attachment(suggestions_xlsx(rows, zh), f"replenishment-{store.code}.xlsx", XLSX)
    paged = paginate(request, rows)
    return render(
        request,
        "inventory/replenishment.html",
        {
            "section": "replenishment",
            "rows": paged.rows,
            "paged": paged,
            "to_order": sum(1 for r in rows if r.suggested),
            "warehouses": warehouses,
            "form": form,
            "readiness": readiness,
            "can_change": can(request.user, "inventory", "change"),
            "horizon": replenishment.HORIZON_DAYS,
            "history": replenishment.HISTORY_DAYS,
            "review": replenishment.REVIEW_DAYS,
            "factor": replenishment.READINESS_FACTOR,
            "accuracy": _accuracy_text(replenishment.overall_accuracy(store)),
        },
    )


def _forecast(store) -> dict:
    """The forecast the worker made, not one fitted on the request (seconds): after new
    facts the page shows today's latest forecast and the worker makes the next; the
    forecast is fitted here only when none was made today."""
    fc, fresh = replenishment.latest_forecast(store)
    if fresh:
        return fc
    if fc is None or tasks.run_inline():
        return replenishment.forecast(store)
    tasks.refresh_forecast_soon(store)
    return fc


def _override(request, store):
    """A manual daily rate, or an order line put back into the demand (the buttons of the
    suggestions table); the change permission, audited (inventory.demand_overrides)."""
    from shopops.inventory import demand_overrides

    if not can(request.user, "inventory", "change"):
        messages.error(request, _("Your role may not change the demand."))
        return redirect(request.path)
    kind, _sep, rest = request.POST["action"].partition(":")
    try:
        if kind == "manual":
            value = request.POST.get(f"manual-{rest}", "").strip()
            demand_overrides.set_manual_daily(request.user, store, rest, value)
            messages.success(request, _("%(sku)s: daily demand saved.") % {"sku": rest})
        else:
            code, _sep, order_id = rest.partition(":")
            demand_overrides.put_back(request.user, store, code, order_id)
            messages.success(
                request, _("%(sku)s: order %(order)s counted as demand again.")
                % {"sku": code, "order": order_id}
            )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(request.path)


def _draft_orders(request, store, warehouses):
    """One draft PO per supplier from the ticked suggestions (drafting.draft_by_supplier)."""
    warehouse = next((w for w in warehouses if w.code == request.POST.get("warehouse")), None)
    if warehouse is None:
        messages.error(request, _("Choose the warehouse to receive into."))
        return redirect(request.path)
    # A ticked row without a whole quantity above 0 is left out.
    lines = []
    for code in request.POST.getlist("sku"):
        raw = request.POST.get(f"qty-{code}", "").strip()
        if raw.isascii() and raw.isdigit() and int(raw) > 0:
            lines.append((code, int(raw)))
    if not lines:
        messages.error(request, _("Tick the SKUs to order and give their quantities."))
        return redirect(request.path)
    try:
        made = drafting.draft_by_supplier(request.user, store, warehouse=warehouse, lines=lines)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect(request.path)
    messages.success(
        request, _("Draft purchase orders: %(n)s") % {"n": ", ".join(po.number for po in made)}
    )
    return redirect("inventory:purchase_orders")


@module_view("inventory")
def purchase_orders(request):
    store = require_store(request)
    orders = (
        PurchaseOrder.objects.filter(store=store)
        .select_related("supplier", "warehouse")
        .prefetch_related("lines__sku")
        .order_by("-created_at", "-pk")
    )
    paged = paginate(request, orders)
    return render(
        request,
        "inventory/purchase_orders.html",
        {"section": "purchase_orders", "orders": paged.rows, "paged": paged},
    )


@module_view("inventory")
def purchase_order(request, number: str):
    store = require_store(request)
    po = PurchaseOrder.objects.filter(store=store, number=number).first()
    if po is None:
        raise Http404("No purchase order")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "place":
                purchasing.place(request.user, po)
                messages.success(request, _("%(po)s is ordered.") % {"po": po.number})
            elif action == "cancel":
                purchasing.cancel(request.user, po)
                messages.success(request, _("%(po)s is cancelled.") % {"po": po.number})
            elif action == "receive":
                quantities = {}
                for line in po.lines.all():
                    raw = request.POST.get(f"receive-{line.pk}", "").strip()
                    if raw:
                        if not raw.isdigit():
                            raise ValidationError({"quantity": _("Whole units only.")})
                        quantities[line.pk] = int(raw)
                n = purchasing.receive(request.user, po, quantities)
                messages.success(request, _("%(n)d units received into stock.") % {"n": n})
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        return redirect(request.path)
    return render(
        request,
        "inventory/purchase_order.html",
        {
            "section": "purchase_orders",
            "po": po,
            "lines": po.lines.select_related("sku__product").order_by("sku__code"),
            "show_costs": can_see_costs(request.user),
            "can_change": can(request.user, "inventory", "change"),
            "can_receive": can(request.user, "inventory", "change")
            and po.status in (PurchaseStatus.ORDERED, PurchaseStatus.PARTIAL),
        },
    )


def _accuracy_text(accuracy) -> dict | None:
    """The backtest's figures as the page shows them."""
    if accuracy is None:
        return None

    def number(value, percent=False):
        if value is None:
            return "—"
        return (
            f"{value * 100:+.1f}%"
            if percent == "signed"
            else (f"{value * 100:.1f}%" if percent else f"{value:.2f}")
        )

    return {
        "mase": number(accuracy.mase),
        "naive_mase": number(accuracy.naive_mase),
        "wape": number(accuracy.wape, True),
        "naive_wape": number(accuracy.naive_wape, True),
        "bias": number(accuracy.bias, "signed"),
    }
