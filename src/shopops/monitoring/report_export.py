"""The daily report as JSON, XLSX (template 3's columns, number formats and colours), HTML
and PDF (core.pdf: the product's own CJK font, whatever the machine has)."""

from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shopops.analytics.catalog import lookup
from shopops.analytics.display import bar, change, is_percent, metric_shown, percent
from shopops.analytics.queries import hidden_costs
from shopops.core import pdf
from shopops.core.money import excel_format
from shopops.core.spreadsheets import append_row
from shopops.monitoring import conditions
from shopops.monitoring.daily_report import achievement_floor, below_floor, latest_measures

# Template 3: 日期 核心指标 目标值 实际值 达成率 环比变化 异常说明 调整措施
XLSX_HEADERS = (
    "日期",
    "核心指标",
    "目标值",
    "实际值",
    "达成率",
    "环比变化",
    "异常说明",
    "调整措施",
)


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def rows(report, viewer=None) -> list[dict]:
    """The report's rows with labels, notes in the active language and current measures;
    for a `viewer` whose role may not see costs, without the rows of cost metrics (the
    metrics query layer's rule, `hidden_costs`). None: no person (the worker, the CLI)."""
    measures = latest_measures(report.store, report.day)
    missing = (report.context or {}).get("missing", {})
    stored = list(report.rows.all())
    hidden = set(hidden_costs([r.metric for r in stored], viewer))
    out = []
    for r in stored:
        if r.metric in hidden:
            continue
        metric = lookup(r.metric)
        current = measures.get(r.metric, [])
        out.append(
            {
                "metric": r.metric,
                "label": metric.label,
                "unit": metric.unit,
                "percent": is_percent(r.metric),
                "target": r.target,
                "actual": r.actual,
                "achievement": r.achievement,
                "day_change": r.day_change,
                "week_change": r.week_change,
                "anomaly": r.anomaly,
                "anomaly_reason": r.anomaly_reason,
                "note": r.note_zh if _zh() else r.note_en,
                "measure": current[0] if current else None,
                "history": current[1:],
                "diagnosis": r.diagnosis,
                "target_text": metric_shown(r.target, r.metric, report.store.currency),
                "actual_text": (
                    no_data_text()
                    if r.metric in missing
                    else metric_shown(r.actual, r.metric, report.store.currency)
                ),
                "missing": [source_text(k) for k in missing.get(r.metric, [])],
                # The order a day made by one order is flagged for, to open it.
                "flagged_order": (
                    ((r.diagnosis or {}).get("top_order") or {}).get("order_id")
                    if r.anomaly_reason == "concentration"
                    else None
                ),
                "ongoing_since": r.ongoing_since,
                "achievement_text": percent(r.achievement),
                "achievement_low": below_floor(r.achievement),
                "achievement_bar": bar(r.achievement),
                "day_change_text": change(r.day_change),
                "week_change_text": change(r.week_change),
                "falling": r.day_change is not None and r.day_change < 0,
            }
        )
    return out


def _text(value, unit: str = "") -> str | None:
    """Exact decimal text: money to cents, counts whole, ratios to 6 places."""
    if value is None:
        return None
    places = {"money": "0.01", "count": "1"}.get(unit, "0.000001")
    return str(Decimal(value).quantize(Decimal(places)))


