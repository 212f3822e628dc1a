"""The column-wise path of the import: canonical (`shopops` format) CSV files of orders and
order lines, read in blocks of lines with pyarrow and checked a column at a time.

It gives what the general path (`pipeline`'s row-by-row parse and `writers`) gives, to the
row: a value is taken here only when it has the one plain shape whose parse is certain
(`99.50`, `2024-06-18 20:00:00`, `3`, a text within its length); any other row (a bad value,
an empty required cell, a decimal comma, a time in a daylight-saving change, a line with the
wrong number of fields …) goes through the general parser, which accepts it or names its
line, column and reason exactly as before. A file this path cannot read exactly (another
encoding, quotes, NUL characters, lone carriage returns, over-long lines, invalid UTF-8) is
`Declined` before anything is written, and the general path imports it.

Writing: natural keys are resolved per batch in bulk (a temporary table of the batch joined
to the stored rows: one UPDATE of the rows that differ, the new ones inserted with
executemany or COPY); a line's share of its order's paid amount is computed from the batch
when the batch holds all of the order's lines, else read back as the general path does.
Batches keep the general path's size and order, so a buyer seen in several rows ends as it
would there.
"""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from shopops.catalog.models import Sku
from shopops.core.numbers import line_amount, split_cents
from shopops.customers.models import Customer
from shopops.ingest import kinds, values
from shopops.ingest.bulk import _reserve_ids, upsert
from shopops.ingest.errors import RowError
from shopops.ingest.limits import LIMITS
from shopops.ingest.readers import detect_encoding
from shopops.ingest.writers import _derive_status, allocate
from shopops.orders.models import Order, OrderLine

BLOCK_BYTES = 1 << 20
CENT = Decimal("0.01")
# What str.strip() strips (every code point whose str.isspace() is true), for utf8_trim.
SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in SPACE)
_BLANK_LINE = f"^[,{_SPACE_CLASS}]*$"  # every field empty once stripped: skipped, as csv rows
_MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_COST = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"
_WHOLE = r"^[0-9]{1,12}$"  # with a decimal comma only plain whole numbers are certain
_COUNT = r"^[0-9]{1,9}$"
_MOMENT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$"
_CHOICE = r"^[A-Za-z_]+$"
SHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
KINDS_HERE = ("orders", "order_lines")


class Declined(Exception):
    """This file is for the general path; nothing has been written."""


def applies(kind: str, fmt: str, path: Path, ctx) -> bool:
    return (
        kind in KINDS_HERE
        and fmt == "shopops"
        and Path(path).suffix.lower() not in SHEETS
        and not ctx.datetime_format
        and not ctx.date_format
    )


# --- reading ------------------------------------------------------------------------------


def _blocks(path: Path):
    """(number of the block's first line, the block's lines as a string array), after the
    header line. Declined for anything the csv module could read otherwise."""
    encoding = detect_encoding(path)
    if encoding not in ("utf-8", "utf-8-sig"):
        raise Declined(encoding)
    with open(path, "rb") as f:
        if encoding == "utf-8-sig":
            f.read(3)
        header = f.readline()
        _check_bytes(header)
        line, tail = 2, b""
        while True:
            chunk = f.read(BLOCK_BYTES)
            data = tail + chunk
            if not chunk:
                if data:
                    yield line, _lines(data), f.tell()
                return
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = data
                continue
            block, tail = data[: cut + 1], data[cut + 1 :]
            yield line, _lines(block), f.tell() - len(tail)
            line += block.count(b"\n")


def _check_bytes(data: bytes) -> None:
    if b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise Declined("quotes, NUL or lone CR")


def _lines(data: bytes) -> pa.Array:
    _check_bytes(data)
    parts = pc.split_pattern(pa.array([data], pa.binary()), b"\n").values
    if data.endswith(b"\n"):
        parts = parts.slice(0, len(parts) - 1)
    try:
        lines = parts.cast(pa.string())
    except pa.ArrowInvalid:
        raise Declined("not UTF-8") from None
    if b"\r" in data:
        lines = pc.utf8_rtrim(lines, characters="\r")
    longest = pc.max(pc.utf8_length(lines)).as_py() or 0
    if longest + 2 > LIMITS.max_line_bytes:
        raise Declined("long line")
    return lines


