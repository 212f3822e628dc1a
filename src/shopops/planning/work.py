"""Tasks (计划与执行, template 2): created, changed, commented, linked finish-to-start and
deleted. A task's history is the audit log's entries of it (who, when, via what, the
fields before and after; a comment, a late mark): one record, kept after a deletion.

The rules, stated here once for the page, the API, the CLI and the import:

- only the task's owner, the ops lead and an admin change its owner or dates; whoever may
  change plans on the store updates its status, progress, notes and comments;
- a dependency cycle is refused with the cycle named;
- a change that would start a task before a task it depends on is due (or move a task's
  due date past a dependant's start) is `DependencyBroken` unless the caller confirms it;
- deleting a task that others depend on needs `confirm`;
- a task past its due date (in the store's zone) and not done or cancelled is 已延期
  (`mark_late`, run by the worker); moving its due date back into the future reopens it.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shopops.core import audit
from shopops.planning import locks
from shopops.planning.models import Goal, Task, TaskDependency, TaskStatus

FIELDS = ("name", "description", "start", "due", "owner", "departments", "deliverable",
          "status", "progress", "notes", "goal")  # fmt: skip
RESCHEDULING = ("start", "due", "owner")  # the owner, the ops lead and an admin only
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class NotAllowed(Exception):
    """The actor may not make this change (the API answers 403)."""


@dataclass
class Broken:
    """A finish-to-start dependency a change would break: `task` would start on or before
    `depends_on` is due."""

    task: Task
    depends_on: Task

    def __str__(self) -> str:
        return (
            f"「{self.task.name}」({self.task.start}) starts before 「{self.depends_on.name}」 "
            f"is due ({self.depends_on.due})"
        )


class DependencyBroken(Exception):
    """The change would break these dependencies; nothing was written. Confirmed (`force`),
    it goes through."""

    def __init__(self, broken: list[Broken]):
        super().__init__("; ".join(map(str, broken)))
        self.broken = broken


class HasDependants(Exception):
    """Deleting a task others depend on needs `confirm`; nothing was written."""

    def __init__(self, dependants: list[Task]):
        super().__init__("tasks depend on it: " + ", ".join(f"「{t.name}」" for t in dependants))
        self.dependants = dependants


def is_lead(user) -> bool:
    from shopops.core.roles import role_of

    if user is None or user.is_superuser:
        return True  # None: the CLI or the system
    role = role_of(user)
    return role is not None and role.key == "ops_lead"


def may_reschedule(user, task: Task) -> bool:
    return is_lead(user) or (task.owner_id is not None and task.owner_id == user.pk)


def today_of(store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(store.zone).date()


def snapshot(task: Task) -> dict:
    """The task's fields as its history and the audit log keep them."""
    return {
        "name": task.name,
        "description": task.description,
        "start": task.start.isoformat() if task.start else None,
        "due": task.due.isoformat() if task.due else None,
        "owner": task.owner.username if task.owner_id else None,
        "departments": task.departments,
        "deliverable": task.deliverable,
        "status": task.status,
        "progress": task.progress,
        "notes": task.notes,
        "goal": task.goal_id,
    }


def clean(task: Task) -> None:
    """ValidationError naming the field."""
    from shopops.core.queries import store_people

    errors: dict[str, str] = {}
    if not (task.name or "").strip():
        errors["name"] = "A task needs its name."
    for field in ("start", "due"):
        value = getattr(task, field)
        if not isinstance(value, date):
            errors[field] = "A date, e.g. 2026-12-01."
        elif not EARLIEST <= value <= LATEST:
            errors[field] = f"A date from {EARLIEST} to {LATEST}."
    if "start" not in errors and "due" not in errors and task.due < task.start:
        errors["due"] = f"The due date {task.due} is before the start {task.start}."
    if task.status not in TaskStatus.values:
        errors["status"] = f"One of {', '.join(TaskStatus.values)}."
    if not isinstance(task.progress, int) or not 0 <= task.progress <= 100:
        errors["progress"] = "A whole percentage from 0 to 100."
    if task.owner_id and not store_people(task.store).filter(pk=task.owner_id).exists():
        errors["owner"] = "The owner must work on this store."
    if task.goal_id and not Goal.objects.filter(pk=task.goal_id, store=task.store).exists():
        errors["goal"] = "A goal of this store."
    for field in ("name", "departments", "deliverable"):
        limit = Task._meta.get_field(field).max_length
        if len(getattr(task, field) or "") > limit:
            errors[field] = f"At most {limit} characters."
    if errors:
        raise ValidationError(errors)


