"""数据指标: the metrics explorer and the diagnosis page (为什么变化)."""

import csv
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shopops.analytics import display, explorer
from shopops.analytics.catalog import CATALOG, UnknownMetric, lookup
from shopops.analytics.diagnosis import FACTOR_LABELS
from shopops.analytics.errors import CostsHidden
from shopops.analytics.forms import ExplorerForm
from shopops.core.decorators import module_view
from shopops.core.downloads import CSV, XLSX, attachment
from shopops.core.middleware import require_store
from shopops.core.money import excel_format


@module_view("metrics", "view")
def explore(request):
    store = require_store(request)
    params = request.GET if "metric" in request.GET else None
    form = ExplorerForm(params or explorer.default_query(store), user=request.user)
    answer = query = None
    if form.is_valid():
        try:
            answer = explorer.ask(store, request.user, form.cleaned_data)
        except CostsHidden as exc:
            form.add_error("metric", str(exc))
        except (ValueError, UnknownMetric, ValidationError) as exc:
            form.add_error(None, str(exc))
        else:
            query = explorer.as_query(form.cleaned_data)
            fmt = request.GET.get("format")
            if fmt in ("csv", "xlsx"):
                return _download(answer, fmt, store, form.cleaned_data)
    data = form.cleaned_data if answer else {}
    return render(
        request,
        "analytics/explorer.html",
        {
            "form": form,
            "answer": answer,
            "rows": list(zip(answer.rows, answer.shown, strict=True)) if answer else [],
            "chart": answer.chart if answer else None,
            "query": query,
            "explain_links": _explain_links(data) if answer else [],
        },
    )


def _explain_links(data: dict) -> list[dict]:
    """为什么变化 for each metric over the chosen period against the one before it (or the
    compared period)."""
    from shopops.analytics.limits import explain_periods
    from shopops.analytics.queries import shift

    start, end, compare = data["start"], data["end"], data.get("compare")
    if compare:
        length = (end - start).days + 1
        grain = data.get("by") or "day"
        base = shift(start, compare, grain, length), shift(end, compare, grain, length)
    else:
        try:
            base = explain_periods(start, end, None, None)
        except ValidationError:
            return []
    return [
        {"label": lookup(key).label, "url": explorer.explain_query(key, (start, end), base)}
        for key in data["metric"]
    ]


def _download(answer, fmt: str, store, data: dict) -> HttpResponse:
    from shopops.core.spreadsheets import inert_row

    name = f"指标-{store.code}-{data['start']}-{data['end']}"
    titles = [c["label"] for c in answer.columns]
    if fmt == "csv":
        response = attachment(b"", f"{name}.csv", CSV)
        response.write("\ufeff")  # Excel opens UTF-8 CSV as UTF-8 with the BOM
        out = csv.writer(response)
        out.writerow(inert_row(titles))
        for row in answer.rows:
            out.writerow(inert_row(_raw(row.get(c["key"])) for c in answer.columns))
        return response
    from io import BytesIO

    from openpyxl import Workbook

    from shopops.core.spreadsheets import append_row

    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    append_row(sheet, titles)
    sheet.freeze_panes = "A2"
    formats = [_number_format(c, answer.currency) for c in answer.columns]
    for row in answer.rows:
        append_row(sheet, [_cell(row.get(c["key"]), c) for c in answer.columns])
        for col, number_format in enumerate(formats, start=1):
            if number_format:
                sheet.cell(sheet.max_row, col).number_format = number_format
    for col, title in enumerate(titles, start=1):
        sheet.column_dimensions[sheet.cell(1, col).column_letter].width = max(12, len(title) * 2)
    buffer = BytesIO()
    book.save(buffer)
    return attachment(buffer.getvalue(), f"{name}.xlsx", XLSX)


def _raw(value) -> str:
    return "" if value is None else str(value)


def _cell(value, column):
    """An XLSX cell: numbers as numbers (exact decimals), texts as texts."""
    from decimal import Decimal

    if value is None:
        return None
    if column["kind"] in ("metric", "change"):
        return Decimal(str(value))
    return str(value)


def _number_format(column, currency=None) -> str | None:
    if column["kind"] == "change":
        return "+0.0%;-0.0%"
    if column["kind"] != "metric":
        return None
    metric = lookup(column["unit"])
    if metric.unit == "money":
        return excel_format(currency)
    if metric.unit == "count":
        return "#,##0"
    return "0.00%" if display.is_percent(column["unit"]) else "0.0000"


