"""The retrospective as sections of rows (template 4's layout), which the page, the XLSX and
the PDF all render, so the three show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string

from shopops.analytics.diagnosis import FACTOR_LABELS
from shopops.campaigns import retro
from shopops.core import pdf
from shopops.core.spreadsheets import append_row, new_sheet, workbook_bytes

SOURCE_ZH = {"natural_search": "自然搜索", "paid": "付费推广", "campaign": "活动", "member": "会员",
             "other": "其他"}  # fmt: skip


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""
    kinds: tuple[str, ...] = ()  # per column: money, share, count, number, "" (text)

    @property
    def shown(self) -> list[list[tuple[str, bool]]]:
        """Each cell as its text and whether it is a number (right-aligned)."""
        return [
            [_shown(v, self.kinds[i] if i < len(self.kinds) else "") for i, v in enumerate(row)]
            for row in self.rows
        ]


def _shown(value, kind: str) -> tuple[str, bool]:
    if value is None:
        return "—", bool(kind)
    if kind == "share":
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%", True
    if kind == "money":
        return f"{Decimal(value):,.2f}", True
    if kind == "count":
        return f"{Decimal(value).normalize():,f}", True
    if kind == "number":  # a target or ROI: whole numbers as they are, else 2 places
        d = Decimal(value)
        return (f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"), True
    return str(value), False


def _pct(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def sections(found: dict) -> list[Section]:
    c = found["contributions"]
    out = [
        Section(
            "targets", "一、目标达成", ["指标", "目标", "实际", "达成率"],
            [[t.label, t.target, t.actual, _pct(t.achievement)] for t in found["targets"]],
            kinds=("", "number", "number", "share"),
        ),
        Section(
            "products", "二、商品贡献（正式期，TOP10）", ["SKU", "销售额", "件数", "占比"],
            [[p["sku"], p["line_gmv"], p["units"], _pct(p["share"])] for p in c["products"]],
            note=c["top_sentence"], kinds=("", "money", "count", "share"),
        ),
        Section(
            "channels", "三、渠道贡献（正式期）", ["渠道", "销售额", "订单数", "占比"],
            [[r["channel"], r["gmv"], r["orders"], _pct(r["share"])] for r in c["channels"]],
            kinds=("", "money", "count", "share"),
        ),
        Section(
            "sources", "四、流量来源（正式期）", ["来源", "访客数", "占比"],
            [[SOURCE_ZH.get(r["source"], r["source"]), r["visitors"], _pct(r["share"])]
             for r in c["sources"]],
            kinds=("", "count", "share"),
        ),
        Section(
            "ads", "五、推广计划（活动全程）",
            ["渠道", "计划", "花费", "成交金额", "ROI", "花费占比"],
            [[a["channel"], a["plan"], a["cost"], a["gmv"], _pct(a["roi"]), _pct(a["share"])]
             for a in c["ads"]],
            kinds=("", "", "money", "money", "number", "share"),
        ),
    ]  # fmt: skip
    pre = found["preheat"]
    if pre:
        base = f"{pre['base'][0]:%m-%d}…{pre['base'][1]:%m-%d}"
        out.append(Section(
            "preheat", "六、预热效果", ["指标", f"预热前日均（{base}）", "预热期日均", "提升"],
            [[r["label"], r["base"], r["preheat"], _pct(r["lift"])] for r in pre["rows"]],
            kinds=("", "count", "count", "share"),
        ))  # fmt: skip
    d = found["drivers"]
    if d:
        parts = d.get("contributions") or {}
        out.append(Section(
            "drivers", "七、GMV 变化归因", ["因素", "贡献金额"],
            [[FACTOR_LABELS.get(k, (k,))[0], v] for k, v in parts.items()],
            note=d.get("zh", ""), kinds=("", "money"),
        ))  # fmt: skip
    words = retro.texts(found)
    for key, title in (("successes", "八、成功因素"), ("problems", "九、问题"),
                       ("improvements", "十、改进措施")):  # fmt: skip
        out.append(Section(key, title, ["内容"], [[line] for line in words[key]]))
    return out


def to_html(found: dict) -> str:
    campaign = found["campaign"]
    return render_to_string(
        "campaigns/retro_print.html",
        {"campaign": campaign, "found": found, "sections": sections(found)},
    )


def pdf_parts(found: dict) -> tuple[str, pdf.Page]:
    campaign = found["campaign"]
    start, end = found["period"]
    page = pdf.Page(title="运营效果复盘报告", store=campaign.store.name, day=f"{start}…{end}")
    return to_html(found), page


def example_pdf(store):
    """The retrospective of the store's latest campaign, ready to render (core.pdf.DOCUMENTS)."""
    from shopops.campaigns.models import Campaign

    campaign = Campaign.objects.filter(store=store).order_by("-id").first()
    if campaign is None:
        campaign = _example_campaign(store)
    return pdf_parts(retro.build(campaign))


def _example_campaign(store):
    from datetime import timedelta

    from shopops.campaigns import services
    from shopops.campaigns.models import Phase
    from shopops.planning.work import today_of

    day = today_of(store) - timedelta(days=3)
    main = (day, day + timedelta(days=1))
    campaign = services.create_campaign(
        None, store, name="示例活动", via="example", phases={Phase.MAIN: main}
    )
    services.set_target(None, campaign, "gmv", 1000, via="example")
    return campaign


def to_xlsx_bytes(found: dict) -> bytes:
    campaign = found["campaign"]
    start, end = found["period"]
    from openpyxl.styles import Font

    title = ["运营效果复盘报告", campaign.name, f"{start}…{end}", campaign.store.name]
    book, sheet = new_sheet("运营效果复盘报告", title, [28, 22, 16, 16, 12, 12])
    for s in sections(found):
        append_row(sheet, [])
        append_row(sheet, [s.title])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        append_row(sheet, s.headers)
        for row in s.rows:
            append_row(sheet, row)
            for i, kind in enumerate(s.kinds, start=1):
                cell = sheet.cell(sheet.max_row, i)
                if kind == "share" and cell.value is not None:
                    cell.number_format = "0.0%"
                elif kind in ("money", "number") and cell.value is not None:
                    cell.number_format = "#,##0.00"
        if s.note:
            append_row(sheet, [s.note])
    return workbook_bytes(book)


def write(found: dict, fmt: str, path: Path) -> Path:
    if fmt == "xlsx":
        path.write_bytes(to_xlsx_bytes(found))
        return path
    return pdf.render(*pdf_parts(found), path)


def as_json(found: dict) -> dict:
    """The retrospective for scripts and the API: exact decimals as strings, dates ISO."""
    from dataclasses import asdict
    from datetime import date, datetime

    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        if hasattr(value, "__dataclass_fields__"):
            return plain(asdict(value))
        return value

    campaign = found["campaign"]
    return plain(
        {
            "campaign": {"id": campaign.pk, "name": campaign.name, "store": campaign.store.code},
            "period": found["period"],
            "span": found["span"],
            "targets": found["targets"],
            "contributions": found["contributions"],
            "preheat": found["preheat"],
            "drivers": {
                k: found["drivers"].get(k) for k in ("zh", "en", "contributions", "base_day")
            }
            if found["drivers"]
            else None,
            "stock_outs": found["stock_outs"],
            "late_shipments": found["late"],
            "problems": found["problems"],
            **retro.texts(found),
            "edited": found["review"] is not None,
        }
    )
