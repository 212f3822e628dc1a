"""What the shell (sidebar, store switcher, user menu) needs on every page."""

from shopops.alerts.queries import unread_count
from shopops.core.access import granted_stores, visible_modules
from shopops.core.modules import SECTIONS
from shopops.core.roles import role_of


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    modules = visible_modules(user)
    nav = [
        {"label": label, "modules": [m for m in modules if m.section == key]}
        for key, label in SECTIONS.items()
    ]
    match = getattr(request, "resolver_match", None)
    view_module = getattr(getattr(match, "func", None), "shopops_access", (None, None))[1]
    role = role_of(user)
    return {
        "nav": [section for section in nav if section["modules"]],
        "active_module": view_module,
        "current_store": request.store,
        "switchable_stores": granted_stores(user).order_by("code"),
        "user_role": role.label if role else None,
        "unread_notifications": unread_count(user),
    }
