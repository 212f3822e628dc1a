"""A store's benchmarks (行业基准): the values its `benchmark` rules compare a metric with,
such as the industry's CTR. Entered one at a time on the page, by the API, or as a file of
`metric, value, source` (CSV in any encoding exports come in, or XLSX; 指标/基准值/来源 as
headers too), read with the import's readers so a bad value is named by file, line and
column. A file is stored all or none; every new, changed or removed value is audited."""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from shopops.alerts import locks
from shopops.alerts.models import Benchmark
from shopops.analytics.catalog import CATALOG, UnknownMetric, lookup
from shopops.analytics.display import is_percent, metric_shown
from shopops.core import audit
from shopops.ingest.errors import RowError
from shopops.ingest.reference import read_reference
from shopops.ingest.values import to_decimal

AUDITED = ["metric", "value", "source"]
HEADERS = {
    "metric": "metric",
    "指标": "metric",
    "指标名称": "metric",
    "value": "value",
    "benchmark": "value",
    "基准值": "value",
    "行业均值": "value",
    "行业基准": "value",
    "source": "source",
    "来源": "source",
}
MAX_ROWS = 1_000  # the catalog has a few dozen metrics
PLACES = Decimal("0.000001")  # Benchmark.value: 20 digits, 6 of them places
LARGEST = Decimal(10) ** 14
SOURCE_LENGTH = Benchmark._meta.get_field("source").max_length


@dataclass(frozen=True)
class BenchmarkRow:
    metric: str
    value: Decimal
    source: str = ""


def metric_key(text: str) -> str:
    """A catalog key from its key or its Chinese name (点击率 → ctr)."""
    text = (text or "").strip()
    by_name = {m.zh: k for k, m in CATALOG.items()}
    key = by_name.get(text, text.lower())
    lookup(key)  # UnknownMetric
    return key


def check(row: BenchmarkRow) -> BenchmarkRow:
    """ValidationError naming the field: a metric not in the catalog, a negative value or a
    share over 1000%, a source too long."""
    try:
        key = metric_key(row.metric)
    except UnknownMetric as exc:
        raise ValidationError({"metric": str(exc)}) from None
    if not row.value.is_finite() or row.value >= LARGEST:
        raise ValidationError({"value": f"A number under {LARGEST:,}."})
    if row.value < 0:
        raise ValidationError({"value": "A benchmark is 0 or more."})
    if row.value != row.value.quantize(PLACES):
        raise ValidationError({"value": "At most 6 decimal places."})
    if lookup(key).unit == "ratio" and row.value > 10:
        raise ValidationError({"value": "A share: 0.035 is 3.5% (at most 10, 1000%)."})
    if len(row.source) > SOURCE_LENGTH:
        raise ValidationError({"source": f"At most {SOURCE_LENGTH} characters."})
    return BenchmarkRow(key, row.value, row.source)


def parse_value(text: str, metric: str, column: str = "value") -> Decimal:
    """A value as written in a sheet: 0.035, or 3.5% for a metric shown as a percentage."""
    text = text.strip()
    percent = text.endswith(("%", "％"))
    if percent and not is_percent(metric):
        raise RowError(column, f"{metric} is not a percentage: write the number")
    number = to_decimal(text.rstrip("%％"), column, places=6, max_digits=20)
    return number / 100 if percent else number


def read_file(path: Path, display_name: str | None = None) -> list[BenchmarkRow]:
    """Every row of the file as a checked benchmark, or ImportFailed naming the bad rows."""
    return read_reference(
        path, display_name, headers=HEADERS, required=("metric", "value"), parse=_row,
        key=lambda r: r.metric, key_column="metric", said=lambda r: r.metric,
        max_rows=MAX_ROWS, noun="benchmarks",
        columns_said="metric, value and optionally source",
    )  # fmt: skip


def _row(cells: dict) -> BenchmarkRow:
    for field in ("metric", "value"):
        if not cells[field]:
            raise RowError(field, "is empty")
    try:
        key = metric_key(cells["metric"])
    except UnknownMetric:
        raise RowError("metric", f"unknown metric {cells['metric']!r}") from None
    value = parse_value(cells["value"], key)
    try:
        return check(BenchmarkRow(key, value, cells.get("source", "")))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise RowError(field, messages[0]) from None


@transaction.atomic
def set_benchmarks(actor, store, rows: list[BenchmarkRow], *, via="web") -> dict:
    """Insert or replace the store's benchmarks of `rows`, all or none; one audit entry per
    value that is new or changed. {"inserted", "updated", "unchanged"}."""
    checked = [check(r) for r in rows]
    found = {b.metric: b for b in locks.benchmarks(store, {r.metric for r in checked})}
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for row in checked:
        kept = found.get(row.metric)
        if kept is None:
            kept = Benchmark.objects.create(
                store=store, metric=row.metric, value=row.value, source=row.source
            )
            found[row.metric] = kept
            audit.record(actor, kept, "create", None, audit.snapshot(kept, AUDITED), via=via)
            counts["inserted"] += 1
        elif (kept.value, kept.source) != (row.value, row.source):
            before = audit.snapshot(kept, AUDITED)
            kept.value, kept.source = row.value, row.source
            kept.save(update_fields=["value", "source", "updated_at"])
            audit.record(actor, kept, "update", before, audit.snapshot(kept, AUDITED), via=via)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


@transaction.atomic
def remove(actor, store, metric: str, *, via="web") -> bool:
    """Remove the store's benchmark of the metric; False when there was none."""
    kept = next(iter(locks.benchmarks(store, {metric})), None)
    if kept is None:
        return False
    audit.record(actor, kept, "delete", audit.snapshot(kept, AUDITED), None, via=via)
    kept.delete()
    return True


def import_file(actor, store, path: Path, *, display_name=None, dry_run=False, via="cli") -> dict:
    """Read and store the file's benchmarks, all or none. {"benchmarks", "metrics",
    "inserted", "updated", "unchanged"}."""
    rows = read_file(path, display_name)
    summary = {"benchmarks": len(rows), "metrics": [r.metric for r in rows]}
    if dry_run:
        return {**summary, "inserted": 0, "updated": 0, "unchanged": 0, "dry_run": True}
    return {**summary, **set_benchmarks(actor, store, rows, via=via)}


def of_store(store, hidden: set[str] = frozenset()) -> list[Benchmark]:
    """The store's benchmarks in the catalog's order, without the metrics the viewer may
    not see (`hidden`)."""
    order = {k: i for i, k in enumerate(CATALOG)}
    rows = [b for b in Benchmark.objects.filter(store=store) if b.metric not in hidden]
    return sorted(rows, key=lambda b: (order.get(b.metric, len(order)), b.metric))


def shown(benchmark: Benchmark, currency: str, watched: bool) -> dict:
    """A benchmark as the page lists it: the metric's name, the value as the metric is
    shown (3.5%, ¥12.30), and whether an enabled rule compares with it."""
    return {
        "metric": benchmark.metric,
        "label": lookup(benchmark.metric).label,
        "value": metric_shown(benchmark.value, benchmark.metric, currency),
        "source": benchmark.source,
        "updated_at": benchmark.updated_at,
        "watched": watched,
    }
