"""A file imported before, imported again: answered without reading it row by row when
nothing stored can have changed since.

An import that stored a whole file (no rejects) proves, at its commit, that every row of
the file is stored as the file has it. That stays true until something writes the store's
orders, lines, customers or SKUs again, and every such writer raises the store's facts
version (`analytics.cache.facts_changed`, which the metric cache already relies on). So the
import keeps the version it began at and whether it raised it itself (`ImportedFile`); the
same bytes, read with the same settings by the same code, while the version is still that
one plus the import's own raise, would come back `unchanged` row for row, and are answered
so at once. A version raised by anybody else in between (a writer that committed while the
file was being read included) makes the record useless: the file is read again. Only an
import of order lines, which writes none of the tables an orders file is compared with,
moves the orders file's record past its own raise.

Only an import in a transaction of its own keeps a record: inside a caller's transaction
another write of the same transaction would share the import's one raise, and the version
could not tell. `--reread` (`reread=True`) reads and compares every row anyway.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.db.models import F

import shopops
from shopops.analytics.cache import versions
from shopops.catalog.models import Sku
from shopops.customers.models import Customer
from shopops.ingest.limits import LIMITS
from shopops.ingest.models import ImportedFile
from shopops.ingest.writers import TOUCHED
from shopops.orders.models import Order, OrderLine

# The kinds whose rows depend only on tables whose every writer raises the facts version,
# with those tables. Stock, tracking and tasks have writers that do not (fulfilment moves
# stock without a facts change).
DEPENDS = {"orders": (Customer, Order), "order_lines": (Order, OrderLine, Sku)}
KINDS = tuple(DEPENDS)
CHUNK = 1 << 20


@lru_cache(maxsize=1)
def _code() -> str:
    """Of every module of the application: any change of code may change what a file
    imports as, so it reads every file again once."""
    digest = hashlib.sha256()
    root = Path(shopops.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "tests" not in path.relative_to(root).parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def digest(path: Path, *, store, kind: str, fmt: str, options: dict) -> str:
    """Of the file's bytes and of everything else its rows are read with."""
    settings = {
        "kind": kind,
        "format": fmt,
        "options": options,
        "zone": str(store.timezone),
        "currency": store.currency,
        "limits": repr(LIMITS),
        "code": _code(),
    }
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def version(store) -> int:
    return versions([store.pk])[store.pk]


def applies(kind: str) -> bool:
    return kind in KINDS


def stored(store, kind: str, file_digest: str) -> ImportedFile | None:
    """The record proving this file is stored as it is, if one still holds."""
    record = (
        ImportedFile.objects.filter(store=store, kind=kind, digest=file_digest)
        .order_by("-pk")
        .first()
    )
    if record is None or version(store) != record.base_version + record.raises:
        return None
    return record


def remember(store, kind: str, file_digest: str, *, base_version: int, raised: bool, rows: int):
    """Called inside the import's own transaction, an outermost one. Records that can no
    longer hold (their version is behind the one this import began at) go. A record that
    held when this import began, of a kind whose tables this import does not write (the
    orders file's, under an import of order lines), still holds after this import's own
    raise: it is moved past it."""
    records = ImportedFile.objects.filter(store=store).alias(held=F("base_version") + F("raises"))
    records.filter(held__lt=base_version).delete()
    if raised:
        untouched = [k for k, tables in DEPENDS.items() if not set(tables) & set(TOUCHED[kind])]
        records.filter(kind__in=untouched, held=base_version).update(
            base_version=base_version + 1, raises=0
        )
    ImportedFile.objects.create(
        store=store,
        kind=kind,
        digest=file_digest,
        base_version=base_version,
        raises=1 if raised else 0,
        rows=rows,
    )