def to_json(report, viewer=None) -> dict:
    return {
        "store": report.store.code,
        "currency": report.store.currency,  # of every money row
        "date": report.day.isoformat(),
        # What the day's data has, what the baselines left out (monitoring.coverage).
        "context": report.context or {},
        "context_text": context_lines(report),
        "ongoing_text": ongoing_lines(report, viewer),
        "generated_at": report.generated_at.isoformat(),
        "rows": [
            {
                "metric": r["metric"],
                "label": r["label"],
                "target": _text(r["target"], r["unit"]),
                "actual": _text(r["actual"], r["unit"]),
                "achievement": _text(r["achievement"]),
                "day_change": _text(r["day_change"]),
                "week_change": _text(r["week_change"]),
                "anomaly": r["anomaly"],
                "anomaly_reason": r["anomaly_reason"] or None,
                "ongoing_since": r["ongoing_since"].isoformat() if r["ongoing_since"] else None,
                "note": r["note"] or None,
                "missing": (report.context or {}).get("missing", {}).get(r["metric"]),
                "measure": (
                    {
                        "text": r["measure"].text,
                        "owner": r["measure"].owner.username if r["measure"].owner else None,
                        "due": r["measure"].due.isoformat() if r["measure"].due else None,
                        "written_at": r["measure"].written_at.isoformat(),
                    }
                    if r["measure"]
                    else None
                ),
                "diagnosis": r["diagnosis"],
            }
            for r in rows(report, viewer)
        ],
    }


