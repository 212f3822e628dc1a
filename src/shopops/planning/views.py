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
from shopops.planning.queries import goal_cards, task_history, visible_goals


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


# --- tasks (计划与执行) ------------------------------------------------------------------


def _as_xlsx(request) -> str:
    """The page's query string (its filters) asking for the XLSX export of what it shows."""
    query = request.GET.copy()
    query["format"] = "xlsx"
    return query.urlencode()


def _task_form(store, task=None, data=None):
    from shopops.planning.forms import TaskForm

    return TaskForm(data, instance=task, store=store, owners=store_people(store))


def _save_task(request, store, form, task=None):
    """Create or change the task from the form; the refusal on the form, or the task."""
    from shopops.planning import work

    data = dict(form.cleaned_data)
    depends_on = [t.pk for t in data.pop("depends_on")]
    force = data.pop("force")
    try:
        if task is None:
            return work.create_task(request.user, store, depends_on=depends_on, force=force,
                                    **data)  # fmt: skip
        return work.change_task(request.user, task, depends_on=depends_on, force=force, **data)
    except work.DependencyBroken as exc:
        form.add_error("force", _("This breaks a dependency: %(what)s. Tick the box to save "
                                  "anyway.") % {"what": exc})  # fmt: skip
    except work.NotAllowed as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        show_refusal(form, exc)
    return None


@module_view("plans")
def task_list(request):
    """The plan as a table (template 2): filters, a new task, the XLSX export."""
    from shopops.core.downloads import XLSX, attachment
    from shopops.planning import task_export
    from shopops.planning.forms import TaskFilterForm
    from shopops.planning.queries import tasks_of

    store = require_store(request)
    people = store_people(store)
    filters = TaskFilterForm(request.GET or None, store=store, owners=people)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = tasks_of(store, chosen)
    if request.GET.get("format") == "xlsx":
        return attachment(task_export.tasks_xlsx(rows), f"运营执行任务表-{store.code}.xlsx", XLSX)
    can_change = can(request.user, "plans", "change")
    form = _task_form(store, data=request.POST or None) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        task = _save_task(request, store, form)
        if task is not None:
            messages.success(request, _("Task saved."))
            return redirect("planning:task", task_id=task.pk)
    paged = paginate(request, rows, default=50)
    return render(request, "planning/task_list.html", {
        "paged": paged, "tasks": paged.rows, "filters": filters, "form": form,
        "export_query": _as_xlsx(request), "filtered": bool(chosen and any(chosen.values())),
        "can_import": can(request.user, "imports", "change"),
    })  # fmt: skip


