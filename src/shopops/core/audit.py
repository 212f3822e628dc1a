"""Append-only audit log of changes to money, stock, prices, goals and rules."""

from decimal import Decimal

from django.db import models

from shopops.core.models import AuditEntry, Store


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """A JSON-safe copy of the given fields; Decimals stay exact as strings."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, Decimal):
            # To the column's places, so that an unchanged 0 and 0.0000 are equal.
            places = getattr(obj._meta.get_field(name), "decimal_places", None)
            if places is not None:
                value = value.quantize(Decimal(1).scaleb(-places))
            value = str(value)
        elif isinstance(value, models.Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def acting_user(actor):
    """The signed-in user behind an action, or None for the worker, the CLI and anonymous
    calls: what a `user`/`actor` foreign key stores."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def record(
    actor,
    obj: models.Model,
    action: str,
    before: dict | None,
    after: dict | None,
    *,
    store: Store | None = None,
    via: str = "web",
) -> AuditEntry | None:
    """Write one entry; an update that changed nothing is not recorded."""
    if action == "update" and before == after:
        return None
    if action == "update" and before and after:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}  # a key new in `after` was None
        after = {k: after[k] for k in changed}
    if store is None:
        store = obj if isinstance(obj, Store) else getattr(obj, "store", None)
    return AuditEntry.objects.create(
        actor=acting_user(actor),
        actor_name=getattr(actor, "username", "") or "system",
        store=store,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        via=via,
    )