@module_view("metrics", "view")
def explain(request):
    """Why a metric moved between two periods: the factor decomposition (GMV), the
    dimension drill-down, as tables and a waterfall."""
    from shopops.analytics.diagnosis import SOURCE_LABELS, as_json
    from shopops.analytics.diagnosis import explain as diagnose
    from shopops.analytics.limits import explain_periods
    from shopops.analytics.queries import refuse_hidden_costs

    store = require_store(request)
    error = None
    result = None
    try:
        metric = request.GET.get("metric", "gmv")
        lookup(metric)
        try:
            start = date.fromisoformat(request.GET.get("start", ""))
            end = date.fromisoformat(request.GET.get("end", ""))
            base_from = _day(request.GET.get("base_from"))
            base_to = _day(request.GET.get("base_to"))
        except ValueError:
            raise ValueError(_("Choose a metric and two periods (dates as YYYY-MM-DD).")) from None
        base = explain_periods(
            start,
            end,
            base_from,
            base_to,
        )
        refuse_hidden_costs([metric], request.user)
        result = as_json(diagnose(store, metric, (start, end), base))
    except (ValueError, UnknownMetric) as exc:
        error = str(exc) or _("Choose a metric and two periods.")
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    except CostsHidden as exc:
        error = str(exc)
    waterfall = (
        _waterfall(result, store.currency) if result and result.get("contributions") else None
    )
    return render(
        request,
        "analytics/explain.html",
        {
            "result": result,
            "error": error,
            "waterfall": waterfall,
            "metric": lookup(result["metric"]) if result else None,
            "drills": _drills(result, SOURCE_LABELS, store.currency) if result else [],
            "drivers": _drivers(result, store.currency) if result else [],
            "concentration": _concentration(result, store.currency) if result else [],
            "suspect": [
                {**c, "amount": display.shown(c["amount"], "money", False, store.currency)}
                for c in (result or {}).get("suspect") or []
            ],
            "metrics": [(m.key, m.label) for m in CATALOG.values()],
            "chart": waterfall,
            "sentence": _sentence(result),
        },
    )


def _sentence(result) -> str:
    from django.utils.translation import get_language

    if not result:
        return ""
    return result["zh"] if (get_language() or "zh-hans").startswith("zh") else result["en"]


def _day(value):
    return date.fromisoformat(value) if value else None


def _waterfall(result, currency=None) -> dict:
    """Before, each factor's contribution, after: the parts add up to the change."""
    from decimal import Decimal

    from django.utils.translation import get_language

    zh = (get_language() or "zh-hans").startswith("zh")
    before, after = Decimal(result["before"]), Decimal(result["after"])
    parts = [(k, Decimal(v)) for k, v in result["contributions"].items()]
    money = lambda v: display.shown(v, "money", False, currency)  # noqa: E731
    steps = [{"name": _("Before"), "value": str(before), "shown": money(before), "kind": "total"}]
    steps += [
        {
            "name": FACTOR_LABELS[k][0] if zh else FACTOR_LABELS[k][1].capitalize(),
            "value": str(v),
            "kind": "part",
            "shown": ("+" if v >= 0 else "") + money(v),
        }
        for k, v in parts
    ]
    steps.append({"name": _("After"), "value": str(after), "shown": money(after), "kind": "total"})
    return {
        "steps": steps,
        "change": str(after - before),
        "change_shown": ("+" if after >= before else "") + money(after - before),
        "parts_sum": str(sum((v for _k, v in parts), Decimal(0))),
    }


def _drills(result, source_labels, currency=None) -> list[dict]:
    out = []
    for d in result.get("drill_down") or []:
        metric_key, _sep, dim = d["dimension"].partition(":")
        zh = True
        elements = []
        for e in d["elements"]:
            name = source_labels.get(e["element"], (e["element"], e["element"]))[0 if zh else 1]
            elements.append(
                {
                    "name": name,
                    "before": display.metric_shown(e["before"], metric_key, currency),
                    "after": display.metric_shown(e["after"], metric_key, currency),
                    "change": display.change(e["change"]),
                    "power": display.percent(e["explanatory_power"]),
                }
            )
        out.append(
            {
                "title": f"{lookup(metric_key).label} · {explorer.DIM_LABELS.get(dim, dim)}",
                "elements": elements,
            }
        )
    return out


def _drivers(result, currency=None) -> list[dict]:
    """The additive contributions to GMV's change along each dimension the data carries:
    each element's before, after and contribution, adding up to the change."""
    money = lambda v: display.shown(v, "money", False, currency)  # noqa: E731
    out = []
    for dim, elements in (result.get("drivers") or {}).items():
        rows = []
        for e in elements:
            contribution = Decimal(e["contribution"])
            rows.append(
                {
                    "name": _("Other")
                    if e.get("other")
                    else (_element_name(dim, e["element"]) or _("(blank)")),
                    "before": money(e["before"]),
                    "after": money(e["after"]),
                    "contribution": ("+" if contribution >= 0 else "") + money(contribution),
                    "value": str(contribution),
                    "share": display.percent(e["share"]),
                }
            )
        title = _("buyers") if dim == "buyer_type" else explorer.DIM_LABELS.get(dim, dim)
        out.append({"dimension": dim, "title": str(title), "rows": rows})
    return out


def _concentration(result, currency=None) -> list[dict]:
    """The period's largest order and buyer, with their shares, flagged past the limit."""
    out = []
    flagged = set(result.get("concentrated") or [])
    for kind in ("order", "buyer"):
        item = result.get(f"top_{kind}")
        if not item:
            continue
        out.append(
            {
                "kind": kind,
                "name": item.get("order_id") or item.get("buyer"),
                "orders": item.get("orders"),
                "amount": display.shown(item["amount"], "money", False, currency),
                "share": display.percent(item["share"]),
                "share_of_change": display.percent(item["share_of_change"]),
                "flagged": kind in flagged,
            }
        )
    return out


def _element_name(dimension: str, element) -> str:
    from django.utils.translation import get_language

    from shopops.analytics.diagnosis import element_label

    zh, en = element_label(dimension, element) if element not in ("", None) else ("", "")
    return zh if (get_language() or "zh-hans").startswith("zh") else en
