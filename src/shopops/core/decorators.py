"""Marks that tell ModuleAccessMiddleware which module a page belongs to.

Every view of the console is marked; an unmarked view is refused (deny by default), and a
test walks the URL configuration to prove none is left unmarked.
"""

from collections.abc import Callable


def module_view(module_key: str, action: str | None = None) -> Callable:
    """A page of a module. Without `action`, safe methods need view and others change."""

    def mark(view):
        view.shopops_access = ("module", module_key, action)
        return view

    return mark


def login_view(view):
    """A page any signed-in user may open (their own profile, the store switcher)."""
    view.shopops_access = ("login", None, None)
    return view


def public_view(view):
    """A page anyone may open (login, health check)."""
    view.shopops_access = ("public", None, None)
    return view
