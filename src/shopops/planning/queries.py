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


def tasks_of(store, filters: dict | None = None):
    """The store's tasks by the table's filters (owner, department, status, goal, and a
    date range that a task's span overlaps)."""
    from shopops.planning.models import Task

    f = filters or {}
    rows = Task.objects.filter(store=store).select_related("owner", "goal")
    if f.get("owner"):
        rows = rows.filter(owner=f["owner"])
    if f.get("department"):
        rows = rows.filter(departments__icontains=f["department"])
    if f.get("status"):
        rows = rows.filter(status=f["status"])
    if f.get("goal"):
        rows = rows.filter(goal=f["goal"])
    if f.get("start"):
        rows = rows.filter(due__gte=f["start"])
    if f.get("end"):
        rows = rows.filter(start__lte=f["end"])
    return rows.prefetch_related("predecessor_links__depends_on")


def task_history(task_id: int) -> list[dict]:
    """A task's history as the page lists it, newest first: when, who, what happened, a
    comment, and each changed field with its value before and after."""
    from shopops.planning import work
    from shopops.planning.models import Task, TaskStatus

    actions = {
        work.Action.CREATED: _("created"), work.Action.CHANGED: _("changed"),
        work.Action.COMMENTED: _("commented"), work.Action.LATE: _("marked late"),
        work.Action.DELETED: _("deleted"),
    }  # fmt: skip
    statuses = dict(TaskStatus.choices)
    labels = {f.name: f.verbose_name for f in Task._meta.fields}
    labels["depends_on"] = _("starts after")

    def shown(field, value):
        if value in (None, "", []):
            return "—"
        return statuses.get(value, value) if field == "status" else value

    out = []
    for entry in work.history(task_id):
        after, before = entry.after or {}, entry.before or {}
        changes = []
        if entry.action in (work.Action.CHANGED, work.Action.LATE):
            changes = [
                (labels.get(k, k), shown(k, before.get(k)), shown(k, v))
                for k, v in after.items()
                if k != "comment"
            ]
        out.append({"at": entry.at, "actor": entry.actor_name, "action": entry.action,
                    "label": actions.get(entry.action, entry.action),
                    "comment": after.get("comment", ""), "changes": changes})  # fmt: skip
    return out


def gantt_data(tasks, can_move: bool) -> dict:
    """What the Gantt chart draws: each task's bar (its dates, progress, the tasks it starts
    after, a class by status, the owner under its name)."""
    return {
        "tasks": [
            {
                "id": str(t.pk),
                "name": t.name,
                "start": t.start.isoformat(),
                "end": t.due.isoformat(),
                "progress": t.progress,
                "dependencies": ", ".join(
                    str(link.depends_on_id) for link in t.predecessor_links.all()
                ),
                "custom_class": f"bar-{t.status}",
                "description": t.owner.username if t.owner_id else "",
            }
            for t in tasks
        ],
        "can_move": can_move,
    }


MY_TASKS_SHOWN = 8


def my_tasks(store, user) -> list:
    """「我的任务」: the person's open tasks of the store, late ones and the nearest due first."""
    from shopops.planning.models import OPEN_STATUSES, Task, TaskStatus

    rows = Task.objects.filter(store=store, owner=user, status__in=OPEN_STATUSES)
    late_first = [TaskStatus.LATE, TaskStatus.DOING, TaskStatus.TODO]
    return sorted(rows.order_by("due", "pk")[:50], key=lambda t: late_first.index(t.status))[
        :MY_TASKS_SHOWN
    ]


OVERLOAD_TASK_DAYS = 7  # more task-days than the week has days: more than one task a day


def resources(store, first_monday, weeks: int = 8) -> dict:
    """资源协调清单: for each owner and week, the open or done tasks that run in it and their
    task-days (days of the week a task spans); a week past OVERLOAD_TASK_DAYS is
    over-allocated."""
    from datetime import timedelta

    from shopops.planning.models import Task, TaskStatus

    starts = [first_monday + timedelta(weeks=w) for w in range(weeks)]
    end = starts[-1] + timedelta(days=6)
    rows = (
        Task.objects.filter(store=store, start__lte=end, due__gte=first_monday)
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("owner")
    )
    people: dict[str, list[dict]] = {}
    for task in rows:
        who = task.owner.username if task.owner_id else ""
        cells = people.setdefault(who, [{"tasks": [], "days": 0} for _ in starts])
        for i, monday in enumerate(starts):
            sunday = monday + timedelta(days=6)
            overlap = (min(task.due, sunday) - max(task.start, monday)).days + 1
            if overlap > 0:
                cells[i]["tasks"].append(task.name)
                cells[i]["days"] += overlap
    for cells in people.values():
        for cell in cells:
            cell["over"] = cell["days"] > OVERLOAD_TASK_DAYS
    ordered = sorted(people.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return {"weeks": starts, "people": ordered}
