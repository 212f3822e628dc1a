"""Any CSV or XLSX with a saved mapping (YAML or JSON):

kind: orders                 # optional; checked against the import's kind
columns: {单号: order_id, 实付: paid_amount, 下单时间: created_at, 付款时间: paid_at}
date_format: "%d/%m/%Y"      # optional strptime formats
datetime_format: "%d/%m/%Y %H:%M"
time_zone: Europe/Berlin     # optional; default the store's
decimal_comma: true          # optional; 1.234,56
values: {status: {已发货: shipped, 已完成: completed}}   # optional value maps
"""

from shopops.ingest.errors import RowError
from shopops.ingest.formats.base import Adapter
from shopops.ingest.kinds import KINDS


class MappingAdapter(Adapter):
    name = "mapping"
    kinds = tuple(KINDS)

    def column_map(self):
        columns = self.options.get("columns") or {}
        return {str(k).strip(): str(v).strip() for k, v in columns.items()}

    def convert(self, raw):
        for field, values in (self.options.get("values") or {}).items():
            if raw.get(field) in values:
                raw[field] = str(values[raw[field]])
            elif raw.get(field) and self.options.get("strict_values"):
                raise RowError(field, f"{raw[field]!r} has no mapped value")
        return raw


def check_mapping(options: dict, kind: str, file_name: str) -> None:
    from shopops.ingest.errors import ImportFailed

    if options.get("kind") and options["kind"] != kind:
        raise ImportFailed(f"{file_name}: the mapping is for {options['kind']!r}, not {kind!r}")
    columns = options.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ImportFailed(f"{file_name}: the mapping needs 'columns: {{source: field}}'")
    known = set(KINDS[kind].column_names)
    unknown = sorted({str(v) for v in columns.values()} - known)
    if unknown:
        raise ImportFailed(
            f"{file_name}: the mapping names unknown {kind} field(s) {', '.join(unknown)}; "
            f"fields are {', '.join(KINDS[kind].column_names)}"
        )