# --- the column checks --------------------------------------------------------------------


def _np(mask) -> np.ndarray:
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


@dataclass
class Checked:
    ok: np.ndarray  # the row's cell is certain (or empty and allowed)
    value: pa.Array  # DB-ready text (or int) for the rows that are ok; null = empty
    number: pa.Array | None = None  # decimals as decimal128, times as UTC seconds


def _decimal(cells, empty, pattern, precision, scale) -> Checked:
    ok = _np(pc.match_substring_regex(cells, pattern))
    safe = pc.if_else(pa.array(ok), cells, "0")
    number = safe.cast(pa.decimal128(precision, scale))
    number = pc.if_else(pa.array(empty), pa.scalar(None, number.type), number)
    return Checked(ok, number.cast(pa.string()), number)


class Moments:
    """Local wall-clock times to UTC seconds in the store's zone, exactly as zoneinfo does
    (fold 0: the earlier of a repeated time, the offset before a skipped one). The offset is
    looked up once per local hour; an hour whose offset is not the same at its start, middle
    and end holds a change and its times go to the general path."""

    def __init__(self, zone):
        self.zone = zone
        self.offsets: dict[int, int | None] = {}

    def offset(self, hour: int) -> int | None:
        found = self.offsets.get(hour, -1)
        if found != -1:
            return found
        start = datetime(1970, 1, 1) + timedelta(hours=int(hour))
        seen = {
            (start + timedelta(seconds=s)).replace(tzinfo=self.zone).utcoffset()
            for s in (0, 1800, 3599)
        }
        result = int(seen.pop().total_seconds()) if len(seen) == 1 else None
        self.offsets[hour] = result
        return result

    def check(self, cells, empty, vendor: str) -> Checked:
        ok = _np(pc.match_substring_regex(cells, _MOMENT))
        text = pc.replace_substring(
            pc.if_else(pa.array(ok), cells, "2000-01-01 00:00:00"), "T", " "
        )
        parsed = pc.strptime(text, "%Y-%m-%d %H:%M:%S", "s", error_is_null=True)
        # strptime rolls 02-30 over into March and accepts 24:00 and :60; fromisoformat does
        # not: only a time that prints back as it was written is certain.
        ok &= _np(pc.equal(parsed.cast(pa.string()), text))
        local = parsed.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        window = values._event_window(self.zone, int(datetime.now(UTC).timestamp() // 60))
        lo, hi = (int(t.timestamp()) for t in window)
        ok &= (local > lo - 2 * 86400) & (local < hi + 2 * 86400)
        hours = local // 3600
        unique, inverse = np.unique(hours, return_inverse=True)
        offsets = np.array([self.offset(h) if h else 0 for h in unique], dtype=object)
        regular = np.array([o is not None for o in offsets], dtype=bool)[inverse]
        ok &= regular
        shift = np.array([o or 0 for o in offsets], dtype=np.int64)[inverse]
        utc = local - shift
        ok &= (utc >= lo) & (utc < hi)  # bounds.check_event_time's window
        utc = np.where(ok & ~empty, utc, 0)
        stamps = pa.array(utc, pa.timestamp("s"))
        out = stamps.cast(pa.string())  # YYYY-MM-DD HH:MM:SS, as strftime but 60x faster
        if vendor == "postgresql":
            out = pc.binary_join_element_wise(out, "+00:00", "")
        out = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), out)
        return Checked(ok, out, pa.array(np.where(empty, -1, utc)))


def _text(cells, empty, limit) -> Checked:
    ok = _np(pc.less_equal(pc.utf8_length(cells), limit))
    return Checked(ok, pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), cells))


def _count(cells, empty) -> Checked:
    ok = _np(pc.match_substring_regex(cells, _COUNT))
    number = pc.if_else(pa.array(ok & ~empty), cells, "0").cast(pa.int64())
    return Checked(ok, pc.if_else(pa.array(empty), pa.scalar(None, pa.int64()), number), number)


