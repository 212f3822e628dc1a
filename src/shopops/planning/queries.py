"""Reads of goals for pages and the API: scoped to the user's stores, cost goals only for
roles that see costs."""

from django.utils.translation import gettext_lazy as _

from shopops.analytics.catalog import is_cost, lookup
from shopops.analytics.display import bar, metric_shown, percent
from shopops.core.access import can_see_costs, scoped
from shopops.planning import goals
from shopops.planning.models import Goal


def visible_goals(user, store):
    qs = scoped(Goal.objects.filter(store=store), user).select_related("owner", "store")
    if can_see_costs(user):
        return qs
    return qs.exclude(pk__in=[g.pk for g in qs if is_cost(g.metric)])


WEIGHTING_LABELS = {
    "last_year": _("last year's curve"),
    "weekday": _("weekday profile of the last 8 weeks"),
    "flat": _("evenly"),
    "constant": _("the same value every day"),
}


def goal_cards(goal_list, today) -> list[dict]:
    out = []
    goal_list = list(goal_list)
    every = goals.progress_many(goal_list, today)
    for goal in goal_list:
        metric = lookup(goal.metric)
        p = every[goal.pk]
        achievement = p["projected_achievement"] if goals.is_additive(goal.metric) else None
        out.append(
            {
                "goal": goal,
                "label": metric.label,
                "target_text": metric_shown(goal.target, goal.metric, goal.store.currency),
                "actual_text": metric_shown(p["actual"], goal.metric, goal.store.currency),
                "projection_text": metric_shown(p["projection"], goal.metric, goal.store.currency),
                "achievement_text": percent(p["achievement"]),
                "projected_text": percent(achievement),
                "achievement_bar": bar(p["achievement"]),
                "on_track": (p["projected_achievement"] or 0) >= 1,
                "elapsed": f"{p['elapsed_days']}/{p['days']}",
                "elapsed_bar": int(p["elapsed_days"] * 100 / p["days"]) if p["days"] else 0,
                "progress": p,
                "weighting": WEIGHTING_LABELS.get(goal.weighting, goal.weighting),
            }
        )
    return out