class Action:
    """A task's history entries, as the audit log's `action`."""

    CREATED, CHANGED, DELETED = "create", "update", "delete"
    COMMENTED, LATE = "comment", "late"


def history(task_id: int):
    """The task's entries, newest first (a deleted task's too)."""
    from shopops.core.models import AuditEntry

    return AuditEntry.objects.filter(object_type="planning.task", object_id=str(task_id))


def _settle_status(task: Task, today: date) -> None:
    """Done means 100%; a late task moved into the future is open again; an open task past
    its due date is late."""
    if task.status == TaskStatus.DONE:
        task.progress = 100
    if task.status == TaskStatus.LATE and task.due >= today:
        task.status = TaskStatus.DOING if task.progress else TaskStatus.TODO
    if task.status in (TaskStatus.TODO, TaskStatus.DOING) and task.due < today:
        task.status = TaskStatus.LATE


def _graph(store) -> dict[int, set[int]]:
    """{task: the tasks it depends on} of the store."""
    edges: dict[int, set[int]] = {}
    links = TaskDependency.objects.filter(task__store=store).values_list("task", "depends_on")
    for task, depends_on in links:
        edges.setdefault(task, set()).add(depends_on)
    return edges


def _cycle(edges: dict[int, set[int]], start: int) -> list[int] | None:
    """A path start → … → start through the edges, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _check_dependencies(task: Task, predecessors: list[Task]) -> None:
    for other in predecessors:
        if other.store_id != task.store_id:
            raise ValidationError({"depends_on": "A task of the same store."})
        if other.pk == task.pk:
            raise ValidationError({"depends_on": "A task cannot depend on itself."})
    edges = _graph(task.store)
    edges[task.pk] = {p.pk for p in predecessors}
    path = _cycle(edges, task.pk)
    if path:
        names = dict(Task.objects.filter(pk__in=path).values_list("pk", "name"))
        names[task.pk] = task.name
        cycle = " → ".join(f"「{names[pk]}」" for pk in path)
        raise ValidationError({"depends_on": f"That makes a cycle: {cycle}."})


def broken_by(task: Task, predecessors: list[Task] | None = None) -> list[Broken]:
    """The finish-to-start dependencies of the task (as predecessor and as successor) that
    its dates break."""
    if predecessors is None:
        predecessors = list(Task.objects.filter(successor_links__task=task)) if task.pk else []
    out = [Broken(task, p) for p in predecessors if task.start <= p.due]
    if task.pk:
        dependants = Task.objects.filter(predecessor_links__depends_on=task)
        out += [Broken(d, task) for d in dependants if d.start <= task.due]
    return out


def _predecessors(store, ids) -> list[Task]:
    ids = sorted({int(i) for i in ids})
    found = list(Task.objects.filter(store=store, pk__in=ids))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {t.pk for t in found})
        raise ValidationError({"depends_on": f"No task {missing[0]} in this store."})
    return found


@transaction.atomic
def create_task(actor, store, *, depends_on=(), force=False, via="web", now=None, **fields) -> Task:
    """A new task of the store; `depends_on`: ids of the tasks it starts after."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Not a field of a task."})
    task = Task(store=store, **fields)
    clean(task)  # first: the status rules compare its dates
    _settle_status(task, today_of(store, now))
    predecessors = _predecessors(store, depends_on)
    broken = broken_by(task, predecessors)
    if broken and not force:
        raise DependencyBroken(broken)
    task.save()
    _check_dependencies(task, predecessors)
    TaskDependency.objects.bulk_create(
        [TaskDependency(task=task, depends_on=p) for p in predecessors]
    )
    after = {**snapshot(task), "depends_on": [p.pk for p in predecessors]}
    audit.record(actor, task, Action.CREATED, None, after, via=via)
    return task