@module_view("plans")
def task_detail(request, task_id: int):
    """One task: its fields (the owner's, the lead's and an admin's to reschedule), what it
    starts after and what waits for it, comments and the whole history."""
    from shopops.planning import work
    from shopops.planning.models import Task

    store = require_store(request)
    task = get_scoped_or_404(Task.objects.filter(store=store), request.user, pk=task_id)
    can_change = can(request.user, "plans", "change")
    action = request.POST.get("action") if request.method == "POST" else None
    form = _task_form(store, task, request.POST if action == "save" else None)
    if not (can_change and work.may_reschedule(request.user, task)):
        for name in work.RESCHEDULING:
            form.fields[name].disabled = True
    if action == "save" and form.is_valid() and _save_task(request, store, form, task):
        messages.success(request, _("Task saved."))
        return redirect("planning:task", task_id=task.pk)
    if action == "comment":
        try:
            work.comment(request.user, task, request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("planning:task", task_id=task.pk)
    dependants = list(Task.objects.filter(predecessor_links__depends_on=task))
    if action == "delete":
        try:
            work.delete_task(request.user, task, confirm=request.POST.get("confirm") == "1")
        except work.HasDependants:
            messages.error(request, _("Other tasks depend on this one: confirm to delete it."))
            return redirect("planning:task", task_id=task.pk)
        except work.NotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("planning:task", task_id=task.pk)
        messages.success(request, _("Task deleted."))
        return redirect("planning:tasks")
    return render(request, "planning/task_detail.html", {
        "task": task, "form": form, "can_change": can_change,
        "may_delete": can_change and work.may_reschedule(request.user, task),
        "predecessors": [link.depends_on for link in task.predecessor_links.all()],
        "dependants": dependants, "history": task_history(task.pk),
    })  # fmt: skip


@module_view("plans")
def task_gantt(request):
    """The plan as a Gantt chart: bars, dependency arrows, today's line; dragging a bar or
    its end reschedules the task (gantt.js through the API, which applies planning.work's
    rules and warns of a broken dependency)."""
    from shopops.planning.queries import gantt_data, tasks_of

    store = require_store(request)
    rows = list(tasks_of(store))
    return render(request, "planning/task_gantt.html", {
        "tasks": rows, "gantt": gantt_data(rows, can(request.user, "plans", "change")),
    })  # fmt: skip


@module_view("plans")
def logs(request):
    """每日运营日志 and 异常处理记录: full-text search (planning.logbook), a new entry, the
    XLSX export of what is shown. Times are the store's: read and shown in its zone."""
    from django.utils import timezone

    store = require_store(request)
    with timezone.override(store.zone):
        return _logs(request, store)


def _logs(request, store):
    from django.utils import timezone

    from shopops.core.downloads import XLSX, attachment
    from shopops.planning import logbook
    from shopops.planning.forms import LogEntryForm
    from shopops.planning.models import LogKind

    kind = request.GET.get("kind") if request.GET.get("kind") in LogKind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    rows = logbook.entries(store, kind=kind, query=query)
    if request.GET.get("format") == "xlsx":
        from shopops.planning.task_export import logs_xlsx

        return attachment(logs_xlsx(rows[:20000], store.zone), f"运营日志-{store.code}.xlsx", XLSX)
    form = None
    if can(request.user, "plans", "change"):
        now = timezone.now().astimezone(store.zone).replace(second=0, microsecond=0)
        initial = {"kind": kind or LogKind.DAILY, "at": now}
        form = LogEntryForm(request.POST or None, initial=initial, store=store)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                logbook.write(request.user, store, **data)
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Entry saved."))
                return redirect(f"{request.path}?kind={data['kind']}")
    paged = paginate(request, rows, default=50)
    return render(request, "planning/logs.html", {
        "paged": paged, "entries": paged.rows, "form": form, "kind": kind, "query": query,
        "kinds": LogKind.choices, "export_query": _as_xlsx(request),
    })  # fmt: skip


@module_view("plans")
def sop_list(request):
    """SOP 库: the store's SOPs (three to start from), a new one."""
    from shopops.planning import sops
    from shopops.planning.forms import SopForm
    from shopops.planning.models import Sop

    store = require_store(request)
    sops.ensure_seeded(store)
    form = SopForm(request.POST or None) if can(request.user, "plans", "change") else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            version = sops.save_sop(request.user, store, **form.cleaned_data)
        except ValidationError as exc:
            show_refusal(form, exc)
        else:
            return redirect("planning:sop", sop_id=version.sop_id)
    rows = Sop.objects.filter(store=store).prefetch_related("versions")
    return render(request, "planning/sop_list.html", {"sops": rows, "form": form})


@module_view("plans")
def sop_detail(request, sop_id: int):
    """An SOP in force, rendered; its versions with the update list's columns; a diff of
    two versions; a new version."""
    from shopops.planning import sops
    from shopops.planning.forms import SopForm
    from shopops.planning.models import Sop

    store = require_store(request)
    sop = get_scoped_or_404(Sop.objects.filter(store=store), request.user, pk=sop_id)
    versions = list(sop.versions.select_related("author"))
    current = versions[0]
    form = None
    if can(request.user, "plans", "change"):
        form = SopForm(request.POST or None, initial={"title": sop.title, "body": current.body})
        if request.method == "POST" and form.is_valid():
            try:
                made = sops.save_sop(request.user, store, sop, **form.cleaned_data)
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("New version saved.") if made else _("Nothing changed.")
                )
                return redirect("planning:sop", sop_id=sop.pk)
    by_number = {v.number: v for v in versions}
    compared = None
    try:
        a, b = int(request.GET.get("from", 0)), int(request.GET.get("to", 0))
    except ValueError:
        a = b = 0
    if a in by_number and b in by_number and a != b:
        older, newer = sorted((by_number[a], by_number[b]), key=lambda v: v.number)
        compared = {"older": older, "newer": newer, "lines": sops.diff(older, newer)}
    return render(request, "planning/sop_detail.html", {
        "sop": sop, "current": current, "html": sops.render(current.body), "versions": versions,
        "compared": compared, "form": form,
    })  # fmt: skip


@module_view("plans")
def risk_list(request):
    """风险库: risks with their signal, plan, owner and when they last happened."""
    from shopops.planning import sops
    from shopops.planning.forms import RiskForm
    from shopops.planning.models import Risk

    store = require_store(request)
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = Risk.objects.filter(store=store, pk=int(request.GET["edit"])).first()
    form = None
    if can(request.user, "plans", "change"):
        form = RiskForm(request.POST or None, instance=editing, owners=store_people(store))
        if request.method == "POST" and form.is_valid():
            stored = Risk.objects.get(pk=editing.pk) if editing else None
            try:
                sops.save_risk(request.user, store, stored, **form.cleaned_data)
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Risk saved."))
                return redirect("planning:risks")
    rows = Risk.objects.filter(store=store).select_related("owner")
    return render(request, "planning/risks.html", {"risks": rows, "form": form, "editing": editing})


@module_view("plans")
def task_resources(request):
    """资源协调清单: tasks per person per week, over-allocated weeks marked."""
    from datetime import timedelta

    from shopops.planning import work
    from shopops.planning.queries import OVERLOAD_TASK_DAYS, resources

    store = require_store(request)
    today = work.today_of(store)
    monday = today - timedelta(days=today.weekday())
    try:
        shift = max(-52, min(52, int(request.GET.get("shift", 0))))
    except ValueError:
        shift = 0
    first = monday + timedelta(weeks=shift - 1)
    return render(request, "planning/resources.html", {
        **resources(store, first), "shift": shift, "limit": OVERLOAD_TASK_DAYS,
        "this_week": monday,
    })  # fmt: skip
