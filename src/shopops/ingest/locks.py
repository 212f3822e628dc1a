"""Row locks of ingest, named once (the model is Saleor's `lock_objects.py`). Call these
inside a transaction; the locks are held until it ends."""

from shopops.ingest.models import SavedMapping


def saved_mapping(store, name: str) -> SavedMapping | None:
    """A store's saved column mapping of that name, if there is one, while it is replaced."""
    return SavedMapping.objects.select_for_update().filter(store=store, name=name).first()
