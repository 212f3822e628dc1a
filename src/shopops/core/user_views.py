"""The team's users in the console: list, add, change role, stores and state, reset a
password, revoke API tokens. For administrators and the roles that may manage users (the
operations lead), each only over the users and stores access.managed_users allows; every
write goes through core.services and is audited."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from shopops.core import services
from shopops.core.access import can_manage_users, granted_stores, managed_users
from shopops.core.decorators import module_view
from shopops.core.forms import PasswordSetForm, UserAddForm, UserEditForm, show_refusal
from shopops.core.models import ApiToken
from shopops.core.pagination import paginate
from shopops.core.roles import role_of


def _manager(request):
    if not can_manage_users(request.user):
        raise PermissionDenied(_("Your role may not manage users."))
    return request.user


def _row(user) -> dict:
    role = role_of(user)
    return {
        "user": user,
        "role": role.label if role else ("—" if not user.is_superuser else _("Administrator")),
        "stores": ", ".join(g.store.code for g in user.grants.all()) or "—",
    }


@module_view("stores", "view")
def user_list(request):
    actor = _manager(request)
    users = (
        managed_users(actor)
        .prefetch_related("groups", "grants__store")
        .order_by("-is_active", "username")
    )
    paged = paginate(request, users)
    return render(
        request,
        "core/user_list.html",
        {"paged": paged, "rows": [_row(u) for u in paged.rows]},
    )


def _stores(actor):
    return granted_stores(actor).order_by("code")


def _save(form, save):
    try:
        return save()
    except ValidationError as exc:
        show_refusal(form, exc)
    return None


@module_view("stores", "change")
def user_create(request):
    actor = _manager(request)
    form = UserAddForm(request.POST or None, stores=_stores(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = _save(
            form,
            lambda: services.add_user(
                actor,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                stores=list(data["stores"]),
                email=data.get("email") or "",
            ),
        )
        if user is not None:
            messages.success(request, _("User %(u)s added.") % {"u": user.username})
            return redirect("core:user_detail", username=user.username)
    return render(request, "core/user_add.html", {"form": form})


@module_view("stores")
def user_detail(request, username: str):
    actor = _manager(request)
    user = get_object_or_404(managed_users(actor), username=username)
    role = role_of(user)
    initial = {
        "email": user.email,
        "is_active": user.is_active,
        "role": role.key if role else None,
        "stores": list(user.grants.values_list("store", flat=True)),
    }
    form = UserEditForm(initial=initial, stores=_stores(actor))
    password = PasswordSetForm(user)
    action = request.POST.get("action")
    if request.method == "POST" and action == "change":
        form = UserEditForm(request.POST, initial=initial, stores=_stores(actor))
        if form.is_valid():
            data = form.cleaned_data
            changed = _save(
                form,
                lambda: services.change_user(
                    actor,
                    user,
                    role=data["role"],
                    stores=list(data["stores"]),
                    is_active=data["is_active"],
                    email=data.get("email") or "",
                ),
            )
            if changed is not None:
                messages.success(request, _("User %(u)s saved.") % {"u": user.username})
                return redirect("core:user_detail", username=user.username)
    elif request.method == "POST" and action == "password":
        password = PasswordSetForm(user, request.POST)
        if password.is_valid():
            services.reset_password(actor, user, password.cleaned_data["new_password1"])
            messages.success(request, _("New password set for %(u)s.") % {"u": user.username})
            return redirect("core:user_detail", username=user.username)
    elif request.method == "POST" and action == "revoke":
        token_id = request.POST.get("token", "")
        if token_id.isdigit() and services.revoke_user_token(actor, user, int(token_id)):
            messages.success(request, _("Token revoked."))
        return redirect("core:user_detail", username=user.username)
    return render(
        request,
        "core/user_detail.html",
        {
            "target": user,
            "row": _row(user),
            "form": form,
            "password_form": password,
            "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
            "is_self": user.pk == actor.pk,
        },
    )