def _choice(cells, empty, mapping: dict) -> Checked:
    ascii_ok = _np(pc.match_substring_regex(cells, _CHOICE))
    lower = pc.ascii_lower(cells)
    keys = sorted(k for k in mapping if k.isascii() and k == k.lower())
    index = pc.index_in(lower, value_set=pa.array(keys, pa.string()))
    ok = ascii_ok & _np(pc.is_valid(index))
    mapped = pc.take(pa.array([mapping[k] for k in keys], pa.string()), index)
    return Checked(ok, pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), mapped))


# --- a block ------------------------------------------------------------------------------


@dataclass
class Plan:
    kind: str
    header: list[str]
    ctx: object
    vendor: str
    moments: Moments = None
    spec: kinds.Kind = None
    checks: dict = field(default_factory=dict)
    where: tuple = (0, 0, 0, 0, 0)  # the block being read: first line, lines, bytes, rows

    def progress(self, line: int) -> tuple[int, int]:
        """About how many rows and bytes are read once `line` is."""
        first, count, start, end, rows = self.where
        share = (line - first + 1) / max(count, 1)
        return rows + line - first + 1, start + int((end - start) * share)

    def __post_init__(self):
        self.spec = kinds.KINDS[self.kind]
        self.moments = Moments(self.ctx.zone)
        for name in self.header:
            column = self.spec.by_name.get(name)
            if column is None:
                raise Declined(f"column {name}")  # the strict header refused it already
            self.checks[name] = self._checker(column)

    def _checker(self, column):
        parse, comma = column.parse, self.ctx.decimal_comma
        if parse is kinds.money:
            return lambda c, e: _decimal(c, e, _WHOLE if comma else _MONEY, 14, 2)
        if parse is kinds.cost:
            return lambda c, e: _decimal(c, e, _WHOLE if comma else _COST, 16, 4)
        if parse is kinds.count:
            return _count
        if parse is kinds.moment:
            return lambda c, e: self.moments.check(c, e, self.vendor)
        if getattr(parse, "limit", None) is not None:
            return lambda c, e, n=parse.limit: _text(c, e, n)
        if getattr(parse, "mapping", None) is not None:
            return lambda c, e, m=parse.mapping: _choice(c, e, m)
        raise Declined(f"no column check for {column.name}")

    def block(self, lines: pa.Array):
        """(blank, fast, tuples): which lines are blank, which are certain, and the
        DB-ready tuple of each certain line, in order."""
        n = len(lines)
        blank = _np(pc.match_substring_regex(lines, _BLANK_LINE))
        width = len(self.header)
        fields = pc.split_pattern(lines, ",")
        good = (_np(pc.equal(pc.list_value_length(fields), width)) & ~blank) & _np(
            pc.less_equal(pc.utf8_length(lines), LIMITS.max_cell_chars)
        )
        index = np.flatnonzero(good)
        if not len(index):
            return blank, good, []
        flat = pc.list_flatten(pc.take(fields, pa.array(index)))
        ok = np.ones(len(index), dtype=bool)
        cells = {}
        for j, name in enumerate(self.header):
            raw = pc.utf8_trim(pc.take(flat, pa.array(np.arange(j, len(flat), width))), SPACE)
            empty = _np(pc.equal(raw, ""))
            checked = self.checks[name](raw, empty)
            column = self.spec.by_name[name]
            allowed_empty = not column.required or name in kinds.NULLABLE_REQUIRED
            ok &= np.where(empty, allowed_empty, checked.ok)
            cells[name] = checked
        ok &= self._row_checks(cells, len(index))
        fast = np.zeros(n, dtype=bool)
        fast[index[ok]] = True
        keep = pa.array(np.flatnonzero(ok))
        tuples = self._tuples({k: v.value.take(keep) for k, v in cells.items()}, len(keep))
        return blank, fast, tuples

    def _row_checks(self, cells, n) -> np.ndarray:
        ok = np.ones(n, dtype=bool)
        if self.kind == "orders":
            paid = cells["paid_amount"].number
            paid_at = cells["paid_at"].value
            zero = pa.scalar(Decimal(0), paid.type)
            ok &= ~_np(pc.and_(pc.is_null(paid_at), pc.not_equal(paid.fill_null(zero), zero)))
            if "refunded_amount" in cells:
                refunded = cells["refunded_amount"].number.fill_null(zero)
                ok &= ~_np(pc.greater(refunded, paid.fill_null(zero)))
        else:
            ok &= ~_np(pc.equal(cells["quantity"].number, 0))
        return ok

    def _column(self, values: dict, name: str, n: int) -> list:
        if name in values:
            return values[name].to_pylist()
        return [None] * n

    def _tuples(self, values: dict, n: int) -> list[tuple]:
        get = lambda name: self._column(values, name, n)  # noqa: E731
        if self.kind == "orders":
            times = {name: get(name) for name in ORDER_TIMES}
            status = get("status")
            derived = _derive_statuses(times, n)
            status = [s or d for s, d in zip(status, derived, strict=True)]
            amounts = {}
            for name in ("goods_amount", "discount_amount", "shipping_fee", "refunded_amount"):
                if name in values:
                    number = values[name].cast(pa.decimal128(14, 2))
                    is_zero = pc.fill_null(
                        pc.equal(number, pa.scalar(Decimal(0), number.type)), True
                    )
                    amounts[name] = pc.if_else(is_zero, "0", values[name]).to_pylist()
                else:
                    amounts[name] = ["0"] * n
            return list(
                zip(
                    get("order_id"),
                    get("customer_id"),
                    _or_empty(get("province")),
                    status,
                    _or_empty(get("channel")),
                    times["created_at"],
                    times["paid_at"],
                    times["shipped_at"],
                    times["delivered_at"],
                    times["completed_at"],
                    times["cancelled_at"],
                    amounts["goods_amount"],
                    amounts["discount_amount"],
                    amounts["shipping_fee"],
                    get("paid_amount"),
                    amounts["refunded_amount"],
                    _or_empty(get("city")),
                    _or_empty(get("buyer_message")),
                    strict=True,
                )
            )
        price = values["unit_price"]
        quantity = values["quantity"]
        # Prices come with 4 decimals (the column's text); a derived line amount is rounded
        # half-up to the cent, as core.numbers.line_amount rounds it.
        price_units = pc.replace_substring(price, ".", "").cast(pa.int64()).to_numpy()
        count = quantity.to_numpy(zero_copy_only=False)
        if int(price_units.max(initial=0)) * int(count.max(initial=0)) >= 10**16:
            raise Declined("line amounts near the column's limit")
        derived = (price_units * count + 50) // 100
        if "line_amount" in values:
            given = values["line_amount"]
            given_cents = pc.replace_substring(given, ".", "").cast(pa.int64()).fill_null(0)
            has = _np(pc.is_valid(given))
            cents = np.where(has, given_cents.to_numpy(), derived)
        else:
            has = np.zeros(n, dtype=bool)
            cents = derived
        computed = _cents_text(cents)
        amount = (
            pc.if_else(pa.array(has), values["line_amount"], computed) if has.any() else computed
        )
        return list(
            zip(
                get("order_id"),
                get("sku"),
                quantity.to_pylist(),
                price.to_pylist(),
                get("product_name"),
                _or_empty(get("category")),
                amount.to_pylist(),
                cents.tolist(),
                get("unit_cost"),
                strict=True,
            )
        )


