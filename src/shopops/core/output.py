"""Rows printed by the CLI's `--format table|json|csv`, one rule per format.

Rows hold the command's own values (Decimal, int, bool, str, None):
- table: plain text aligned in columns (a CJK character counts two), `titles` replacing
  column names in the header (metric labels); None is an empty cell.
- json: a list of objects, each row's keys in its own order; text, booleans and null as
  they are, every other value (exact decimals, counts, dates) as its text, so no reader
  rounds an amount.
- csv: a header of `columns` and one line per row (CRLF, as the csv module writes); text
  cells made inert for spreadsheet programs (core.spreadsheets), numbers left numbers.

Plain Python: the CLI imports it without Django's models."""

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from unicodedata import east_asian_width

from shopops.core.spreadsheets import inert_dict

FORMATS = ("table", "json", "csv")


def format_rows(
    rows: Iterable[Mapping],
    columns: Sequence[str],
    fmt: str,
    *,
    titles: Mapping[str, str] | None = None,
) -> str:
    """`rows` as the text `fmt` prints, ending with its line break."""
    rows = list(rows)
    if fmt == "json":
        return json.dumps([_json_row(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(inert_dict(r) for r in rows)
        return out.getvalue()
    if fmt == "table":
        return table(rows, columns, titles) + "\n"
    raise ValueError(f"{fmt!r} is not one of {', '.join(FORMATS)}")


def _json_row(row: Mapping) -> dict:
    return {k: v if v is None or isinstance(v, str | bool) else str(v) for k, v in row.items()}


def _width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: Iterable[Mapping], columns: Sequence[str], titles: Mapping | None = None) -> str:
    """A plain-text table; `titles` replaces column names in the header (metric labels)."""
    cells = [["" if r[c] is None else str(r[c]) for c in columns] for r in rows]
    header = [str((titles or {}).get(c, c)) for c in columns]
    # A column is as wide as its widest cell, its title and its name (a title shorter than
    # the name keeps the name's width, as the tables have always been printed).
    widths = [
        max([_width(c), _width(h)] + [_width(row[i]) for row in cells])
        for i, (c, h) in enumerate(zip(columns, header, strict=True))
    ]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, cells)])
