"""Saved column mappings: a store's mapping for files of one shape, written from the
mapping builder and offered on the upload page. Saving one is a change to the rules an
import reads, so it is audited like one."""

from django.db import transaction
from django.utils.translation import gettext as _

from shopops.core import audit
from shopops.ingest import locks
from shopops.ingest.errors import ImportFailed
from shopops.ingest.models import SavedMapping

AUDITED = ["name", "kind", "options"]
NAME_LENGTH = SavedMapping._meta.get_field("name").max_length


@transaction.atomic
def save_mapping(actor, store, *, name: str, kind: str, options: dict, via: str = "web"):
    """Save `options` as the store's mapping called `name`, replacing one of that name;
    one audit entry with who saved it, what it was before and what it is now (a save that
    changes nothing writes none)."""
    name = name.strip()
    if not name:
        raise ImportFailed(_("Give the mapping a name."))
    if len(name) > NAME_LENGTH:
        raise ImportFailed(_("A mapping's name has at most %(n)d characters.") % {"n": NAME_LENGTH})
    found = locks.saved_mapping(store, name)
    before = audit.snapshot(found, AUDITED) if found else None
    mapping, created = SavedMapping.objects.update_or_create(
        store=store,
        name=name,
        # created_by: who saved it last, as before this module.
        defaults={"kind": kind, "options": options, "created_by": audit.acting_user(actor)},
    )
    audit.record(
        actor,
        mapping,
        "create" if created else "update",
        before,
        audit.snapshot(mapping, AUDITED),
        store=store,
        via=via,
    )
    return mapping