ORDER_TIMES = (
    "created_at",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "cancelled_at",
)


def _or_empty(items: list) -> list:
    return ["" if v is None else v for v in items]


def _derive_statuses(times: dict, n: int) -> list:
    out = ["pending_payment"] * n
    for name, status in (
        ("paid_at", "paid"),
        ("shipped_at", "shipped"),
        ("delivered_at", "delivered"),
        ("completed_at", "completed"),
        ("cancelled_at", "cancelled"),
    ):
        for i, v in enumerate(times[name]):
            if v is not None:
                out[i] = status
    return out


def _cents_text(cents: np.ndarray) -> pa.Array:
    whole = pa.array(cents // 100).cast(pa.string())
    part = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, part, ".")


# --- records of the general path as tuples -------------------------------------------------


def _time_text(value, vendor: str):
    if value is None:
        return None
    if vendor == "postgresql":
        return value.isoformat(" ")
    return value.replace(tzinfo=None).isoformat(" ")


def _amount(value) -> str:
    return str(value or Decimal(0))


def tuple_of(kind: str, r: dict, vendor: str) -> tuple:
    """The tuple `Plan._tuples` gives, for a record parsed by the general path."""
    get = r.get
    if kind == "orders":
        return (
            r["order_id"],
            get("customer_id"),
            get("province") or "",
            get("status") or _derive_status(r),
            get("channel") or "",
            _time_text(r["created_at"], vendor),
            _time_text(r["paid_at"], vendor),
            _time_text(get("shipped_at"), vendor),
            _time_text(get("delivered_at"), vendor),
            _time_text(get("completed_at"), vendor),
            _time_text(get("cancelled_at"), vendor),
            _amount(get("goods_amount")),
            _amount(get("discount_amount")),
            _amount(get("shipping_fee")),
            str(r["paid_amount"]),
            _amount(get("refunded_amount")),
            get("city") or "",
            get("buyer_message") or "",
        )
    amount = get("line_amount")
    if amount is None:
        amount = line_amount(r["quantity"], r["unit_price"], get("_discount"))
    cost = get("unit_cost")
    return (
        r["order_id"],
        r["sku"],
        r["quantity"],
        str(r["unit_price"]),
        get("product_name"),
        get("category") or "",
        str(amount),
        int(amount.scaleb(2)),
        None if cost is None else str(cost),
    )


