"""Row locks of core's models, named once (the model is Saleor's `lock_objects.py`).

Every `select_for_update` of the project lives in a `locks` module like this one, one per
app, so that what a service locks, and in which order, is read in one place. Each function
returns a queryset locked until the end of the caller's transaction; call it inside one."""

from shopops.core.models import Store


def store(pk: int) -> Store:
    """A store, while its settings change."""
    return Store.objects.select_for_update().get(pk=pk)


def user(pk: int):
    """A user, while their role, grants or state change."""
    from shopops.core.models import User

    return User.objects.select_for_update().get(pk=pk)
