from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.catalog.models import Sku
from shopops.core.access import can
from shopops.core.decorators import module_view
from shopops.core.forms import show_refusal
from shopops.core.middleware import require_store
from shopops.core.pagination import paginate
from shopops.inventory import buffers, queries
from shopops.inventory.forms import BufferForm, MovementForm
from shopops.inventory.models import ChannelBuffer, StockMovement, Warehouse
from shopops.inventory.movements import apply_movement


@module_view("inventory")
def levels(request):
    store = require_store(request)
    warehouses = list(Warehouse.objects.filter(store=store).order_by("code"))
    can_change = can(request.user, "inventory", "change")
    if request.method == "POST":
        form = MovementForm(request.POST, warehouses=warehouses)
        if form.is_valid():
            _move(request, store, form.cleaned_data)
        else:
            messages.error(request, _("The movement was not saved: %(e)s") % {"e": _errors(form)})
        return redirect(request.get_full_path())
    alert = request.GET.get("alert", "")
    search = request.GET.get("q", "")
    paged = paginate(request, queries.level_rows(store, sku=search, alert=alert))
    return render(
        request,
        "inventory/levels.html",
        {
            "paged": paged,
            "rows": queries.with_states(paged.rows),
            "alert": alert,
            "q": search,
            "form": MovementForm(warehouses=warehouses) if can_change else None,
            "movements": StockMovement.objects.filter(store=store)
            .select_related("sku", "warehouse", "user")
            .order_by("-at", "-pk")[:30],
            "below_safety": queries.below_safety_count(store),
        },
    )


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else k}: {' '.join(v)}"
        for k, v in form.errors.items()
    )


def _move(request, store, data) -> None:
    sku = Sku.objects.filter(store=store, code=data["sku"].strip()).first()
    warehouse = Warehouse.objects.filter(store=store, code=data["warehouse"]).first()
    if sku is None or warehouse is None:
        messages.error(request, _("SKU %(sku)s is not in this store.") % {"sku": data["sku"]})
        return
    try:
        move = apply_movement(
            request.user,
            store,
            data["kind"],
            sku,
            warehouse,
            data["quantity"],
            data["reason"],
            data["reference"],
            data["to_warehouse"],
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return
    if move is None:
        messages.info(request, _("The count equals the stock on hand; nothing changed."))
    else:
        messages.success(
            request,
            _("%(sku)s in %(wh)s: on hand now %(n)d.")
            % {"sku": sku.code, "wh": move.warehouse.code, "n": move.on_hand_after},
        )


@module_view("inventory")
def channel_buffers(request):
    """Units held back per sales channel, so that channels selling the same stock do not
    oversell between two syncs."""
    store = require_store(request)
    form = BufferForm(request.POST or None) if request.POST.get("action") != "remove" else None
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            raw = request.POST.get("buffer", "")
            if raw.isdigit() and buffers.remove_buffer(request.user, store, int(raw)):
                messages.success(request, _("Buffer removed."))
            return redirect("inventory:buffers")
        if form.is_valid():
            data = form.cleaned_data
            try:
                buffers.set_buffer(
                    request.user,
                    store,
                    channel=data["channel"],
                    sku_code=data["sku"],
                    units=data["units"],
                )
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Buffer saved."))
                return redirect("inventory:buffers")
    rows = (
        ChannelBuffer.objects.filter(store=store)
        .select_related("sku")
        .order_by("channel", "sku__code")
    )
    return render(
        request,
        "inventory/buffers.html",
        {
            "section": "buffers",
            "paged": (paged := paginate(request, rows)),
            "rows": paged.rows,
            "form": form or BufferForm(),
            "can_change": can(request.user, "inventory", "change"),
        },
    )


@module_view("inventory", "view")
def ledger(request):
    """Every stock movement of the store (库存流水), newest first, paged; by SKU, warehouse
    and kind of movement."""
    from shopops.inventory.models import MovementKind

    store = require_store(request)
    sku, warehouse, kind = (request.GET.get(k, "").strip() for k in ("sku", "warehouse", "kind"))
    rows = StockMovement.objects.filter(store=store).select_related("sku", "warehouse", "user")
    if sku:
        rows = rows.filter(sku__code__icontains=sku)
    if warehouse:
        rows = rows.filter(warehouse__code=warehouse)
    if kind in MovementKind.values:
        rows = rows.filter(kind=kind)
    paged = paginate(request, rows.order_by("-at", "-pk"))
    return render(
        request,
        "inventory/ledger.html",
        {
            "section": "ledger",
            "paged": paged,
            "movements": paged.rows,
            "warehouses": Warehouse.objects.filter(store=store).order_by("code"),
            "kinds": MovementKind.choices,
            "sku": sku,
            "warehouse": warehouse,
            "kind": kind,
        },
    )