@transaction.atomic
def change_task(
    actor, task: Task, *, depends_on=None, force=False, via="web", now=None, note="", **fields
) -> Task:
    """Change the task's fields (and, given `depends_on`, the tasks it starts after)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Not a field of a task."})
    task = locks.task(task.pk)
    before = snapshot(task)
    allowed = may_reschedule(actor, task)  # as the task is: its owner before the change
    for name, value in fields.items():
        setattr(task, name, value)
    moved = [f for f in RESCHEDULING if snapshot(task)[f] != before[f]]
    if moved and not allowed:
        raise NotAllowed(
            "Only the task's owner, the ops lead or an admin change its owner or dates."
        )
    clean(task)
    _settle_status(task, today_of(task.store, now))
    old_links = sorted(
        TaskDependency.objects.filter(task=task).values_list("depends_on", flat=True)
    )
    predecessors = None
    if depends_on is not None:
        predecessors = _predecessors(task.store, depends_on)
        _check_dependencies(task, predecessors)
    broken = broken_by(task, predecessors)
    if broken and not force and (moved or depends_on is not None):
        raise DependencyBroken(broken)
    task.save()
    after = snapshot(task)
    links = old_links
    if predecessors is not None:
        links = sorted(p.pk for p in predecessors)
        if links != old_links:
            TaskDependency.objects.filter(task=task).delete()
            TaskDependency.objects.bulk_create(
                [TaskDependency(task=task, depends_on=p) for p in predecessors]
            )
    before["depends_on"], after["depends_on"] = old_links, links
    if note:
        after["comment"] = note[:4000]
    # The audit log keeps the fields that changed, and nothing when none did.
    audit.record(actor, task, Action.CHANGED, before, after, via=via)
    return task


@transaction.atomic
def comment(actor, task: Task, text: str, *, via="web") -> None:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"note": "Write the comment."})
    audit.record(actor, task, Action.COMMENTED, None, {"comment": text[:4000]}, via=via)


@transaction.atomic
def delete_task(actor, task: Task, *, confirm=False, via="web") -> None:
    task = locks.task(task.pk)
    if not may_reschedule(actor, task):
        raise NotAllowed("Only the task's owner, the ops lead or an admin delete it.")
    dependants = list(Task.objects.filter(predecessor_links__depends_on=task))
    if dependants and not confirm:
        raise HasDependants(dependants)
    before = {**snapshot(task), "dependants": [t.pk for t in dependants]}
    audit.record(actor, task, Action.DELETED, before, None, via=via)
    task.delete()


def mark_late(now: datetime | None = None, stores=None) -> list[Task]:
    """Every open task past its due date in its store's zone becomes 已延期, with an entry in
    its history; returns those tasks. The worker runs it; the alerts' overdue-task rule then
    tells each owner."""
    from shopops.core.models import Store

    now = now or timezone.now()
    marked = []
    for store in stores if stores is not None else Store.objects.filter(is_active=True):
        today = today_of(store, now)
        due = Task.objects.filter(
            store=store, status__in=[TaskStatus.TODO, TaskStatus.DOING], due__lt=today
        )
        for task in due:
            with transaction.atomic():
                task = locks.task(task.pk)
                if task.status not in (TaskStatus.TODO, TaskStatus.DOING):
                    continue
                before = task.status
                task.status = TaskStatus.LATE
                task.save(update_fields=["status", "updated_at"])
                audit.record(None, task, Action.LATE, {"status": before}, {"status": task.status},
                        via="worker")  # fmt: skip
                marked.append(task)
    return marked
