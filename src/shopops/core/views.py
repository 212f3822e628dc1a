import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shopops.core import services
from shopops.core.access import can, can_manage_users, can_see_costs, get_scoped_or_404
from shopops.core.decorators import login_view, module_view
from shopops.core.forms import StoreEditForm, StoreForm, TokenForm
from shopops.core.middleware import SESSION_STORE_KEY
from shopops.core.models import Store
from shopops.core.pagination import paginate
from shopops.core.queries import audit_dict, audit_entries, store_dict, stores_for


@module_view("stores")
def store_list(request):
    stores = [store_dict(s, request.user) for s in stores_for(request.user)]
    return render(
        request,
        "core/store_list.html",
        {
            "stores": stores,
            "show_costs": can_see_costs(request.user),
            "can_change": can(request.user, "stores", "change"),
            "can_manage_users": can_manage_users(request.user),
        },
    )


def _save_store_form(request, form, save):
    if form.is_valid():
        try:
            return save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
    return None


@module_view("stores")
def store_create(request):
    form = StoreForm(request.POST or None)
    if request.method == "POST":
        store = _save_store_form(
            request, form, lambda data: services.create_store(request.user, **data)
        )
        if store is not None:
            messages.success(request, _("Store %(code)s created.") % {"code": store.code})
            return redirect("core:store_detail", code=store.code)
    return render(request, "core/store_form.html", {"form": form, "creating": True})


@module_view("stores")
def store_detail(request, code):
    store = get_scoped_or_404(Store, request.user, code=code)
    return render(
        request,
        "core/store_detail.html",
        {
            "store": store_dict(store, request.user),
            "show_costs": can_see_costs(request.user),
            "can_change": can(request.user, "stores", "change"),
            "entries": [audit_dict(e, request.user) for e in _store_audit(request.user, store)],
            "can_see_audit": can(request.user, "audit", "view"),
        },
    )


def _store_audit(user, store):
    return audit_entries(user, store)[:20] if can(user, "audit", "view") else []


@module_view("stores", "change")
def store_edit(request, code):
    store = get_scoped_or_404(Store, request.user, code=code)
    form = StoreEditForm(request.POST or None, instance=store)
    if request.method == "POST":
        saved = _save_store_form(
            request,
            form,
            lambda data: services.update_store(request.user, store, **data),
        )
        if saved is not None:
            messages.success(request, _("Store %(code)s saved.") % {"code": saved.code})
            return redirect("core:store_detail", code=saved.code)
    return render(request, "core/store_form.html", {"form": form, "store": store})


@login_view
@require_POST
def switch_store(request):
    store = get_scoped_or_404(Store, request.user, code=request.POST.get("store", ""))
    request.session[SESSION_STORE_KEY] = store.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)


@module_view("audit", "view")
def audit_log(request):
    store_code = request.GET.get("store") or ""
    store = get_scoped_or_404(Store, request.user, code=store_code) if store_code else None
    paged = paginate(request, audit_entries(request.user, store))
    return render(
        request,
        "core/audit_log.html",
        {
            "paged": paged,
            "entries": [audit_dict(e, request.user) for e in paged.rows],
            "stores": stores_for(request.user),
            "store_code": store_code,
        },
    )


@login_view
def account(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.create_token(request.user, form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "core/account.html",
        {"form": form, "new_key": new_key, "tokens": request.user.api_tokens.all()},
    )


@login_view
@require_POST
def revoke_token(request, token_id):
    services.revoke_token(request.user, token_id)
    messages.success(request, _("Token revoked."))
    return redirect("core:account")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in while locked out (settings.AXES_LOCKOUT_CALLABLE):
    the sign-in page's look with the reason and the wait, 429 with Retry-After."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    response = render(
        request,
        "core/locked_out.html",
        {
            "username": get_client_username(request, credentials) or "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": math.ceil(seconds / 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