# --- reading a file -----------------------------------------------------------------------


def records(plan: Plan, path: Path, *, general, duplicate, on_block):
    """Lists of (line, row or None, tuple), one list per block, of the valid rows in file
    order. `general(line, row)` is the general path for one row (its record, or None once
    rejected); `duplicate(line, row, key, first)` rejects a repeated key. `on_block(rows
    read, bytes read)` after each block."""
    seen = plan.seen
    numbers = plan.line_numbers
    orders = plan.kind == "orders"
    rows = start = 0
    for first, lines, position in _blocks(path):
        plan.where = (first, len(lines), start, position, rows)
        start = position
        blank, fast, tuples = plan.block(lines)
        present = np.flatnonzero(~blank)
        rows += len(present)
        numbered = (present + first).tolist()
        if len(tuples) == len(present) and orders:
            # Every row certain: only a repeated order id needs the row by row loop.
            keys = [t[0] for t in tuples]
            if len(set(keys)) == len(keys) and not seen.get_many(keys):
                seen.put_many(zip(keys, numbered, strict=True))
                yield list(zip(numbered, [None] * len(keys), tuples, strict=True))
                _settled(plan, on_block, rows, position)
                continue
        if len(tuples) == len(present) and not orders:
            counted = numbers.get_many({t[0] for t in tuples})
            out = []
            for line, t in zip(numbered, tuples, strict=True):
                n = counted[t[0]] = counted.get(t[0], 0) + 1
                out.append((line, None, (*t, n)))
            numbers.put_many(counted)
            yield out
            _settled(plan, on_block, rows, position)
            continue
        yield list(_mixed(plan, lines, fast, tuples, present, numbered, general, duplicate))
        _settled(plan, on_block, rows, position)


def _mixed(plan, lines, fast, tuples, present, numbered, general, duplicate):
    """A block with rows for the general path, row by row in file order. The ledgers are
    read once for the block's certain rows and kept current row by row (the general path
    reads and writes them too, through `general`)."""
    seen, numbers = plan.seen, plan.line_numbers
    orders = plan.kind == "orders"
    ledger = seen if orders else numbers
    known = ledger.get_many({t[0] for t in tuples})
    ledger.put_many(known)  # in memory for the block, as `general` reads them there
    fast_rows = iter(tuples)
    for i, line in zip(present.tolist(), numbered, strict=True):
        if fast[i]:
            t = next(fast_rows)
            key = t[0]
            if orders:
                first = seen.get(key)
                if first is not None:
                    duplicate(line, lines[i].as_py().split(","), key, first)
                    continue
                seen[key] = line
                yield line, None, t
            else:
                n = numbers.get(key, 0) + 1
                numbers[key] = n
                yield line, None, (*t, n)
            continue
        row = lines[i].as_py().split(",")
        record = general(line, row)
        if record is None:
            continue
        t = tuple_of(plan.kind, record, plan.vendor)
        if not orders:
            t = (*t, record["_line_no"])
        yield line, row, t


