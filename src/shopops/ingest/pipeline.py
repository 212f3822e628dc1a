"""The one import pipeline behind the CLI, the upload page, the API and the worker.

read (stream) -> adapt to the canonical columns -> validate (the whole file, no lock held)
-> upsert by natural key, in batches, inside one short transaction: a file goes in whole or
not at all, unless the caller asks to skip invalid rows, which are then reported with their
line and reason.
"""

import csv
import json
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction

from shopops.analytics.cache import facts_changed
from shopops.core import audit
from shopops.ingest import columnar, same_file
from shopops.ingest.bulk import RunState
from shopops.ingest.errors import ImportFailed, RowError, where
from shopops.ingest.formats import get_adapter
from shopops.ingest.formats.mapping import check_mapping
from shopops.ingest.keyspill import KeyLedger
from shopops.ingest.kinds import KINDS, Context
from shopops.ingest.limits import check_row
from shopops.ingest.readers import open_table
from shopops.ingest.writers import TOUCHED, WRITERS

BATCH = 2000
KEEP_REJECTS = 200  # how many rejects the run keeps for the page; the CSV has them all


@dataclass
class Reject:
    line: int
    column: str | None
    reason: str
    row: list[str]


@dataclass
class ImportResult:
    file: str
    kind: str
    format: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    rejects: list[Reject] = field(default_factory=list)
    # When the same file was stored whole at this time (UTC) and nothing changed since.
    same_as: str | None = None

    def summary(self) -> str:
        prefix = "dry run, nothing written: " if self.dry_run else ""
        if self.same_as:
            prefix += (
                f"the same file as the import of {self.same_as}, and nothing stored has"
                " changed since: "
            )
        return (
            f"{self.file}: {prefix}{self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected "
            f"({self.rows} rows in {self.seconds:.1f} s)"
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rejects"] = [asdict(r) for r in self.rejects[:KEEP_REJECTS]]
        return data


def load_mapping(path: Path) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    try:
        if Path(path).suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # json and yaml raise their own error types
        raise ImportFailed(f"{Path(path).name}: not a valid mapping file ({exc})") from None
    if not isinstance(data, dict):
        raise ImportFailed(f"{Path(path).name}: a mapping file holds a mapping (key: value)")
    return data


def run_import(
    *,
    store,
    kind: str,
    path: Path,
    fmt: str = "shopops",
    mapping: dict | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    user=None,
    via: str = "cli",
    display_name: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    reread: bool = False,
) -> ImportResult:
    """Import one file. Raises ImportFailed (nothing written) on a file-level problem or,
    without skip_invalid, on the first invalid row. A file stored whole before, with
    nothing written to the store's facts since, is answered at once (`same_file`) unless
    `reread`."""
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    started = time.monotonic()
    options = mapping or {}
    if not isinstance(options, dict):
        raise ImportFailed("the mapping must be a mapping of settings (columns: …)")
    # A record proves the file's rows only if nothing else shares this import's transaction.
    own_transaction = not connection.in_atomic_block
    file_digest = None
    if own_transaction and same_file.applies(kind) and Path(path).is_file():
        seen_file = same_file.identity(Path(path))
        file_digest = same_file.digest(Path(path), store=store, kind=kind, fmt=fmt, options=options)
        # Read before any stored row is, and only then: see same_file.
        base_version = same_file.version(store)
        record = None if reread else same_file.stored(store, kind, file_digest)
        if record is not None:
            result = ImportResult(
                file=display_name or Path(path).name,
                kind=kind,
                format=fmt,
                dry_run=dry_run,
                rows=record.rows,
                unchanged=record.rows,
                same_as=record.created_at.isoformat(timespec="seconds"),
                seconds=time.monotonic() - started,
            )
            if progress:
                size = Path(path).stat().st_size
                progress(result.rows, size, size)
            return result
    table = open_table(Path(path), display_name)
    if fmt == "mapping":
        check_mapping(options, kind, table.name)
    ctx = Context(
        zone=_zone(options.get("time_zone") or store.timezone),
        date_format=options.get("date_format"),
        datetime_format=options.get("datetime_format"),
        decimal_comma=bool(options.get("decimal_comma")),
        currency=store.currency,
    )
    adapter = get_adapter(fmt)(kind, table, ctx, options)
    ctx.run = RunState(
        fresh={m for m in TOUCHED[kind] if not m.objects.filter(store=store).exists()}
    )
    spec = KINDS[kind]
    result = ImportResult(file=table.name, kind=kind, format=fmt, dry_run=dry_run)
    counts: Counter = Counter()
    seen = KeyLedger()  # natural key of each row -> its line
    line_numbers = KeyLedger()  # order id -> its lines so far
    writer = WRITERS[kind]

    def reject(line, row, error: RowError):
        line = error.line or line
        if not skip_invalid:
            raise ImportFailed(
                f"{where(table.name, line, error.column)}: {error.reason}",
                line=line,
                column=error.column,
            )
        result.rejects.append(Reject(line, error.column, error.reason, row))

    def parse(line, row, raw) -> dict | None:
        try:
            if isinstance(raw, RowError):
                raise raw
            lines = raw.pop("_lines", None)
            record = spec.parse(raw, ctx)
            record["_line"] = line
            if kind == "order_lines":
                number = line_numbers.get(record["order_id"], 0) + 1
                line_numbers[record["order_id"]] = number
                record["_line_no"] = number
            if lines is not None:
                embedded["lines"] = True
                record["_lines"] = [
                    _parse_line(item, ctx, n) for n, item in enumerate(lines, start=1)
                ]
            key = spec.natural_key(record)
            # One entry per row for the whole file: a bare string for one-part keys keeps a
            # million-row import tens of MB smaller than a tuple each.
            entry = key[0] if len(key) == 1 else key
            first = seen.get(entry)
            if first is not None:
                raise RowError(
                    spec.key[0], f"duplicate of line {first} ({', '.join(map(str, key))})"
                )
            seen[entry] = line
            return record
        except RowError as exc:
            reject(line, row, exc)
            return None

    batches = 0
    embedded = {"lines": False}  # whether an orders file carries its lines (Shopify)

    def refresh_statistics():
        # A big import grows tables inside one transaction; PostgreSQL's planner still
        # believes them empty and turns the per-batch key lookups into sequential scans
        # (quadratic time). ANALYZE sees the transaction's own rows; do it at 1, 4, 16 …
        nonlocal batches
        batches += 1
        if (
            connection.vendor == "postgresql"
            and batches & (batches - 1) == 0
            and batches.bit_length() % 2 == 1
        ):
            with connection.cursor() as cursor:
                for model in TOUCHED[kind]:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def flush(batch: list[tuple[int, list[str], dict]]):
        refresh_statistics()
        while batch:
            try:
                with transaction.atomic():
                    writer(store, [r for _, _, r in batch], counts, ctx)
                return
            except RowError as exc:
                ctx.run.forget()  # the batch was rolled back; so is what it taught us
                # A row that only the database can judge (an unknown order or SKU): drop it
                # and write the rest of the batch again.
                bad = next((i for i, (line, _, _) in enumerate(batch) if line == exc.line), 0)
                line, row, _ = batch.pop(bad)
                reject(line, row, exc)

    def spill_general(spill) -> int:
        spilled = 0
        batch = []
        for line, row, raw in adapter.records():
            result.rows += 1
            record = parse(line, row, raw)
            if record is not None:
                batch.append((line, row, record))
            if len(batch) >= BATCH:
                pickle.dump(batch, spill, pickle.HIGHEST_PROTOCOL)
                spilled += 1
                batch = []
                seen.settle()
                line_numbers.settle()
                if progress:  # reading is the first half of the way
                    progress(result.rows, table.position() // 2, table.size)
        if batch:
            pickle.dump(batch, spill, pickle.HIGHEST_PROTOCOL)
            spilled += 1
        return spilled

    def spill_columnar(spill, plan) -> int:
        """The same batches from the column-wise reader (`ingest.columnar`): its rows are
        tuples ready for its writer; the rows it cannot take go through `parse`."""

        def general(line, row):
            check_row(row, table.name, line)
            return parse(line, row, adapter.record_of(row))

        def duplicate(line, row, key, first):
            reject(line, row, RowError(spec.key[0], f"duplicate of line {first} ({key})"))

        def on_block(rows, position):
            result.rows = rows
            if progress:
                progress(rows, position // 2, table.size)

        plan.seen, plan.line_numbers = seen, line_numbers
        spilled = 0
        batch = []
        for entries in columnar.records(
            plan, Path(path), general=general, duplicate=duplicate, on_block=on_block
        ):
            batch.extend(entries)
            while len(batch) >= BATCH:
                pickle.dump(batch[:BATCH], spill, pickle.HIGHEST_PROTOCOL)
                spilled += 1
                if progress:
                    rows, position = plan.progress(batch[BATCH - 1][0])
                    progress(rows, position // 2, table.size)
                batch = batch[BATCH:]
        if batch:
            pickle.dump(batch, spill, pickle.HIGHEST_PROTOCOL)
            spilled += 1
        return spilled

    # Read and validate the whole file first, with no lock held: the batches wait in a
    # spill file, and only writing them holds the database's write lock (on SQLite, the
    # one writer at a time), so the console keeps writing while a big file is parsed.
    with tempfile.TemporaryFile(prefix="shopops-import-") as spill, seen, line_numbers:
        fast = None
        if columnar.applies(kind, fmt, Path(path), ctx):
            try:
                fast = columnar.Plan(kind, table.header, ctx, connection.vendor)
                spilled = spill_columnar(spill, fast)
            except columnar.Declined:
                # Nothing is written yet: start again on the general path.
                fast = None
                result.rows, result.rejects[:] = 0, []
                seen.clear()
                line_numbers.clear()
                spill.seek(0)
                spill.truncate()
        if fast is None:
            spilled = spill_general(spill)
        else:
            table.close()
        spill.seek(0)
        with columnar.page_cache() if fast is not None else nullcontext(), transaction.atomic():
            columnar_writer = None
            if fast is not None:
                columnar_writer = columnar.Writer(store, kind, ctx, connection.vendor)
                columnar_writer.open()
            for written in range(1, spilled + 1):
                batch = pickle.load(spill)  # noqa: S301 - our own file, written just now
                if columnar_writer is not None:
                    refresh_statistics()
                    columnar_writer.write(batch, counts, reject)
                else:
                    flush(batch)
                if progress:
                    half = table.size // 2
                    progress(result.rows, half + half * written // spilled, table.size)
            if columnar_writer is not None:
                columnar_writer.close()
                columnar.fill_rows(Path(path), result.rejects)
            side = ctx.run.side
            wrote = bool(
                counts["inserted"] or counts["updated"] or side["inserted"] or side["updated"]
            )
            if dry_run:
                transaction.set_rollback(True)
            elif wrote and spec.facts:
                # In the import's transaction: the lake's marks commit with the rows. An
                # import in a transaction of its own raises the version in it too, on
                # PostgreSQL as well (its last statement; the row is held for the commit
                # only): a raise lost after the commit would leave its record holding.
                facts_changed(store.pk, at_once=own_transaction)
            if (
                file_digest is not None
                and not dry_run
                and not result.rejects
                and same_file.identity(Path(path)) == seen_file
            ):
                same_file.remember(
                    store,
                    kind,
                    file_digest,
                    base_version=base_version,
                    raised=wrote,
                    rows=result.rows,
                    lines_too=embedded["lines"],
                )
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.unchanged = counts["unchanged"]
    result.rejected = len(result.rejects)
    result.seconds = time.monotonic() - started
    if progress:
        progress(result.rows, table.size, table.size)
    if rejects_path and result.rejects:
        write_rejects(Path(rejects_path), table.header, result.rejects)
    if not dry_run and (result.inserted or result.updated):
        audit.record(
            user,
            store,
            "import",
            None,
            {
                "kind": kind,
                "format": fmt,
                "file": table.name,
                "inserted": result.inserted,
                "updated": result.updated,
                "rejected": result.rejected,
            },
            store=store,
            via=via,
        )
    return result


def _zone(name) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ValueError, ZoneInfoNotFoundError):
        raise ImportFailed(f"time_zone: {name!r} is not a known time zone") from None


def _parse_line(item: dict, ctx: Context, line_no: int) -> dict:
    line = item.pop("_line", None)
    discount = item.pop("_discount", "")
    try:
        record = KINDS["order_lines"].parse({"order_id": "-", **item}, ctx)
        if discount:
            from shopops.ingest.kinds import money

            record["_discount"] = money(discount, "Lineitem discount", ctx)
    except RowError as exc:
        exc.line = exc.line or line
        raise
    record["_line_no"] = line_no
    return record


def write_rejects(path: Path, header: list[str], rejects: list[Reject]) -> None:
    from shopops.core.spreadsheets import inert_row

    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(inert_row(["line", "column", "reason", *header]))
        for r in rejects:
            out.writerow(inert_row([r.line, r.column or "", r.reason, *r.row]))
