"""Template 2 round trip (issue 16): the export read back with openpyxl has the SOP's nine
columns and the tasks' values; imported into an empty store it gives the same tasks; a
second import changes nothing; a sheet whose row 7 has a bad date is refused naming row 7,
with nothing written; an unknown owner is named by its row too."""

import io
from datetime import date, datetime

import openpyxl
import pytest

from shopops.core.models import StoreGrant
from shopops.ingest.errors import ImportFailed
from shopops.ingest.pipeline import run_import
from shopops.planning import task_export, work
from shopops.planning.models import Task, TaskStatus

pytestmark = pytest.mark.django_db

FIELDS = ("name", "description", "start", "due", "owner_id", "departments", "deliverable",
          "status", "notes")  # fmt: skip


def _plan(store, owner):
    a = work.create_task(None, store, name="活动报名", description="报 618 主会场",
                         start=date(2030, 12, 1), due=date(2030, 12, 3), owner=owner,
                         departments="运营部", deliverable="报名截图",
                         notes="=不是公式")  # fmt: skip
    work.create_task(None, store, name="主图设计", start=date(2030, 12, 4), due=date(2030, 12, 9),
                     depends_on=[a.pk], status=TaskStatus.DOING)  # fmt: skip
    work.create_task(None, store, name="复盘", start=date(2030, 12, 20), due=date(2030, 12, 20),
                     status=TaskStatus.DONE)  # fmt: skip


def test_export_read_back_and_imported_into_an_empty_store(tmp_path, store_a, store_b, role_users):
    owner = role_users["product_ops"]
    StoreGrant.objects.create(user=owner, store=store_b)
    _plan(store_a, owner)
    content = task_export.tasks_xlsx(Task.objects.filter(store=store_a))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["任务名称", "任务描述", "起始时间", "截止时间", "负责人", "协作部门",
                       "交付物", "当前状态", "备注"]  # fmt: skip
    assert rows[1][:8] == ["活动报名", "报 618 主会场", datetime(2030, 12, 1),
                           datetime(2030, 12, 3), "product_ops", "运营部", "报名截图",
                           "待开始"]  # fmt: skip
    assert rows[1][8] == "=不是公式" and sheet.cell(2, 9).data_type == "s"  # inert text
    assert [r[7] for r in rows[1:]] == ["待开始", "进行中", "已完成"]
    path = tmp_path / "运营执行任务表.xlsx"
    path.write_bytes(content)
    done = run_import(store=store_b, kind="tasks", path=path)
    assert (done.inserted, done.updated, done.rejected) == (3, 0, 0)
    mine = {
        t.name: tuple(getattr(t, f) for f in FIELDS) for t in Task.objects.filter(store=store_a)
    }
    theirs = {t.name: tuple(getattr(t, f) for f in FIELDS)
              for t in Task.objects.filter(store=store_b)}  # fmt: skip
    assert theirs == mine
    again = run_import(store=store_b, kind="tasks", path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_the_sheets_status_words_name_every_status():
    from shopops.planning.template2 import STATUS_WORDS

    assert set(STATUS_WORDS) == set(TaskStatus.values)


def test_a_bad_date_in_row_7_is_refused_naming_row_7(tmp_path, store_a):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(task_export.HEADERS)
    for n in range(5):  # rows 2 to 6
        sheet.append([f"任务{n}", "", "2030-12-01", "2030-12-02", "", "", "", "待开始", ""])
    sheet.append(["任务坏", "", "2030-13-40", "2030-12-02", "", "", "", "待开始", ""])  # row 7
    path = tmp_path / "团队计划.xlsx"
    book.save(path)
    with pytest.raises(ImportFailed) as refused:
        run_import(store=store_a, kind="tasks", path=path)
    assert "团队计划.xlsx, line 7, column start" in refused.value.message
    assert not Task.objects.exists()


def test_an_unknown_owner_and_a_due_before_start_are_named_by_row(tmp_path, store_a):
    path = tmp_path / "tasks.csv"
    path.write_text("任务名称,起始时间,截止时间,负责人\n甲,2030-12-01,2030-12-02,\n"
                    "乙,2030-12-01,2030-12-02,nobody\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ImportFailed, match="line 3, column owner: 'nobody' does not work"):
        run_import(store=store_a, kind="tasks", path=path)
    path.write_text("任务名称,起始时间,截止时间\n甲,2030-12-05,2030-12-02\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 2, column due"):
        run_import(store=store_a, kind="tasks", path=path)
    assert not Task.objects.exists()
