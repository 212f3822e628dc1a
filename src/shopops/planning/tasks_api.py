"""/api/v1/tasks: a store's tasks (template 2) listed with the table's filters, created,
changed (the Gantt chart moves a bar with a PATCH of start and due), commented and deleted.
The rules are planning.work's: a reschedule by someone else than the owner, the ops lead or
an admin is 403; a change that breaks a dependency is 409 naming it, unless `force`; a
cycle is 422 naming it; deleting a task others wait for is 409 unless `confirm`."""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from shopops.core.access import get_scoped_or_404, granted_stores
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.queries import store_people, store_person
from shopops.core.schemas import responses
from shopops.planning import work
from shopops.planning.models import Goal, Task
from shopops.planning.queries import tasks_of

router = Router(tags=["tasks"], auth=ModuleAuth("plans"))


class TaskOut(Schema):
    id: int
    store: str
    name: str
    description: str
    start: str
    due: str
    owner: str | None
    departments: str
    deliverable: str
    status: str
    progress: int
    notes: str
    goal: int | None
    depends_on: list[int]


class TaskIn(Schema):
    name: str | None = None
    description: str | None = None
    start: date | None = None
    due: date | None = None
    owner: str | None = None  # a username; "" for none
    departments: str | None = None
    deliverable: str | None = None
    status: str | None = None
    progress: int | None = None
    notes: str | None = None
    goal: int | None = None
    depends_on: list[int] | None = None
    force: bool = False
    note: str = ""


class CommentIn(Schema):
    note: str


def task_dict(task: Task) -> dict:
    return {
        "id": task.pk, "store": task.store.code, "name": task.name,
        "description": task.description, "start": task.start.isoformat(),
        "due": task.due.isoformat(), "owner": task.owner.username if task.owner_id else None,
        "departments": task.departments, "deliverable": task.deliverable,
        "status": task.status, "progress": task.progress, "notes": task.notes,
        "goal": task.goal_id,
        "depends_on": sorted(link.depends_on_id for link in task.predecessor_links.all()),
    }  # fmt: skip


def _fields(store, payload: TaskIn) -> dict:
    """The payload's fields as planning.work takes them: the owner a user of the store, the
    goal one of its goals (422 naming the field otherwise)."""
    from django.core.exceptions import ValidationError

    data = payload.dict(exclude_none=True, exclude={"force", "note", "depends_on"})
    if "owner" in data:
        data["owner"] = store_person(store, data["owner"])
    if "goal" in data:
        goal = Goal.objects.filter(store=store, pk=data["goal"]).first()
        if goal is None:
            raise ValidationError({"goal": "A goal of this store."})
        data["goal"] = goal
    return data


def _task(request, task_id: int) -> Task:
    return get_object_or_404(
        Task.objects.select_related("store", "owner"),
        pk=task_id, store__in=granted_stores(request.auth),
    )  # fmt: skip


def _broken(exc: work.DependencyBroken):
    return Status(409, {
        "detail": f"This breaks a dependency: {exc}. Send force: true to save anyway.",
        "broken": [{"task": b.task.pk, "depends_on": b.depends_on.pk} for b in exc.broken],
    })  # fmt: skip


@router.get("", response=responses({200: list[TaskOut]}, 404), summary="A store's tasks")
def list_tasks(
    request,
    store: str,
    status: str = "",
    owner: str = "",
    department: str = "",
    goal: int | None = None,
    start: date | None = None,
    end: date | None = None,
):
    target = get_scoped_or_404(Store, request.auth, code=store)
    filters = {"status": status, "department": department, "goal": goal,
               "start": start, "end": end}  # fmt: skip
    if owner:
        filters["owner"] = store_people(target).filter(username=owner).first() or -1
    return [task_dict(t) for t in tasks_of(target, filters)]


@router.post("", response=responses({201: TaskOut, 409: dict}, 400, 404),
             summary="Create a task")  # fmt: skip
def create_task(request, store: str, payload: TaskIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = _fields(target, payload)
    try:
        task = work.create_task(request.auth, target, depends_on=payload.depends_on or (),
                                force=payload.force, via="api", **fields)  # fmt: skip
    except work.DependencyBroken as exc:
        return _broken(exc)
    return Status(201, task_dict(task))


@router.get("/{int:task_id}", response=responses({200: TaskOut}, 404), summary="One task")
def get_task(request, task_id: int):
    return task_dict(_task(request, task_id))


@router.patch("/{int:task_id}", response=responses({200: TaskOut, 409: dict}, 400, 404),
              summary="Change a task (the Gantt chart's drag sends start and due)")  # fmt: skip
def change_task(request, task_id: int, payload: TaskIn):
    task = _task(request, task_id)
    fields = _fields(task.store, payload)
    try:
        changed = work.change_task(request.auth, task, depends_on=payload.depends_on,
                                   force=payload.force, note=payload.note, via="api",
                                   **fields)  # fmt: skip
    except work.DependencyBroken as exc:
        return _broken(exc)
    except work.NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    return task_dict(changed)


@router.post("/{int:task_id}/comments", response=responses({201: dict}, 400, 404),
             summary="Comment on a task")  # fmt: skip
def comment_task(request, task_id: int, payload: CommentIn):
    work.comment(request.auth, _task(request, task_id), payload.note, via="api")
    return Status(201, {"task": task_id})


@router.delete("/{int:task_id}", response=responses({204: None, 409: dict}, 404),
               summary="Delete a task (confirm=true when others depend on it)")  # fmt: skip
def delete_task(request, task_id: int, confirm: bool = False):
    try:
        work.delete_task(request.auth, _task(request, task_id), confirm=confirm, via="api")
    except work.HasDependants as exc:
        return Status(409, {"detail": f"{exc}; send confirm=true to delete it",
                            "dependants": [t.pk for t in exc.dependants]})  # fmt: skip
    except work.NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    return Status(204, None)