def to_xlsx(report, path: Path, viewer=None) -> Path:
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "核心数据监控日报"
    append_row(sheet, XLSX_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="206BC4")
        cell.alignment = Alignment(horizontal="center")
    for r in rows(report, viewer):
        measure = r["measure"]
        measure_text = ""
        if measure:
            owner = measure.owner.username if measure.owner else ""
            due = f" {measure.due:%m-%d}" if measure.due else ""
            measure_text = f"{measure.text}（{owner}{due}）" if owner or due else measure.text
        append_row(
            sheet,
            [
                report.day,
                r["label"],
                None if r["target"] is None else float(r["target"]),
                no_data_text()
                if r["missing"]
                else None
                if r["actual"] is None
                else float(r["actual"]),
                None if r["achievement"] is None else float(r["achievement"]),
                None if r["day_change"] is None else float(r["day_change"]),
                r["note"],
                measure_text,
            ],
        )
        line = sheet.max_row
        if r["unit"] == "money":
            value_format = excel_format(report.store.currency)
        elif r["unit"] == "count":
            value_format = "#,##0"
        else:
            value_format = "0.00%" if r["percent"] else "0.00"
        for column in ("C", "D"):
            sheet[f"{column}{line}"].number_format = value_format
        sheet[f"A{line}"].number_format = "yyyy-mm-dd"
        sheet[f"E{line}"].number_format = "0.0%"
        sheet[f"F{line}"].number_format = "+0.0%;-0.0%;0.0%"
        for column in ("G", "H"):
            sheet[f"{column}{line}"].alignment = Alignment(wrap_text=True, vertical="top")
    last = max(sheet.max_row, 2)
    red, green = PatternFill("solid", fgColor="F8D7DA"), PatternFill("solid", fgColor="D1E7DD")
    sheet.conditional_formatting.add(
        f"E2:E{last}", CellIsRule(operator="lessThan", formula=[str(achievement_floor())], fill=red)
    )
    sheet.conditional_formatting.add(
        f"E2:E{last}", CellIsRule(operator="greaterThanOrEqual", formula=["1"], fill=green)
    )
    sheet.conditional_formatting.add(
        f"F2:F{last}", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="C0392B"))
    )
    sheet.conditional_formatting.add(
        f"F2:F{last}", CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="1E8449"))
    )
    for index, width in enumerate((12, 14, 14, 14, 10, 10, 60, 40), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    ongoing = ongoing_lines(report, viewer)
    if ongoing:  # the conditions that persist, on their own sheet
        sheet = book.create_sheet("持续问题" if _zh() else "Ongoing")
        for line in ongoing:
            append_row(sheet, [line])
        sheet.column_dimensions["A"].width = 140
    lines = context_lines(report)
    if lines:  # what the day's data has and what the baselines left out, on its own sheet
        notes = book.create_sheet("说明" if _zh() else "Notes")
        for line in lines:
            append_row(notes, [line])
        notes.column_dimensions["A"].width = 120
    book.save(path)
    return path


def to_html(report, standalone: bool = True, viewer=None) -> str:
    return render_to_string(
        "monitoring/daily_report_print.html",
        {
            "report": report,
            "rows": rows(report, viewer),
            "standalone": standalone,
            "context_lines": context_lines(report),
            "ongoing_lines": ongoing_lines(report, viewer),
        },
    )


PdfUnavailable = pdf.PdfUnavailable


def pdf_parts(report, viewer=None) -> tuple[str, "pdf.Page"]:
    """The report's HTML and its page (A4 landscape, the store and day in the header)."""
    page = pdf.Page(
        title=_("Daily monitoring report"),
        store=report.store.name,
        day=report.day.isoformat(),
        landscape=True,
    )
    return to_html(report, viewer=viewer), page


def to_pdf(report, path: Path, viewer=None) -> Path:
    """The report as a PDF through core.pdf; raises PdfUnavailable with what to do when it
    cannot be made here."""
    return pdf.render(*pdf_parts(report, viewer), path)


def example_pdf(store) -> tuple[str, "pdf.Page"]:
    """Yesterday's daily report of `store`, ready to render (core.pdf.DOCUMENTS)."""
    from shopops.monitoring.daily_report import build, default_day

    return pdf_parts(build(store, default_day(store)))


def write(report, fmt: str, path: Path, viewer=None) -> Path:
    """The report as an xlsx or pdf file at `path`, as `viewer` may see it (`rows`)."""
    return to_xlsx(report, path, viewer) if fmt == "xlsx" else to_pdf(report, path, viewer)


def no_data_text() -> str:
    return "无数据" if _zh() else "no data"


def source_text(source: str) -> str:
    """A source of data and the import that supplies it: 流量 (./shopops import traffic)."""
    from shopops.monitoring.coverage import SOURCES

    label, command = SOURCES[source]
    return f"{label} ({command})"


def context_lines(report) -> list[str]:
    """The report header's lines: which data the day has, the days its baselines leave out,
    a short history."""
    from shopops.monitoring.coverage import SOURCES

    context = report.context or {}
    if not context:
        return []
    zh = _zh()
    has = context.get("has", {})
    marks = [
        f"{SOURCES[k][0]} {'✓' if has.get(k) else ('无' if zh else 'none')}"
        for k in SOURCES
        if k in has
    ]
    lines = [("本日数据：" if zh else "The day's data: ") + ("；" if zh else "; ").join(marks)]
    if context.get("reports_last_30"):
        flagged, made = context.get("flagged_last_30", 0), context["reports_last_30"]
        lines.append(
            f"近 30 天：{flagged} 天有异常（共 {made} 份日报）"
            if zh
            else f"The last 30 days: {flagged} flagged, of {made} reports"
        )
    for first, last in context.get("left_out", []):
        lines.append(
            f"基线不含 {first}…{last}：订单几乎为零（停业或停运），不与之比较"
            if zh
            else f"Baselines leave out {first}…{last}: almost no orders (closed), not compared"
        )
    event = context.get("event")
    if event:
        gmv = (event.get("changes") or {}).get("gmv")
        moved = (
            f"（销售额 {change(gmv)}）" if zh and gmv else (f" (GMV {change(gmv)})" if gmv else "")
        )
        if event.get("compared_with"):
            lines.append(
                f"{event['name']}：与去年同一活动日 {event['compared_with']} 比较，"
                f"不与平常日比较{moved}"
                if zh
                else f"{event['name']}: compared with the same event a year earlier, "
                f"{event['compared_with']}, not with ordinary days{moved}"
            )
        else:
            lines.append(
                f"{event['name']}：活动日，数据中没有去年的同一活动日，不与平常日比较"
                if zh
                else f"{event['name']}: an event day, without last year's in the data; "
                "not compared with ordinary days"
            )
        if event.get("has_plan"):
            lines.append(
                f"{event['name']}：与计划（当日目标）比较，只在低于目标时提示"
                if zh
                else f"{event['name']}: compared with the plan (the day's target), flagged "
                "only when short of it"
            )
    left = context.get("events_left_out") or []
    if left:
        named = "、".join(f"{n} {a}" + (f"…{b}" if b != a else "") for n, a, b in left)
        lines.append(
            f"基线不含活动日与节假日：{named}"
            if zh
            else f"Baselines leave out event days and holidays: {named}"
        )
    if context.get("short_history") and not context.get("begins"):
        lines.append(
            "还没有订单数据：先导入订单" if zh else "No orders yet: import the orders first"
        )
    elif context.get("short_history"):
        begins, days = context.get("begins"), context.get("history_days", 0)
        lines.append(
            f"历史不足 4 周：数据自 {begins} 起共 {days} 天，基线只用已有的数据"
            if zh
            else f"History under 4 weeks: data since {begins}, {days} days; baselines use "
            "what exists"
        )
    return lines


def ongoing_lines(report, viewer=None) -> list[str]:
    """The report's ongoing conditions (monitoring.conditions), one line each: 销售额：连续
    31 天低于目标（自 2026-10-01）；本月累计达成 71.2%，预计月末 71.5%；剩余 5 天需日均
    ¥62,000.00（近 7 天日均 ¥33,000.00）. Cost metrics only for who may see them."""
    items = (report.context or {}).get("ongoing") or []
    hidden = set(hidden_costs([i["metric"] for i in items], viewer))
    zh, currency = _zh(), report.store.currency
    out = []
    for item in items:
        if item["metric"] in hidden:
            continue
        key = item["metric"]
        label = lookup(key).label
        run_zh, run_en = conditions.run_words(
            item["days"], item.get("under"), item.get("capped", False), item["since"]
        )

        def shown(value, key=key):
            return metric_shown(None if value is None else Decimal(value), key, currency)

        achievement = percent(item["achievement"])
        if zh:
            line = f"{label}：{run_zh}；"
            if item["additive"]:
                line += f"本月累计达成 {achievement}，预计月末 {percent(item['projected'])}"
                if item["remaining_days"] and item["needed_per_day"]:
                    line += (
                        f"；剩余 {item['remaining_days']} 天需日均 {shown(item['needed_per_day'])}"
                        f"（近 7 天日均 {shown(item['recent_per_day'])}）"
                    )
                elif not item["remaining_days"]:
                    line += "（本月最后一天）"
            else:
                line += (
                    f"本月至今 {shown(item['actual_to_date'])}，目标 {shown(item['month_target'])}"
                    f"（达成 {achievement}）；近 7 天平均 {shown(item['recent_per_day'])}"
                )
            flagged = {
                "new": "",
                "worse": "；今日再次提示：较上次提示明显变差",
                "cause": "；今日再次提示：原因有变",
            }
        else:
            line = f"{label}: {run_en}; "
            if item["additive"]:
                line += (
                    f"the month so far {achievement} of target, {percent(item['projected'])} "
                    "projected at the month's end"
                )
                if item["remaining_days"] and item["needed_per_day"]:
                    line += (
                        f"; the remaining {item['remaining_days']} days need "
                        f"{shown(item['needed_per_day'])} a day (the last 7 days: "
                        f"{shown(item['recent_per_day'])} a day)"
                    )
                elif not item["remaining_days"]:
                    line += " (the month's last day)"
            else:
                line += (
                    f"the month so far {shown(item['actual_to_date'])} against "
                    f"{shown(item['month_target'])} ({achievement}); the last 7 days "
                    f"{shown(item['recent_per_day'])}"
                )
            flagged = {
                "new": "",
                "worse": "; flagged again today: materially worse than when last flagged",
                "cause": "; flagged again today: the cause changed",
            }
        out.append(line + flagged.get(item.get("flagged") or "new", ""))
    return out
