import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from shopops.core.access import action_for_method, can, granted_stores
from shopops.core.modules import MODULES

log = logging.getLogger(__name__)

SESSION_STORE_KEY = "shopops_store_id"

# Namespaces that enforce access themselves: the admin (staff + model permissions) and the
# API (every router carries ModuleAuth, checked by a test).
SELF_GUARDED_NAMESPACES = {"admin", "api-1"}


def current_store(request):
    stores = granted_stores(request.user)
    wanted = request.session.get(SESSION_STORE_KEY) if hasattr(request, "session") else None
    if wanted is not None:
        store = stores.filter(pk=wanted).first()
        if store is not None:
            return store
    return stores.order_by("code").first()


class NoStore(Http404):
    """A page that is about a store was opened by a user with no store (a fresh install, or
    no store granted yet). StoreScopeMiddleware answers it with the "add a store" page."""


def store_of(request):
    """The request's store, or a real None.

    `request.store` may be a SimpleLazyObject, which is never `is None` even when it wraps
    None; its truth value resolves it (a Store is always true).
    """
    store = getattr(request, "store", None)
    return store if store else None


def require_store(request):
    """The store a page is about (the one chosen in the switcher); with no store at all the
    user gets the "no store yet" page instead of the page."""
    store = store_of(request)
    if store is None:
        raise NoStore("No store")
    return store


class ChosenLanguageMiddleware:
    """The console speaks zh-hans unless the user picked a language with the switch.

    Runs before LocaleMiddleware and hides the browser's Accept-Language, so the choice is
    the language cookie's or the default's, never the browser's guess.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class StoreScopeMiddleware:
    """Sets request.store: the store picked in the switcher, if still granted, else None.

    Pages get it resolved before their view runs, so `request.store is None` is true when
    the user has no store. The API keeps it lazy: its user is known only once the token is
    checked, after this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = SimpleLazyObject(lambda: current_store(request))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and "api-1" in match.namespaces:
            return None
        user = getattr(request, "user", None)
        request.store = store_of(request) if user is not None and user.is_authenticated else None
        return None

    def process_exception(self, request, exception):
        if not isinstance(exception, NoStore):
            return None
        match = request.resolver_match
        key = getattr(getattr(match, "func", None), "shopops_access", (None, None, None))[1]
        return render(
            request,
            "core/no_store.html",
            {
                "module": next((m for m in MODULES if m.key == key), None),
                "can_add_store": can(request.user, "stores", "change"),
            },
        )


class ModuleAccessMiddleware:
    """Checks every page against the module it is marked with (see core.decorators)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and SELF_GUARDED_NAMESPACES & set(match.namespaces):
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        kind, module_key, action = getattr(view_func, "shopops_access", (None, None, None))
        if kind == "public":
            return None
        if kind is None:
            log.error("view %s at %s is not marked with a module", view_func, request.path)
            raise PermissionDenied("This page is not assigned to a module.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if kind == "login":
            return None
        if not can(request.user, module_key, action or action_for_method(request.method)):
            raise PermissionDenied
        return None
