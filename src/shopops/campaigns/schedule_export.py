"""The campaign's two promotion sheets as one XLSX: the 站内推广计划表 (channel, budget,
target, optimisation cycle) and the 站外推广排期表 (channel, content form, partner/KOL,
followers, publishing day, fee, target traffic against actual)."""

from shopops.core.spreadsheets import append_row, new_sheet, workbook_bytes

ONSITE = ["渠道", "预算", "目标", "优化周期"]
OFFSITE = ["站内/站外", "渠道", "内容形式", "合作方/达人", "粉丝量", "发布日期", "费用",
           "目标流量", "实际流量", "达成率", "负责人", "备注"]  # fmt: skip
FORM_ZH = {"live": "直播", "video": "短视频", "post": "图文", "feed": "微淘"}  # template words


def slot_rows(campaign) -> list[list]:
    out = []
    for s in campaign.slots.select_related("owner"):
        reached = (
            round(s.actual_visitors / s.target_visitors, 4)
            if s.actual_visitors is not None and s.target_visitors else None
        )  # fmt: skip
        out.append([
            "站外" if s.offsite else "站内", s.channel, FORM_ZH.get(s.form, s.form), s.partner,
            s.followers, s.publish_on, s.fee, s.target_visitors, s.actual_visitors, reached,
            s.owner.username if s.owner_id else "", s.note,
        ])  # fmt: skip
    return out


def to_xlsx_bytes(campaign) -> bytes:
    book, sheet = new_sheet("站内推广计划表", ONSITE, [16, 14, 30, 18])
    for b in campaign.budgets.all():
        append_row(sheet, [b.channel, b.amount, b.target, b.cycle])
        sheet.cell(sheet.max_row, 2).number_format = "#,##0.00"
    off = book.create_sheet("站外推广排期表")
    append_row(off, OFFSITE)
    for row in slot_rows(campaign):
        append_row(off, row)
        off.cell(off.max_row, 6).number_format = "yyyy-mm-dd"
        off.cell(off.max_row, 7).number_format = "#,##0.00"
        off.cell(off.max_row, 10).number_format = "0.0%"
    return workbook_bytes(book)