def _settled(plan, on_block, rows: int, position: int) -> None:
    plan.seen.settle()
    plan.line_numbers.settle()
    on_block(rows, position)


# --- writing ------------------------------------------------------------------------------

ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "status",
    "channel",
    *ORDER_TIMES,
    "goods_amount",
    "discount_amount",
    "shipping_fee",
    "paid_amount",
    "refunded_amount",
    "province",
    "city",
    "receiver_name",
    "receiver_phone",
    "receiver_address",
    "buyer_message",
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "sku_id",
    "sku_code",
    "product_name",
    "category",
    "quantity",
    "unit_price",
    "line_amount",
    "unit_cost",
    "allocated_amount",
)


PLANNER = ("enable_mergejoin", "enable_hashjoin")
SQLITE_CACHE_KB = 32768


@contextmanager
def page_cache():
    """On SQLite, a 32 MB page cache for the import's writes (the default is 2 MB): the
    indexes of a table of a million order lines no longer fit, and inserting the next
    million cost 30% more CPU reading their pages again. The connection's own setting is
    restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@dataclass
class Writer:
    store: object
    kind: str
    ctx: object
    vendor: str
    skus: dict = field(default_factory=dict)
    temp: set = field(default_factory=set)

    def open(self) -> None:
        if self.vendor == "postgresql":
            # A batch's keys are a few thousand among many stored rows: look each up in its
            # unique index (a nested loop). Without statistics on the batch's temporary
            # table the planner merges it with a scan of the whole stored index instead:
            # 25 ms a batch at 200,000 rows instead of 8.
            with connection.cursor() as cursor:
                for setting in PLANNER:
                    cursor.execute(f"SET LOCAL {setting} = off")

    def write(self, batch: list, counts: Counter, reject) -> None:
        if self.kind == "orders":
            self._orders(batch, counts)
        else:
            self._lines(batch, counts, reject)

    def _orders(self, batch, counts):
        customers = {}
        for _, _, t in batch:
            if t[1]:
                customers[(t[1],)] = {"province": t[2]} if t[2] else {}
        customer_pks = upsert(
            Customer,
            self.store,
            customers,
            ("platform_id",),
            self.ctx.run.side,
            run=self.ctx.run,
            cached=("name", "phone", "province"),
        )
        rows = [
            (
                t[0],
                customer_pks[(t[1],)] if t[1] else None,
                *t[3:15],
                t[15],
                t[2],
                t[16],
                "",
                "",
                "",
                t[17],
            )
            for _, _, t in batch
        ]
        self._upsert(Order, ORDER_COLUMNS, 1, rows, counts, compare=len(ORDER_COLUMNS))

    def _lines(self, batch, counts, reject):
        store = self.store
        ids = {t[0] for _, _, t in batch}
        orders = self._orders_of(ids)
        if len(orders) < len(ids):
            kept = []
            for line, row, t in batch:
                if t[0] in orders:
                    kept.append((line, row, t))
                    continue
                self.ctx.run.forget()  # as the general path after a rolled-back batch
                reason = f"order {t[0]} is not in this store; import the orders first"
                reject(line, row, RowError("order_id", reason, line=line))
            batch = kept
            if not batch:
                return
        missing = {t[1] for _, _, t in batch} - self.skus.keys()
        if missing:
            found = {
                code: (pk, name, None if cost is None else str(cost))
                for pk, code, name, cost in Sku.objects.filter(
                    store=store, code__in=missing
                ).values_list("pk", "code", "name", "cost")
            }
            for code in missing:
                self.skus[code] = found.get(code, (None, "", None))  # sku, name, cost
        # Each order's share of its paid amount over its lines in this batch; exact when the
        # batch holds all of the order's stored lines, else read back as the general path.
        fresh = OrderLine in self.ctx.run.fresh
        pk_of = {order_id: pk for order_id, (pk, _) in orders.items()}
        orders_paid = dict(orders.values())
        paid = {pk: int(p.scaleb(2)) for pk, p in orders.values()}
        by_order: dict[int, list] = {}
        for i, (_, _, t) in enumerate(batch):
            by_order.setdefault(pk_of[t[0]], []).append(i)
        shares: list = [None] * len(batch)
        for pk, members in by_order.items():
            if len(members) == 1:
                cents = paid[pk]
                shares[members[0]] = f"{cents // 100}.{cents % 100:02d}"
                continue
            parts = split_cents(paid[pk], [batch[i][2][7] for i in members])
            for i, cents in zip(members, parts, strict=True):
                shares[i] = f"{cents // 100}.{cents % 100:02d}"
        skus = self.skus
        rows = [
            (
                pk_of[t[0]],
                t[9],
                (sku := skus[t[1]])[0],
                t[1],
                t[4] or sku[1],
                t[5],
                t[2],
                t[3],
                t[6],
                sku[2] if t[8] is None else t[8],
                share,
            )
            for (_, _, t), share in zip(batch, shares, strict=True)
        ]
        self._upsert(OrderLine, LINE_COLUMNS, 2, rows, counts, compare=len(LINE_COLUMNS) - 1)
        if fresh:
            # Lines are numbered in file order: a first line here numbered above 1 means
            # the order has lines in an earlier batch.
            read_back = [pk for pk, m in by_order.items() if batch[m[0]][2][9] != 1]
        else:
            stored = self._stored_line_counts(list(by_order))
            read_back = [pk for pk, m in by_order.items() if stored.get(pk, 0) > len(m)]
        if read_back:
            allocate(store, {pk: orders_paid[pk] for pk in read_back})

    def _stored_line_counts(self, order_pks: list[int]) -> dict[int, int]:
        table = connection.ops.quote_name(OrderLine._meta.db_table)
        if self.vendor == "postgresql":
            where, params = "order_id = ANY(%s)", [order_pks]
        else:
            where, params = f"order_id IN ({', '.join(['%s'] * len(order_pks))})", order_pks
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT order_id, COUNT(*) FROM {table} WHERE {where} GROUP BY order_id",  # noqa: S608
                params,
            )
            return dict(cursor.fetchall())

    def _orders_of(self, ids: set) -> dict:
        """{order id: (pk, paid amount)} of the stored orders among `ids`."""
        table = connection.ops.quote_name(Order._meta.db_table)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # unnest: = ANY(array) of a batch's ids is planned as a scan of all orders.
                cursor.execute(
                    f"SELECT o.id, o.order_id, o.paid_amount FROM unnest(%s::text[]) AS k(id)"  # noqa: S608
                    f" JOIN {table} o ON o.store_id = %s AND o.order_id = k.id",
                    [list(ids), self.store.pk],
                )
                return {order_id: (pk, paid) for pk, order_id, paid in cursor.fetchall()}
            found = {}
            ids = list(ids)
            for start in range(0, len(ids), 900):  # SQLite's limit of bound parameters
                chunk = ids[start : start + 900]
                cursor.execute(
                    f"SELECT id, order_id, paid_amount FROM {table}"  # noqa: S608
                    f" WHERE store_id = %s AND order_id IN ({', '.join(['%s'] * len(chunk))})",
                    [self.store.pk, *chunk],
                )
                for pk, order_id, paid in cursor.fetchall():
                    found[order_id] = (pk, _sqlite_money(paid))
            return found

    def _upsert(self, model, columns, keys: int, rows: list, counts: Counter, compare: int):
        """Rows (tuples in `columns` order; the first `keys` are the natural key) inserted
        or, where the key is stored, updated when one of the first `compare` columns
        differs; a last column past `compare` (the line's share) is set without counting."""
        if not rows:
            return
        if model in self.ctx.run.fresh:
            self._insert(model, columns, rows)
            counts["inserted"] += len(rows)
            return
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        temp = qn(f"shopops_import_{model._meta.db_table}")
        names = [qn(c) for c in columns]
        with connection.cursor() as cursor:
            if temp not in self.temp:
                if self.vendor == "postgresql":
                    cursor.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS SELECT"  # noqa: S608
                        f" 0 AS _pos, {', '.join(names)} FROM {table} WITH NO DATA"
                    )
                else:
                    cursor.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {temp} AS SELECT"  # noqa: S608
                        f" 0 AS _pos, {', '.join(names)} FROM {table} WHERE 0"
                    )
                self.temp.add(temp)
            cursor.execute(
                f"TRUNCATE {temp}" if self.vendor == "postgresql" else f"DELETE FROM {temp}"  # noqa: S608
            )
            self._load(cursor, temp, ["_pos", *names], [(i, *r) for i, r in enumerate(rows)])
            differs = "IS DISTINCT FROM" if self.vendor == "postgresql" else "IS NOT"
            last = names[compare] if compare < len(names) else None

            def changed(a: str, b: str) -> str:
                return (
                    " OR ".join(f"{a}.{n} {differs} {b}.{n}" for n in names[keys:compare])
                    or "1 = 0"
                )

            def last_differs(a: str, b: str) -> str:
                if last is None:
                    return "1 = 0"
                return f"({b}.{last} IS NOT NULL AND {a}.{last} {differs} {b}.{last})"

            # One pass over the batch: each row's stored twin looked up once, and only the
            # rows to write come back (a re-import of the same file: none). The UPDATEs,
            # each another pass, run only for a batch with changed rows.
            on = " AND ".join(f"s.{n} = t.{n}" for n in names[:keys])
            cursor.execute(
                f"SELECT t._pos, s.{qn('id')} IS NULL, {changed('s', 't')},"  # noqa: S608
                f" {last_differs('s', 't')} FROM {temp} t LEFT JOIN {table} s"
                f" ON s.{qn('store_id')} = %s AND {on}"
                f" WHERE s.{qn('id')} IS NULL OR {changed('s', 't')} OR {last_differs('s', 't')}"
                " ORDER BY t._pos",
                [self.store.pk],
            )
            new, to_update, to_share = [], False, False
            for pos, missing, row_changed, share_differs in cursor.fetchall():
                if missing:
                    new.append(rows[pos])
                else:
                    to_update = to_update or bool(row_changed)
                    to_share = to_share or bool(share_differs)
            matched = len(rows) - len(new)
            join = " AND ".join(f"{table}.{n} = {temp}.{n}" for n in names[:keys])
            where = f"{table}.{qn('store_id')} = %s AND {join}"
            updated = 0
            if to_update:
                assign = ", ".join(f"{n} = {temp}.{n}" for n in names[keys:compare])
                cursor.execute(
                    f"UPDATE {table} SET {assign} FROM {temp} WHERE {where}"  # noqa: S608
                    f" AND ({changed(table, temp)})",
                    [self.store.pk],
                )
                updated = cursor.rowcount
            if to_share:
                cursor.execute(
                    f"UPDATE {table} SET {last} = {temp}.{last} FROM {temp} WHERE {where}"  # noqa: S608
                    f" AND {last_differs(table, temp)}",
                    [self.store.pk],
                )
        self._insert(model, columns, new)
        counts["inserted"] += len(new)
        counts["updated"] += updated
        counts["unchanged"] += matched - updated

    def _insert(self, model, columns, rows):
        if not rows:
            return
        qn = connection.ops.quote_name
        ids = _reserve_ids(model, len(rows))
        store = self.store.pk
        names = [qn("id"), qn("store_id"), *(qn(c) for c in columns)]
        with connection.cursor() as cursor:
            self._load(
                cursor,
                qn(model._meta.db_table),
                names,
                [(i, store, *r) for i, r in zip(ids, rows, strict=True)],
            )

    def _load(self, cursor, table: str, names: list[str], rows: list[tuple]) -> None:
        if self.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)  # noqa: S608

    def close(self) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for setting in PLANNER:
                    cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
            else:  # PostgreSQL drops them at commit
                for temp in self.temp:
                    cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        self.temp.clear()


def fill_rows(path: Path, rejects: list) -> None:
    """The file's row for each reject made while writing (the reader keeps no row text)."""
    wanted = {r.line: r for r in rejects if r.row is None}
    if not wanted:
        return
    with open(path, encoding=detect_encoding(path), newline="") as f:
        for number, text in enumerate(f, start=1):
            if number in wanted:
                wanted[number].row = text.rstrip("\r\n").split(",")


def _sqlite_money(value) -> Decimal:
    """A MoneyField's value as SQLite gives it (REAL or INTEGER), converted as Django's
    SQLite backend converts it (15 significant digits, then 2 places)."""
    if isinstance(value, int | str):
        return Decimal(value).quantize(CENT)
    return Context(prec=15).create_decimal_from_float(value).quantize(CENT)
