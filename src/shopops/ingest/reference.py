"""Small reference files (exchange rates, benchmarks): a header of known names in English
or Chinese, one checked record a row, a key that appears once. Read with the import's
readers, so encodings, XLSX and the size limits are the imports'; every bad row is named by
file, line and column, and the file is refused whole when any row is bad."""

from collections.abc import Callable, Hashable
from pathlib import Path

from shopops.ingest.errors import ImportFailed, RowError, where
from shopops.ingest.readers import open_table

SHOWN = 20  # bad rows named in one message


def read_reference(
    path: Path,
    display_name: str | None,
    *,
    headers: dict[str, str],
    required: tuple[str, ...],
    parse: Callable[[dict], object],
    key: Callable[[object], Hashable],
    key_column: str,
    said: Callable[[object], str],
    max_rows: int,
    noun: str,
    columns_said: str,
) -> list:
    """Every row as `parse` makes it (a RowError names the column), or ImportFailed naming
    the bad rows. `headers` maps a header (lower case) to its field; `key` of a record must
    be unique, a repeat is named at `key_column` as `said(record)`; a blank row is skipped."""
    table = open_table(path, display_name)
    name = table.name
    columns: dict[str, int] = {}
    for i, title in enumerate(table.header):
        field = headers.get(title.strip().lower())
        if field and field not in columns:
            columns[field] = i
    missing = [f for f in required if f not in columns]
    if missing:
        table.close()
        raise ImportFailed(
            f"{name}: line 1: no column {', '.join(missing)} (the file has the columns "
            f"{columns_said})"
        )
    out, errors, seen = [], [], {}
    for line, cells in table.rows:
        if len(out) + len(errors) >= max_rows:
            table.close()
            raise ImportFailed(f"{name}: more than {max_rows:,} {noun} in one file")
        row = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        if not any(row.values()):
            continue
        try:
            parsed = parse(row)
        except RowError as exc:
            errors.append(f"{where(name, line, exc.column)}: {exc.reason}")
            continue
        k = key(parsed)
        if k in seen:
            errors.append(
                f"{where(name, line, key_column)}: {said(parsed)} is on line {seen[k]} already"
            )
            continue
        seen[k] = line
        out.append(parsed)
    if errors:
        more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
        raise ImportFailed("; ".join(errors[:SHOWN]) + more)
    if not out:
        raise ImportFailed(f"{name}: no {noun} in the file")
    return out
