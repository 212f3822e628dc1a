"""Template 2 (运营执行任务分配与进度跟踪表) as the SOP writes it, stated once for the export
(planning.task_export) and the import (the `tasks` kind of ingest): its nine columns with
the task field each holds, and the words of its 当前状态 column. Plain data: the import's
kinds read it before Django is set up."""

COLUMNS = (
    ("任务名称", "name"),
    ("任务描述", "description"),
    ("起始时间", "start"),
    ("截止时间", "due"),
    ("负责人", "owner"),
    ("协作部门", "departments"),
    ("交付物", "deliverable"),
    ("当前状态", "status"),
    ("备注", "notes"),
)
HEADERS = [header for header, _ in COLUMNS]
FIELDS = tuple(field for _, field in COLUMNS)
# How the sheet writes each status (planning.models.TaskStatus's values).
STATUS_WORDS = {
    "todo": "待开始",
    "doing": "进行中",
    "done": "已完成",
    "late": "已延期",
    "cancelled": "已取消",
}
# Other words teams use in their own sheets.
STATUS_SYNONYMS = {"未开始": "todo", "完成": "done", "延期": "late", "取消": "cancelled"}
HEADER_SYNONYMS = {"开始时间": "start"}
