"""Template 2 (运营执行任务分配与进度跟踪表) as XLSX: its nine columns exactly, in the SOP's
words, so that a team's own sheet and ours are the same sheet (the import reads it back)."""

from shopops.core.spreadsheets import append_row, new_sheet, workbook_bytes
from shopops.planning.template2 import HEADERS, STATUS_WORDS

WIDTHS = [28, 40, 12, 12, 14, 18, 24, 10, 30]


def owner_name(user) -> str:
    """How a sheet names the owner: the username, which the import resolves exactly."""
    return user.username if user is not None else ""


def rows(tasks) -> list[list]:
    return [
        [t.name, t.description, t.start, t.due, owner_name(t.owner), t.departments,
         t.deliverable, STATUS_WORDS[t.status], t.notes]
        for t in tasks
    ]  # fmt: skip


def tasks_xlsx(tasks) -> bytes:
    book, sheet = new_sheet("运营执行任务分配与进度跟踪表", HEADERS, WIDTHS)
    for row in rows(tasks):
        append_row(sheet, row)
    for cells in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        for cell in cells:
            cell.number_format = "yyyy-mm-dd"
    return workbook_bytes(book)


LOG_HEADERS = ["时间", "日志", "类别", "记录人", "内容", "处理措施与结果", "订单", "SKU", "任务"]
LOG_WIDTHS = [17, 12, 10, 12, 50, 40, 20, 20, 24]


def logs_xlsx(entries, zone) -> bytes:
    """每日运营日志 / 异常处理记录 as shown (times in the store's zone)."""
    book, sheet = new_sheet("运营日志", LOG_HEADERS, LOG_WIDTHS)
    for e in entries:
        author = e.author.username if e.author_id else ""
        append_row(sheet, [e.at.astimezone(zone).replace(tzinfo=None), e.get_kind_display(),
                           e.category, author, e.text, e.handling, e.orders, e.skus,
                           e.task.name if e.task_id else ""])  # fmt: skip
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = "yyyy-mm-dd hh:mm"
    return workbook_bytes(book)
