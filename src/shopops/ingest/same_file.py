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
import of order lines, which writes none of the tables a canonical orders file is compared
with, moves that file's record past its own raise (not an orders file that carries its
lines, as Shopify's does).

The import raises the version inside its own transaction (its last statement, on
PostgreSQL too), so its raise commits with its rows or not at all. Every other writer on
PostgreSQL raises just after its commit: a re-import in that instant is answered as if it
had run just before the write, as a cached metric would be.

Only an import in a transaction of its own keeps a record: inside a caller's transaction
another write of the same transaction would share the import's one raise, and the version
could not tell. `--reread` (`reread=True`) reads and compares every row anyway.
"""

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from django.db.models import F

import shopops
from shopops.analytics.cache import versions
from shopops.catalog.models import Sku
from shopops.core.installed import dist_infos
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
KEEP = 50  # records a store keeps at most (of files imported at the same version)
# Libraries whose upgrade may read the same bytes otherwise (values, instants, sheets).
READERS = {
    "django": "django",
    "numpy": "numpy",
    "openpyxl": "openpyxl",
    "pyarrow": "pyarrow",
    "python_calamine": "python_calamine",
    "tzdata": "tzdata",
}
TZDATA = Path("/usr/share/zoneinfo/tzdata.zi")  # the system's time zones, zoneinfo's first


@lru_cache(maxsize=1)
def _code() -> str:
    """Of every module of the application: any change of code may change what a file
    imports as, so it reads every file again once."""
    digest = hashlib.sha256()
    root = Path(shopops.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "tests" not in path.relative_to(root).parts:
            digest.update(path.read_bytes())
    for entry in dist_infos(READERS):
        digest.update(entry.encode())
    try:
        with open(TZDATA, "rb") as f:
            digest.update(f.readline())  # "# version 2025b"
    except OSError:
        pass
    return digest.hexdigest()


def identity(path: Path) -> tuple:
    """What tells this file from one written in its place: compared before the digest
    and after the import read it, so a file changed meanwhile keeps no record."""
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def digest(path: Path, *, store, kind: str, fmt: str, options: dict) -> str:
    """Of the file's bytes and of everything else its rows are read with."""
    settings = {
        "kind": kind,
        "format": fmt,
        "suffix": Path(path).suffix.lower(),  # chooses the reader
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
    current = version(store)
    return (
        ImportedFile.objects.filter(store=store, kind=kind, digest=file_digest)
        .alias(held=F("base_version") + F("raises"))
        .filter(held=current)
        .order_by("-pk")
        .first()
    )


def remember(
    store,
    kind: str,
    file_digest: str,
    *,
    base_version: int,
    raised: bool,
    rows: int,
    lines_too: bool = False,
) -> None:
    """Called inside the import's own transaction, after its raise. Records that can no
    longer hold (their version is behind the one this import began at) go. A record that
    held when this import began, of a file whose tables this import does not write (a
    canonical orders file's, under an import of order lines), still holds after this
    import's own raise: it is moved past it. `lines_too`: an orders file that carries its
    lines."""
    records = ImportedFile.objects.filter(store=store).alias(held=F("base_version") + F("raises"))
    records.filter(held__lt=base_version).delete()
    if raised:
        touched = set(TOUCHED[kind])
        for other, tables in DEPENDS.items():
            if set(tables) & touched:
                continue
            moved = records.filter(kind=other, held=base_version)
            if OrderLine in touched:
                moved = moved.filter(lines_too=False)
            moved.update(base_version=base_version + 1, raises=0)
    ImportedFile.objects.create(
        store=store,
        kind=kind,
        digest=file_digest,
        base_version=base_version,
        raises=1 if raised else 0,
        rows=rows,
        lines_too=lines_too,
    )
    old = ImportedFile.objects.filter(store=store).order_by("-pk").values_list("pk")[KEEP:]
    ImportedFile.objects.filter(pk__in=list(old)).delete()
