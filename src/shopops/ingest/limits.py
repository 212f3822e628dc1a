"""How large an import file may be, checked before anything is loaded.

A spreadsheet is a zip of XML: 1.6 KB with cells only at A1 and XFD1048576 makes a dense
reader allocate a 16,384 x 1,048,576 grid (512 GiB), and a 1 MB file can expand to 500 MB
of XML. So an XLSX is measured from its zip directory and its cell references (a streamed
scan, never a load) before a reader sees it, and a CSV is read line by line with a cap on
each line and on the columns of a row. Every limit is a setting (environment variable) with
a default that real exports stay far below.
"""

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from shopops.ingest.errors import ImportFailed


def _setting(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_columns: int = _setting("SHOPOPS_IMPORT_MAX_COLUMNS", 500)
    max_rows: int = _setting("SHOPOPS_IMPORT_MAX_ROWS", 2_000_000)
    max_cells: int = _setting("SHOPOPS_IMPORT_MAX_CELLS", 30_000_000)
    max_sheets: int = _setting("SHOPOPS_IMPORT_MAX_SHEETS", 50)
    max_xlsx_xml_bytes: int = _setting("SHOPOPS_IMPORT_MAX_XLSX_XML_MB", 300) << 20
    max_line_bytes: int = _setting("SHOPOPS_IMPORT_MAX_LINE_KB", 1024) << 10
    max_cell_chars: int = _setting("SHOPOPS_IMPORT_MAX_CELL_CHARS", 32_767)  # Excel's own


LIMITS = Limits()

_CELL_REF = re.compile(rb'<(?:[a-z]+:)?(c|row)\b[^>]*?\sr="([A-Z]{0,3})([0-9]{1,9})"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_workbook(path: Path, name: str, limits: Limits = LIMITS) -> None:
    """Refuse a workbook whose parts would expand beyond the limits, or whose first sheet
    spans more rows, columns or cells than allowed; reads only the zip directory and
    streams the sheet's XML."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed(f"{name}: not a readable XLSX workbook (not a zip archive)") from None
    with archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.max_xlsx_xml_bytes:
            raise ImportFailed(
                f"{name}: the workbook expands to {total >> 20} MB of XML, more than the "
                f"{limits.max_xlsx_xml_bytes >> 20} MB allowed; save it as CSV or split it"
            )
        sheets = sorted((i for i in infos if _SHEET.match(i.filename)), key=_sheet_order)
        if len(sheets) > limits.max_sheets:
            raise ImportFailed(
                f"{name}: {len(sheets)} sheets, more than the {limits.max_sheets} allowed"
            )
        if sheets:
            _check_extent(archive, sheets[0], name, limits)


def _sheet_order(info: zipfile.ZipInfo):
    digits = re.findall(r"\d+", info.filename)
    return (int(digits[-1]) if digits else 0, info.filename)


def _check_extent(archive: zipfile.ZipFile, sheet: zipfile.ZipInfo, name: str, limits: Limits):
    """The largest row and column any cell or row element of the sheet names."""
    rows = columns = 0
    tail = b""
    with archive.open(sheet) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            for _kind, letters, number in _CELL_REF.findall(data):
                rows = max(rows, int(number))
                if letters:
                    columns = max(columns, column_number(letters))
            tail = data[-256:]  # an element cut at the chunk's end is matched again next time
            if columns > limits.max_columns or rows > limits.max_rows:
                break
    if columns > limits.max_columns:
        raise ImportFailed(
            f"{name}: the first sheet has cells in column {columns}, more than the "
            f"{limits.max_columns} columns allowed"
        )
    if rows > limits.max_rows:
        raise ImportFailed(
            f"{name}: the first sheet has cells in row {rows}, more than the "
            f"{limits.max_rows} rows allowed; split the file"
        )
    if rows * max(columns, 1) > limits.max_cells:
        raise ImportFailed(
            f"{name}: the first sheet spans {rows} rows x {columns} columns, more than the "
            f"{limits.max_cells} cells allowed; remove stray cells far from the data or split it"
        )


def bounded_lines(text, name: str, limits: Limits = LIMITS):
    """The lines of a text stream, refusing one longer than the limit before it is read
    whole (a 50 MB file of one line must not become 26 million fields in memory)."""
    number = 0
    while True:
        line = text.readline(limits.max_line_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > limits.max_line_bytes and not line.endswith("\n"):
            raise ImportFailed(
                f"{name}: line {number} is longer than {limits.max_line_bytes >> 10} KB; "
                "is this a CSV file with one record per line?",
                line=number,
            )
        yield line


def check_row(row: list, name: str, line: int, limits: Limits = LIMITS) -> None:
    if len(row) > limits.max_columns:
        raise ImportFailed(
            f"{name}: line {line} has {len(row)} columns, more than the "
            f"{limits.max_columns} allowed",
            line=line,
        )
    if not row or max(map(len, row)) <= limits.max_cell_chars:
        return  # the common case, measured in C
    for value in row:
        if len(value) > limits.max_cell_chars:
            raise ImportFailed(
                f"{name}: line {line}: a value of {len(value)} characters, more than the "
                f"{limits.max_cell_chars} allowed",
                line=line,
            )


def memory_limit_mb() -> int:
    """What one import's child process may allocate on top of its start-up, in MB."""
    try:
        return int(os.environ.get("SHOPOPS_IMPORT_MEMORY_MB", 2048))
    except ValueError:
        return 2048
