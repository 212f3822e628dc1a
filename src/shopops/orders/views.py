from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.core.access import can, mask_name, personal
from shopops.core.decorators import module_view
from shopops.core.downloads import XLSX, attachment
from shopops.core.middleware import require_store
from shopops.core.pagination import paginate
from shopops.orders import exports, queries, services, tracking
from shopops.orders.forms import (
    CARRIERS,
    CaseForm,
    FulfilmentSettingsForm,
    RangeForm,
    ResolveForm,
)
from shopops.orders.models import DelayCase, FulfilmentSettings, Order


def _selected(request, store) -> list[Order]:
    ids = [int(x) for x in request.POST.getlist("order") if x.isdigit()]
    return list(Order.objects.filter(store=store, pk__in=ids).order_by("paid_at", "pk"))


def _report(request, result, done_message: str) -> None:
    if result.done:
        messages.success(request, done_message % {"n": len(result.done)})
    for order_id, why in result.refused[:20]:
        messages.error(request, f"{order_id}: {why}")


def _post(request, store):
    action = request.POST.get("action")
    if action == "audit":
        result = services.batch(services.review_order, request.user, _selected(request, store))
        _report(request, result, _("%(n)d orders audited and handed to picking."))
    elif action == "ship":
        shipped = services.BatchResult()
        for order in _selected(request, store):
            carrier = request.POST.get(f"carrier-{order.pk}", "")
            tracking_no = request.POST.get(f"tracking-{order.pk}", "")
            one = services.batch(
                services.ship, request.user, [order], carrier=carrier, tracking_no=tracking_no
            )
            shipped.done += one.done
            shipped.refused += one.refused
        _report(request, shipped, _("%(n)d orders shipped."))
    elif action == "resolve":
        form = ResolveForm(request.POST)
        if form.is_valid():
            order = Order.objects.filter(store=store, pk=form.cleaned_data["order"]).first()
            if order is None:
                raise Http404("No order")
            try:
                services.resolve_hold(
                    request.user, order, form.cleaned_data["reason"], form.cleaned_data["note"]
                )
            except ValidationError as exc:
                messages.error(request, f"{order.order_id}: {'; '.join(exc.messages)}")
            else:
                messages.success(request, _("%(o)s: hold resolved.") % {"o": order.order_id})
    return redirect(request.get_full_path())


@module_view("orders")
def order_queue(request):
    store = require_store(request)
    if request.method == "POST":
        return _post(request, store)
    tab = request.GET.get("tab", "exceptions")
    if tab not in queries.TABS:
        tab = "exceptions"
    now = timezone.now()
    rules = FulfilmentSettings.of(store)
    rows = []
    paged = paginate(request, queries.queue(store, tab, now=now, search=request.GET.get("q", "")))
    for order in paged.rows:
        due = queries.ship_by(order, rules)
        rows.append(
            {
                "order": order,
                "holds": order.open,
                "lines": ", ".join(f"{x.sku_code}×{x.quantity}" for x in order.lines.all()),
                "receiver": personal(order.receiver_name, request.user, mask_name),
                # Local times made here, where one at the calendar's edge cannot overflow.
                "paid_at": queries.local_time(order.paid_at),
                "ship_by": queries.local_time(due),
                "late": order.late,
            }
        )
    return render(
        request,
        "orders/queue.html",
        {
            "tab": tab,
            "tabs": [
                ("exceptions", _("Exception queue")),
                ("to_audit", _("To audit")),
                ("to_ship", _("To ship")),
                ("overdue", _("Overdue")),
                ("all", _("All orders")),
            ],
            "counts": queries.counts(store, now=now),
            "rows": rows,
            "can_change": can(request.user, "orders", "change"),
            "carriers": CARRIERS,
            "promise": rules.shipping_promise_hours,
            "q": request.GET.get("q", ""),
            "paged": paged,
        },
    )


@module_view("orders", "view")
def logistics(request):
    store = require_store(request)
    form, start, end = RangeForm.of(request, store.zone)
    rows, total = queries.timeliness(store, start, end)
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.timeliness_xlsx(rows, total), f"物流时效跟踪表-{store.code}-{start}-{end}.xlsx"
        )
    return render(
        request,
        "orders/logistics.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "start": start,
            "end": end,
            "promise": FulfilmentSettings.of(store).delivery_promise_hours,
        },
    )


@module_view("orders")
def logistics_cases(request):
    store = require_store(request)
    if request.method == "POST":
        form = CaseForm(request.POST)
        if form.is_valid():
            case = DelayCase.objects.filter(store=store, pk=form.cleaned_data["case"]).first()
            if case is None:
                raise Http404("No case")
            data = form.cleaned_data
            try:
                tracking.handle(
                    request.user,
                    case,
                    contact_note=data["contact_note"],
                    compensation=data["compensation"],
                    compensation_amount=data["compensation_amount"],
                    result=data["result"],
                    close=data["close"],
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, _("The case is updated."))
        else:
            messages.error(request, _("Check the amount."))
        return redirect(request.get_full_path())
    form, start, end = RangeForm.of(request, store.zone)
    status = request.GET.get("status", "")
    cases = queries.delay_cases(store, start, end, status)
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.cases_xlsx(cases, store.zone),
            f"异常物流处理记录-{store.code}-{start}-{end}.xlsx",
        )
    can_change = can(request.user, "orders", "change")
    return render(
        request,
        "orders/cases.html",
        {
            "form": form,
            "status": status,
            "rows": [
                {
                    "case": c,
                    "form": CaseForm(
                        initial={
                            "case": c.pk,
                            "contact_note": c.contact_note,
                            "compensation": c.compensation,
                            "compensation_amount": c.compensation_amount
                            if c.compensation
                            else None,
                            "result": c.result,
                        },
                        auto_id=f"id_case{c.pk}_%s",
                    )
                    if can_change and c.status != "closed"
                    else None,
                }
                for c in cases[: queries.PAGE]
            ],
            "start": start,
            "end": end,
        },
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    return attachment(content, name, XLSX)


@module_view("orders", "change")
def fulfilment_settings(request):
    """The store's fulfilment rules: promises, the unpaid timeout and the review rules."""
    store = require_store(request)
    current = FulfilmentSettings.of(store)
    form = FulfilmentSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.FULFILMENT_FIELDS}
        try:
            services.save_fulfilment_settings(request.user, store, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Fulfilment settings saved."))
            return redirect("orders:settings")
    return render(request, "orders/settings.html", {"form": form, "section": "settings"})
