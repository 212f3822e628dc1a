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
from shopops.ingest.errors import RowError
from shopops.ingest.reference import read_reference
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


def read_rates(path: Path, display_name: str | None = None) -> list[RateRow]:
    """Every row of the file as a checked rate, or ImportFailed naming the bad rows."""
    quote = rates.reporting_currency()
    return read_reference(
        path, display_name, headers=HEADERS, required=("date", "currency", "rate"),
        parse=lambda cells: _row(cells, quote), key=lambda r: (r.currency, r.day),
        key_column="date", said=lambda r: f"{r.currency} {r.day}", max_rows=MAX_ROWS,
        noun="rates", columns_said="date, currency, rate",
    )  # fmt: skip


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
