from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.analytics.display import metric_shown
from shopops.core.access import can, can_see_costs, get_scoped_or_404
from shopops.core.decorators import module_view
from shopops.core.forms import show_refusal
from shopops.core.middleware import require_store
from shopops.core.pagination import paginate
from shopops.core.queries import store_people
from shopops.planning import goals
from shopops.planning.forms import AdjustForm, GoalForm
from shopops.planning.queries import goal_cards, visible_goals


@module_view("goals")
def goal_list(request):
    store = require_store(request)
    costs = can_see_costs(request.user)
    can_change = can(request.user, "goals", "change")
    form = None
    if can_change:
        form = GoalForm(request.POST or None, costs=costs, owners=store_people(store))
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "scope_text"}
            try:
                goal = goals.create_goal(
                    request.user, store, scope=form.cleaned_data["scope_text"], **data
                )
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Goal saved and spread over its days."))
                return redirect("planning:goal", goal_id=goal.pk)
    today = datetime.now(store.zone).date()
    paged = paginate(request, visible_goals(request.user, store), default=25)
    return render(
        request,
        "planning/goal_list.html",
        {"cards": goal_cards(paged.rows, today), "form": form, "paged": paged},
    )


@module_view("goals")
def goal_detail(request, goal_id: int):
    store = request.store
    goal = get_scoped_or_404(visible_goals(request.user, store), request.user, pk=goal_id)
    can_change = can(request.user, "goals", "change")
    form = AdjustForm(request.POST or None) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            goals.adjust(goal, data["start"], data["end"], data["total"], actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Days adjusted; the other days were re-spread."))
            return redirect("planning:goal", goal_id=goal.pk)
    today = datetime.now(store.zone).date()
    (card,) = goal_cards([goal], today)
    return render(
        request,
        "planning/goal_detail.html",
        {
            "card": card,
            "goal": goal,
            "months": _shown(goals.parts(goal, "month"), goal),
            "weeks": _shown(goals.parts(goal, "week"), goal),
            "days": [
                {"day": d.day, "target": _value(d.target, goal), "adjusted": d.adjusted}
                for d in goal.days.all()
            ],
            "form": form,
        },
    )


def _value(value, goal) -> str:
    """A target as the goal's metric is shown: money with the store's currency."""
    return metric_shown(value, goal.metric, goal.store.currency)


def _shown(parts, goal) -> list[tuple[str, str]]:
    return [(label, _value(value, goal)) for label, value in parts]
