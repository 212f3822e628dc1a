"""Reading export files as they come: CSV in UTF-8 (with or without BOM), GBK/GB18030 or
UTF-16, CRLF or LF, and XLSX. CSV rows are streamed, never loaded whole; a workbook is
measured (`limits.check_workbook`) before it is opened."""

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shopops.ingest.errors import ImportFailed
from shopops.ingest.limits import LIMITS, bounded_lines, check_row, check_workbook
from shopops.ingest.values import clean

SAMPLE = 1 << 20
csv.field_size_limit(LIMITS.max_line_bytes)


def detect_encoding(path: Path, name: str | None = None) -> str:
    with open(path, "rb") as f:
        head = f.read(SAMPLE)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{name or path.name}: not a text file in UTF-8, GBK/GB18030 or UTF-16"
        ) from None


@dataclass
class Table:
    """A file opened for reading: its header and a stream of (line number, row) pairs."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int
    position: callable  # bytes read so far, for progress
    close: callable = lambda: None  # when the rows will not be read


def open_table(path: Path, display_name: str | None = None, head_only: bool = False) -> Table:
    """`head_only`: the caller reads only the first rows (the mapping preview), so a
    workbook is streamed with openpyxl instead of loaded whole by calamine."""
    path = Path(path)
    name = display_name or path.name
    if not path.exists():
        raise ImportFailed(f"{name}: no such file")
    if head_only and path.suffix.lower() in (".xlsx", ".xlsm"):
        return _stream_sheet(path, name)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _open_sheet(path, name)
    encoding = detect_encoding(path, name)  # the name the user chose, not the kept file's
    raw = open(path, "rb")  # noqa: SIM115 (closed when the row stream ends)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(bounded_lines(text, name))
    try:
        header = next(reader)
        check_row(header, name, 1)
    except StopIteration:
        raw.close()
        raise ImportFailed(f"{name}: the file is empty") from None
    except UnicodeDecodeError:
        raw.close()
        raise ImportFailed(f"{name}: line 1: not valid {encoding} text") from None
    except (ImportFailed, csv.Error) as exc:
        raw.close()
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(f"{name}: line 1: {exc}") from None

    def rows():
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise ImportFailed(
                        f"{name}: line {reader.line_num + 1}: not valid {encoding} text"
                    ) from None
                except csv.Error as exc:
                    raise ImportFailed(f"{name}: line {reader.line_num}: {exc}") from None
                if not row or all(not v.strip() for v in row):
                    continue  # blank lines, e.g. a trailing empty line
                check_row(row, name, reader.line_num)
                yield reader.line_num, row
        finally:
            raw.close()

    return Table(
        name, [clean(h) for h in header], rows(), os.path.getsize(path), raw.tell, raw.close
    )


def _open_sheet(path: Path, name: str) -> Table:
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        check_workbook(path, name)
    elif os.path.getsize(path) > LIMITS.max_xlsx_xml_bytes:
        raise ImportFailed(f"{name}: the workbook is too large; save it as CSV")
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise ImportFailed(f"{name}: cannot read the workbook ({exc})") from None
    rows = iter(sheet.iter_rows())
    try:
        header = [_cell(v) for v in next(rows)]
    except StopIteration:
        raise ImportFailed(f"{name}: the first sheet is empty") from None
    total = max(sheet.height, 1)
    state = {"line": 1}
    return Table(
        name, [clean(h) for h in header], _rows(rows, name, state), total, lambda: state["line"]
    )


def _stream_sheet(path: Path, name: str) -> Table:
    """The first sheet row by row (openpyxl's read-only mode parses the XML as it goes)."""
    import openpyxl

    check_workbook(path, name)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows)]
    except StopIteration:
        raise ImportFailed(f"{name}: the first sheet is empty") from None
    except Exception as exc:  # openpyxl and zipfile raise their own error types
        raise ImportFailed(f"{name}: cannot read the workbook ({exc})") from None
    state = {"line": 1}

    def stream():
        try:
            yield from _rows(rows, name, state)
        finally:
            book.close()

    size = os.path.getsize(path)
    return Table(name, [clean(h) for h in header], stream(), size, lambda: state["line"])


def _rows(rows, name: str, state: dict):
    """(line, row) of a sheet's remaining rows as text, blank rows skipped; `state["line"]`
    follows the sheet's line numbers, for progress."""
    for values in rows:
        state["line"] += 1
        row = [_cell(v) for v in values]
        if any(row):
            check_row(row, name, state["line"])
            yield state["line"], row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)
