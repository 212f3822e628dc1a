"""Row locks of planning, named once (the model is Saleor's `lock_objects.py`). Call these
inside a transaction; the locks are held until it ends."""

from shopops.planning.models import Goal


def goal(pk: int) -> Goal:
    """A goal, while its days are (re)spread."""
    return Goal.objects.select_for_update().get(pk=pk)


def task(pk: int):
    """A task, while it is changed, marked late or deleted."""
    from shopops.planning.models import Task

    return Task.objects.select_related("store", "owner").select_for_update(of=("self",)).get(pk=pk)
