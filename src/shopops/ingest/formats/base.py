"""What every input format shares: the header check and the mapping of source rows onto the
canonical columns of `shopops.ingest.kinds`."""

from collections.abc import Iterator

from shopops.ingest.errors import ImportFailed, RowError
from shopops.ingest.kinds import KINDS, Context
from shopops.ingest.readers import Table
from shopops.ingest.values import clean

# (line, original row, canonical string dict or the error that row raised)
Record = tuple[int, list[str], dict | RowError]


class Adapter:
    """Base: a header map from source names to canonical names; extra columns ignored."""

    name = ""
    kinds: tuple[str, ...] = ()
    strict_header = False  # canonical files reject unknown columns (typos), exports don't

    def __init__(self, kind: str, table: Table, ctx: Context, options: dict):
        if kind not in self.kinds:
            raise ImportFailed(
                f"{table.name}: the {self.name} format has no {kind!r} data "
                f"(it has: {', '.join(self.kinds)})"
            )
        self.kind = KINDS[kind]
        self.table = table
        self.ctx = ctx
        self.options = options
        self.header = table.header
        self.check_header()

    def column_map(self) -> dict[str, str]:
        """source column -> canonical column (or an `_extra` the adapter uses itself)."""
        return {name: name for name in self.kind.column_names}

    def required_sources(self) -> list[list[str]]:
        """For each required field, the source columns of which one must be present."""
        reverse: dict[str, list[str]] = {}
        for source, target in self.column_map().items():
            reverse.setdefault(target, []).append(source)
        return [reverse.get(name, [name]) for name in self.kind.required]

    def check_header(self) -> None:
        seen = set()
        for name in self.header:
            if name in seen:
                raise ImportFailed(f"{self.table.name}: line 1: column {name!r} appears twice")
            seen.add(name)
        missing = [
            " or ".join(alts)
            for alts in self.required_sources()
            if not any(a in seen for a in alts)
        ]
        if missing:
            raise ImportFailed(
                f"{self.table.name}: line 1: missing required column(s): {', '.join(missing)}"
            )
        if self.strict_header:
            unknown = [h for h in self.header if h not in self.column_map()]
            if unknown:
                raise ImportFailed(
                    f"{self.table.name}: line 1: unknown column(s) {', '.join(unknown)}; "
                    f"{self.kind.name} columns are {', '.join(self.kind.column_names)}"
                )

    def rows(self) -> Iterator[tuple[int, list[str], dict | RowError]]:
        mapping = self.column_map()
        targets = [mapping.get(h) for h in self.header]
        for line, row in self.table.rows:
            yield line, row, self._raw(row, targets)

    def _raw(self, row: list[str], targets: list) -> dict | RowError:
        width = len(self.header)
        if len(row) != width:
            return RowError(None, f"has {len(row)} fields but the header has {width}")
        raw = {}
        for target, value in zip(targets, row, strict=True):
            if target is not None:
                value = value.strip()
                if value.startswith('="'):
                    value = clean(value)  # Excel's guard; clean strips nothing more
                if value or target not in raw:
                    raw[target] = value
        return raw

    def record_of(self, row: list[str]) -> dict | RowError:
        """What `records` gives for one row of the file (the column-wise path's rows that
        it leaves to the general parser)."""
        mapping = self.column_map()
        raw = self._raw(row, [mapping.get(h) for h in self.header])
        if isinstance(raw, RowError):
            return raw
        try:
            return self.convert(raw)
        except RowError as exc:
            return exc

    def records(self) -> Iterator[Record]:
        for line, row, raw in self.rows():
            if isinstance(raw, RowError):
                yield line, row, raw
                continue
            try:
                yield line, row, self.convert(raw)
            except RowError as exc:
                yield line, row, exc

    def convert(self, raw: dict) -> dict:
        return raw
