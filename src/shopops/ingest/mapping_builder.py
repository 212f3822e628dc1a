"""Building a mapping from a preview: the file's header and first rows, and for each field
of the kind the column a person picks for it."""

from itertools import islice
from pathlib import Path

from shopops.ingest.errors import ImportFailed
from shopops.ingest.kinds import KINDS
from shopops.ingest.readers import open_table

PREVIEW_ROWS = 5


def preview(path: Path, display_name: str) -> dict:
    """The header and first rows, reading no further than those (the web process)."""
    table = open_table(path, display_name, head_only=True)
    rows = [row for _, row in islice(table.rows, PREVIEW_ROWS)]
    return {"header": table.header, "rows": rows}


def guess(kind: str, header: list[str]) -> dict[str, str]:
    """Pre-select a column whose name is the field's own name (case and spaces ignored)."""
    norm = {h.strip().lower().replace(" ", "_"): h for h in header}
    return {c.name: norm[c.name] for c in KINDS[kind].columns if c.name in norm}


def build(kind: str, picks: dict[str, str], header: list[str], extra: dict) -> dict:
    """The mapping options from the picks {field: source column}; checks required fields."""
    spec = KINDS[kind]
    chosen = {field: column for field, column in picks.items() if column}
    unknown = [column for column in chosen.values() if column not in header]
    if unknown:
        raise ImportFailed(f"not in the file: {', '.join(unknown)}")
    used: dict[str, str] = {}
    for field, column in chosen.items():
        if column in used:
            raise ImportFailed(f"column {column} is picked for both {used[column]} and {field}")
        used[column] = field
    missing = [name for name in spec.required if name not in chosen]
    if missing:
        raise ImportFailed(f"pick a column for: {', '.join(missing)}")
    options = {"kind": kind, "columns": {column: field for field, column in chosen.items()}}
    for key in ("datetime_format", "date_format", "time_zone"):
        if extra.get(key):
            options[key] = extra[key]
    if extra.get("decimal_comma"):
        options["decimal_comma"] = True
    return options
