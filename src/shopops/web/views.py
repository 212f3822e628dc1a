from django.http import JsonResponse
from django.shortcuts import render

from shopops.core.access import can, can_see_costs, granted_stores, visible_modules
from shopops.core.decorators import module_view
from shopops.core.modules import MODULES
from shopops.core.queries import store_dict
from shopops.web.health import database_status, worker_status
from shopops.web.setup import first_run, store_has_data


def health(request):
    """200 while the database answers (the worker's state is reported, not required)."""
    db = database_status()
    worker = worker_status()
    status = "ok" if db["ok"] and worker["ok"] else ("degraded" if db["ok"] else "down")
    return JsonResponse(
        {"status": status, "database": db, "worker": worker}, status=200 if db["ok"] else 503
    )


@module_view("dashboard")
def home(request):
    store = request.store
    board = None
    if store is not None:
        from datetime import date

        from django.utils.translation import get_language

        from shopops.monitoring import dashboard

        try:
            end = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            end = None
        days = 90 if request.GET.get("days") == "90" else 30
        board = dashboard.data(store, request.user, end, days, get_language())
    return render(
        request,
        "web/home.html",
        {
            "board": board,
            "setup": None if store else first_run(request.user),
            "first_data": store is not None and not store_has_data(store),
            "store": store_dict(store, request.user) if store else None,
            "store_count": granted_stores(request.user).count(),
            "modules": [m for m in visible_modules(request.user) if m.key != "dashboard"],
            "show_costs": can_see_costs(request.user),
            "worker": worker_status(),
            "my_tasks": _my_tasks(store, request.user),
        },
    )


def _my_tasks(store, user):
    """「我的任务」 for those who see plans; None hides the card."""
    if store is None or not can(user, "plans"):
        return None
    from shopops.planning.queries import my_tasks

    return my_tasks(store, user)


def placeholder(module):
    """The page of a module that is not built yet: says so plainly instead of a 404."""

    @module_view(module.key, "view")
    def view(request):
        return render(
            request,
            "web/not_built.html",
            {"module": module, "can_change": can(request.user, module.key, "change")},
        )

    view.__name__ = f"{module.key}_placeholder"
    return view


PLACEHOLDERS = {m.key: placeholder(m) for m in MODULES if not m.built}
