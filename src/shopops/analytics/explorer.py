"""数据指标 (the metrics explorer): a question asked by hand of the same engine the CLI, the
API and every page ask, and its answer as a table, a chart and a download. The question is
the page's GET parameters, so a URL shares it."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from shopops.analytics import display
from shopops.analytics.catalog import lookup
from shopops.analytics.queries import metrics

GROUPS = (
    ("orders", _("Sales and orders")),
    ("lines", _("Products")),
    ("traffic", _("Traffic")),
    ("ads", _("Ads")),
    (None, _("Derived")),
)
DIM_LABELS = {
    "store": _("Store"),
    "channel": _("Channel"),
    "province": _("Province"),
    "category": _("Category"),
    "sku": _("SKU"),
    "source": _("Traffic source"),
    "ad_channel": _("Ad channel"),
    "plan": _("Ad plan"),
}
GRAIN_LABELS = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "none": _("Whole period"),
}
COMPARE_LABELS = {
    "prev": _("Previous period"),
    "wow": _("Week before"),
    "yoy": _("Year before"),
}


def default_query(store) -> dict:
    """The question the page opens with: GMV, orders, buyers and AOV of the last 30 days."""
    from datetime import datetime

    end = datetime.now(store.zone).date() - timedelta(days=1)
    return {
        "metric": ["gmv", "orders", "buyers", "aov"],
        "start": end - timedelta(days=29),
        "end": end,
        "by": "day",
    }


@dataclass
class Answer:
    columns: list[dict]  # {key, label, kind: period|dim|metric|compare, unit}
    rows: list[dict]  # raw values by column key
    shown: list[list[dict]]  # the same, as the page shows them: {text, url of 为什么变化}
    chart: dict = field(default_factory=dict)
    currency: str | None = None  # of the money columns (the store's)


def ask(store, user, data: dict) -> Answer:
    """The cleaned question asked of the engine (cache on) for `user`."""
    keys, dims, compare = list(data["metric"]), list(data.get("dim") or []), data.get("compare")
    rows = metrics(
        keys,
        store,
        data["start"],
        data["end"],
        data.get("by") or "day",
        dims=dims,
        filters=data.get("filter") or {},
        compare=compare or None,
        viewer=user,
    )
    grain = data.get("by") or "day"
    columns = []
    if grain != "none":
        columns.append({"key": "period", "label": str(GRAIN_LABELS[grain]), "kind": "period"})
    columns += [{"key": d, "label": str(DIM_LABELS[d]), "kind": "dim"} for d in dims]
    for key in keys:
        metric = lookup(key)
        label = display.with_unit(key, metric.label, rows.currency)
        columns.append({"key": key, "label": label, "kind": "metric", "unit": key})
        if compare:
            columns.append(
                {
                    "key": f"{key}_{compare}",
                    "label": f"{label} · {COMPARE_LABELS[compare]}",
                    "kind": "metric",
                    "unit": key,
                }
            )
            columns.append(
                {"key": f"{key}_{compare}_change", "label": "±", "kind": "change", "unit": key}
            )
    spans = _spans(data["start"], data["end"], grain) if not dims and grain != "none" else []
    shown = []
    for i, row in enumerate(rows):
        span = spans[i] if i < len(spans) else None
        shown.append(
            [
                {
                    "text": _cell(row.get(c["key"]), c, rows.currency),
                    # 为什么变化 from a cell: that period against the one just before it.
                    "url": explain_query(c["key"], span)
                    if span and c["kind"] == "metric" and c["key"] in keys
                    else "",
                }
                for c in columns
            ]
        )
    return Answer(columns, rows, shown, _chart(rows, keys, dims, grain), rows.currency)


def _spans(start: date, end: date, grain: str) -> list[tuple[date, date]]:
    """(first day, last day) of each period of the answer, in its order, cut to the question's
    own start and end."""
    from shopops.analytics.queries import periods

    starts = periods(start, end, grain)
    ends = [s - timedelta(days=1) for s in starts[1:]] + [end]
    return [(max(a, start), min(b, end)) for a, b in zip(starts, ends, strict=True)]


def explain_query(key: str, span, base=None) -> str:
    """The diagnosis page's query string: `key` over `span` (first, last day) against `base`
    (by default the period just before, of the same length)."""
    from urllib.parse import urlencode

    params = {"metric": key, "start": span[0].isoformat(), "end": span[1].isoformat()}
    if base is not None:
        params.update(base_from=base[0].isoformat(), base_to=base[1].isoformat())
    return "?" + urlencode(params)


def _cell(value, column, currency=None) -> str:
    if column["kind"] in ("period", "dim"):
        return "—" if value in (None, "") else str(value)
    if column["kind"] == "change":
        return display.change(value)
    return display.metric_shown(value, column["unit"], currency)


def _number(value):
    return None if value is None else float(value)


def _chart(rows, keys, dims, grain) -> dict:
    """Series for ECharts: each metric over the periods; with a dimension, the first metric
    per value of the first dimension (its ten largest)."""
    if grain == "none" and not dims:
        series = [{"name": "", "data": [_number(rows[0][k]) for k in keys]}]
        return {"kind": "bar", "x": [lookup(k).label for k in keys], "series": series}
    if not dims:
        return {
            "kind": "line",
            "x": [r["period"] for r in rows],
            "series": [
                {
                    "name": lookup(k).label,
                    "data": [_number(r[k]) for r in rows],
                    "right": lookup(k).unit != "money" and len(keys) > 1,
                }
                for k in keys
            ],
        }
    first, key = dims[0], keys[0]
    totals: dict = {}
    for r in rows:
        totals[r[first]] = totals.get(r[first], 0) + (_number(r[key]) or 0)
    top = sorted(totals, key=lambda v: -totals[v])[:10]
    if grain == "none":
        series = [{"name": lookup(key).label, "data": [totals[v] for v in top]}]
        return {"kind": "bar", "x": [str(v) for v in top], "series": series}
    periods = sorted({r["period"] for r in rows})
    cells = {(r["period"], r[first]): _number(r[key]) for r in rows}
    return {
        "kind": "line",
        "x": periods,
        "series": [
            {"name": str(v), "data": [cells.get((p, v)) for p in periods], "right": False}
            for v in top
        ],
    }


def as_query(data: dict) -> str:
    """The cleaned question as the page's URL parameters (for export and explain links)."""
    from urllib.parse import urlencode

    params = [("metric", k) for k in data["metric"]]
    params += [("start", data["start"].isoformat()), ("end", data["end"].isoformat())]
    params.append(("by", data.get("by") or "day"))
    params += [("dim", d) for d in data.get("dim") or []]
    filters = data.get("filter") or {}
    if filters:
        params.append(("filter", ", ".join(f"{d}:{v}" for d, vs in filters.items() for v in vs)))
    if data.get("compare"):
        params.append(("compare", data["compare"]))
    return urlencode(params)


def previous_period(start: date, end: date) -> tuple[date, date]:
    length = end - start + timedelta(days=1)
    return start - length, end - length
