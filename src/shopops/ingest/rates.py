"""The exchange-rates file: `date, currency, rate` (CSV in any of the encodings exports come
in, or XLSX; 日期/币种/汇率 as headers too), one rate per currency and day in the reporting
currency. Read with the import's readers and value parsers, so bad values are named by
file, line and column as in every import; written all or none (`core.rates.set_rates`,
each new or changed rate audited). Rates have no store, so they are not an import kind of
`pipeline.py`, whose runs, rejects and facts all belong to one store."""

from pathlib import Path

from django.core.exceptions import ValidationError

from shopops.core import rates
from shopops.core.rates import RateRow
from shopops.ingest.errors import ImportFailed, RowError, where
from shopops.ingest.readers import open_table
from shopops.ingest.values import to_date, to_decimal

HEADERS = {
    "date": "date",
    "day": "date",
    "日期": "date",
    "currency": "currency",
    "币种": "currency",
    "货币": "currency",
    "rate": "rate",
    "汇率": "rate",
}
MAX_ROWS = 200_000  # 500 years of daily rates of a currency
SHOWN = 20  # bad rows named in the message


def read_rates(path: Path, display_name: str | None = None) -> list[RateRow]:
    """Every row of the file as a checked rate, or ImportFailed naming the bad rows."""
    table = open_table(path, display_name)
    name = table.name
    columns = {}
    for i, title in enumerate(table.header):
        field = HEADERS.get(title.strip().lower())
        if field and field not in columns:
            columns[field] = i
    missing = [f for f in ("date", "currency", "rate") if f not in columns]
    if missing:
        table.close()
        raise ImportFailed(
            f"{name}: line 1: no column {', '.join(missing)} "
            "(the file has the columns date, currency, rate)"
        )
    quote = rates.reporting_currency()
    out, errors, seen = [], [], {}
    for line, row in table.rows:
        if len(out) + len(errors) >= MAX_ROWS:
            table.close()
            raise ImportFailed(f"{name}: more than {MAX_ROWS:,} rates in one file")
        cells = {f: (row[i].strip() if i < len(row) else "") for f, i in columns.items()}
        try:
            parsed = _row(cells, quote)
        except RowError as exc:
            errors.append(f"{where(name, line, exc.column)}: {exc.reason}")
            continue
        key = (parsed.currency, parsed.day)
        if key in seen:
            errors.append(
                f"{where(name, line, 'date')}: {parsed.currency} {parsed.day} is on line "
                f"{seen[key]} already"
            )
            continue
        seen[key] = line
        out.append(parsed)
    if errors:
        more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
        raise ImportFailed("; ".join(errors[:SHOWN]) + more)
    if not out:
        raise ImportFailed(f"{name}: no rates in the file")
    return out


def _row(cells: dict, quote: str) -> RateRow:
    for field in ("date", "currency", "rate"):
        if not cells[field]:
            raise RowError(field, "is empty")
    day = to_date(cells["date"], "date")
    rate = to_decimal(cells["rate"], "rate", places=6, max_digits=16)
    try:
        return rates.check_rate(RateRow(day, cells["currency"], rate), quote)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise RowError(field, messages[0]) from None


def import_rates(actor, path: Path, *, display_name=None, dry_run=False, via="cli") -> dict:
    """Read and store the file's rates, all or none. {"rates", "currencies", "from", "to",
    "inserted", "updated", "unchanged", "currency" (the reporting one)}."""
    rows = read_rates(path, display_name)
    summary = {
        "rates": len(rows),
        "currencies": sorted({r.currency for r in rows}),
        "from": min(r.day for r in rows).isoformat(),
        "to": max(r.day for r in rows).isoformat(),
        "currency": rates.reporting_currency(),
    }
    if dry_run:
        return {**summary, "inserted": 0, "updated": 0, "unchanged": 0, "dry_run": True}
    return {**summary, **rates.set_rates(actor, rows, via=via)}
