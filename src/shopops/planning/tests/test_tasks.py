"""Tasks (issue 16): finish-to-start dependencies with cycles refused by name and broken
ones confirmed first; who may reschedule; deletion of a task others wait for; 已延期 past the
due date with the owner told through the alerts; the history of every change; the table,
its filters and template 2's XLSX read back exactly."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from shopops.alerts import services as alerts
from shopops.alerts.models import AlertRule, Notification
from shopops.core.models import AuditEntry
from shopops.planning import work
from shopops.planning.models import Task, TaskStatus
from shopops.planning.task_export import HEADERS

pytestmark = pytest.mark.django_db

# Today in the stores' zone: the tests' tasks start now, so none is late before they say.
START = datetime.now(ZoneInfo("Asia/Shanghai")).date()
LATER = START + timedelta(days=8)


def _task(store, name, start, days=3, **fields):
    return work.create_task(None, store, name=name, start=start,
                            due=start + timedelta(days=days - 1), **fields)  # fmt: skip


def test_dependencies_refuse_a_cycle_by_name_and_confirm_a_broken_one(store_a):
    a = _task(store_a, "选品", START)
    b = _task(store_a, "拍摄", START + timedelta(days=3), depends_on=[a.pk])
    c = _task(store_a, "上架", START + timedelta(days=6), depends_on=[b.pk])
    with pytest.raises(ValidationError) as cycle:
        work.change_task(None, a, depends_on=[c.pk])
    assert "「选品」 → 「上架」 → 「拍摄」 → 「选品」" in cycle.value.message_dict["depends_on"][0]
    with pytest.raises(work.DependencyBroken) as broken:  # 拍摄 would start before 选品 is due
        work.change_task(None, b, start=START + timedelta(days=1))
    assert broken.value.broken[0].depends_on == a and "「拍摄」" in str(broken.value)
    b.refresh_from_db()
    assert b.start == START + timedelta(days=3)  # nothing written
    with pytest.raises(work.DependencyBroken):  # 选品's due date past 拍摄's start
        work.change_task(None, a, due=START + timedelta(days=4))
    moved = work.change_task(None, b, start=START + timedelta(days=1), force=True)
    assert moved.start == START + timedelta(days=1)
    with pytest.raises(ValidationError) as own:
        work.change_task(None, a, depends_on=[a.pk])
    assert "itself" in own.value.message_dict["depends_on"][0]


def test_only_the_owner_the_lead_and_an_admin_reschedule(store_a, role_users):
    owner, other = role_users["product_ops"], role_users["content_editor"]
    task = _task(store_a, "主图优化", START, owner=owner)
    with pytest.raises(work.NotAllowed):
        work.change_task(other, task, due=START + timedelta(days=9))
    with pytest.raises(work.NotAllowed):
        work.change_task(other, task, owner=other)
    progressed = work.change_task(other, task, progress=40, status=TaskStatus.DOING,
                                  note="初稿已出")  # fmt: skip
    assert progressed.progress == 40
    work.change_task(owner, task, due=START + timedelta(days=9))
    work.change_task(role_users["ops_lead"], task, owner=other)
    with pytest.raises(work.NotAllowed):
        work.delete_task(owner, task)  # no longer the owner
    entries = list(work.history(task.pk))
    assert [e.action for e in entries] == ["update", "update", "update", "create"]
    assert entries[2].after == {"status": "doing", "progress": 40, "comment": "初稿已出"}
    assert entries[2].before == {"status": "todo", "progress": 0, "comment": None}
    assert entries[0].actor_name == "ops_lead" and entries[0].after == {"owner": "content_editor"}


def test_a_task_with_dependants_is_deleted_only_when_confirmed(store_a):
    a = _task(store_a, "活动报名", START)
    _task(store_a, "活动页面", START + timedelta(days=3), depends_on=[a.pk])
    with pytest.raises(work.HasDependants) as asked:
        work.delete_task(None, a)
    assert "「活动页面」" in str(asked.value) and Task.objects.filter(pk=a.pk).exists()
    work.delete_task(None, a, confirm=True)
    assert not Task.objects.filter(pk=a.pk).exists()
    gone = AuditEntry.objects.get(object_type="planning.task", object_id=str(a.pk),
                                  action="delete")  # fmt: skip
    assert gone.before["name"] == "活动报名" and len(gone.before["dependants"]) == 1


def test_a_task_past_due_is_late_and_its_owner_is_told(store_a, role_users):
    owner = role_users["warehouse"]
    task = _task(store_a, "盘点", START, owner=owner)
    done = _task(store_a, "已完成的", START, status=TaskStatus.DONE)
    # The store's zone: the due date's end has passed on 12-04 at 00:30 there.
    zone = store_a.zone
    assert work.mark_late(datetime.combine(START + timedelta(days=2), time(23, 30), zone)) == []
    after = datetime.combine(START + timedelta(days=3), time(0, 30), zone)
    assert [t.pk for t in work.mark_late(after)] == [task.pk]
    task.refresh_from_db()
    done.refresh_from_db()
    assert (
        task.status == TaskStatus.LATE and done.status == TaskStatus.DONE and done.progress == 100
    )
    assert work.history(task.pk).first().action == "late"
    alerts.ensure_default_rules(store_a)
    rule = AlertRule.objects.get(store=store_a, default_key="task_overdue")
    (alert,) = alerts.run(store_a, rules=[rule], now=after).opened
    assert alert.scope == f"task:{task.pk}" and "盘点" in alert.title_zh
    assert Notification.objects.filter(alert=alert, user=owner).exists()
    assert alerts.run(store_a, rules=[rule], now=after).opened == []  # once
    # Moved into the future, the task is open again and the alert resolves.
    work.change_task(None, task, due=START + timedelta(days=10), now=after)
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO
    assert [a.pk for a in alerts.run(store_a, rules=[rule], now=after).resolved] == [alert.pk]


def test_bad_fields_are_named(store_a, store_b, role_users):
    with pytest.raises(ValidationError) as bad:
        work.create_task(None, store_a, name="", start=START, due=START - timedelta(days=1))
    assert set(bad.value.message_dict) == {"name", "due"}
    stranger = role_users["ops_lead"]
    from shopops.core import services

    outsider = services.create_user(username="outsider", password="Xx-12345678",
                                    role="ops_lead", stores=[store_b])  # fmt: skip
    with pytest.raises(ValidationError) as owner:
        work.create_task(None, store_a, name="x", start=START, due=START, owner=outsider)
    assert "owner" in owner.value.message_dict
    assert work.create_task(None, store_a, name="x", start=START, due=START, owner=stranger)


def test_the_table_filters_creates_and_exports_template_2(as_role, store_a, role_users):
    lead = as_role("ops_lead")
    empty = lead.get("/plans/").content.decode()
    assert 'id="tasks-empty"' in empty
    # Dates around the store's today: a task past its due date would show as late.
    today = work.today_of(store_a)
    day = {n: (today + timedelta(days=n)).isoformat() for n in range(8)}
    form = {"name": "618 预热页面", "description": "主会场与分会场", "start": day[0],
            "due": day[4], "owner": role_users["content_editor"].pk,
            "departments": "设计部、运营部", "deliverable": "活动页面", "status": "doing",
            "progress": "30", "notes": "等主图"}  # fmt: skip
    assert lead.post("/plans/", form).status_code == 302
    first = Task.objects.get(name="618 预热页面")
    refused = lead.post("/plans/", {**form, "name": "客服话术", "start": day[2],
                                    "depends_on": [first.pk]})  # fmt: skip
    assert "这会打破依赖" in refused.content.decode()
    lead.post("/plans/", {**form, "name": "客服话术", "start": day[5], "due": day[7],
                          "depends_on": [first.pk], "owner": "", "departments": "客服部",
                          "status": "todo", "progress": "0"})  # fmt: skip
    page = lead.get("/plans/?department=客服").content.decode()
    second = Task.objects.get(name="客服话术")
    assert page.count("<tr data-task=") == 1 and f'<tr data-task="{second.pk}"' in page
    export = lead.get("/plans/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert values[1] == ["618 预热页面", "主会场与分会场", datetime.combine(today, time()),
                         datetime.combine(today + timedelta(days=4), time()), "content_editor",
                         "设计部、运营部", "活动页面",
                         "进行中", "等主图"]  # fmt: skip
    assert values[2][0] == "客服话术" and values[2][4] is None and values[2][7] == "待开始"


def test_the_detail_page_comments_reschedules_and_deletes(as_role, store_a, role_users):
    task = _task(store_a, "直通车调价", START, owner=role_users["product_ops"])
    editor = as_role("content_editor")
    page = editor.get(f"/plans/{task.pk}/").content.decode()
    assert 'name="due"' in page and "disabled" in page.split('name="due"')[1][:200]
    # The date pickers hold ISO dates in Chinese too (2026/12/01 would leave them empty).
    assert f'type="date" name="start" value="{START.isoformat()}"' in page
    editor.post(f"/plans/{task.pk}/", {"action": "comment", "note": "关键词已整理"})
    assert "关键词已整理" in editor.get(f"/plans/{task.pk}/").content.decode()
    owner = as_role("product_ops")
    saved = {"action": "save", "name": task.name, "start": START.isoformat(),
             "due": LATER.isoformat(), "owner": role_users["product_ops"].pk,
             "status": "doing", "progress": "50"}  # fmt: skip
    owner.post(f"/plans/{task.pk}/", saved)
    task.refresh_from_db()
    assert task.due == LATER and task.progress == 50
    history = owner.get(f"/plans/{task.pk}/").content.decode()
    assert f"{START + timedelta(days=2)} → {LATER}" in history
    assert 'id="task-delete"' not in editor.get(f"/plans/{task.pk}/").content.decode()
    owner.post(f"/plans/{task.pk}/", {"action": "delete"})
    assert not Task.objects.filter(pk=task.pk).exists()


def test_who_sees_and_changes_plans(as_role, store_a, store_b):
    from shopops.core.access import can
    from shopops.core.roles import ROLES

    mine = _task(store_a, "本店任务", START)
    theirs = _task(store_b, "别店任务", START)
    for role in ROLES:
        client = as_role(role.key)
        user = client.get("/plans/").wsgi_request.user
        expected = 200 if can(user, "plans") else 403
        assert client.get("/plans/").status_code == expected, role.key
        assert client.get(f"/plans/{mine.pk}/").status_code == expected, role.key
        for page in ("/plans/gantt/", "/plans/resources/", "/plans/checklists/",
                     "/plans/logs/", "/plans/sops/", "/plans/risks/"):  # fmt: skip
            assert client.get(page).status_code == expected, (role.key, page)
        if expected == 200:
            assert client.get(f"/plans/{theirs.pk}/").status_code == 404, role.key
        posted = client.post("/plans/", {"name": "x", "start": "2026-12-01", "due": "2026-12-01",
                                         "status": "todo", "progress": "0"})  # fmt: skip
        assert posted.status_code == (302 if can(user, "plans", "change") else 403), role.key


def test_a_daily_report_measure_becomes_a_task_in_one_step(as_role, store_a, role_users):
    from shopops.monitoring import daily_report
    from shopops.monitoring.models import AdjustmentMeasure

    owner = role_users["campaign_planner"]
    day = daily_report.default_day(store_a)
    text = "恢复「春季上新」预算\n并复查关键词"
    measure = daily_report.write_measure(None, store_a, day, "gmv", text, owner=owner,
                                         due=day + timedelta(days=5))  # fmt: skip
    lead = as_role("ops_lead")
    page = lead.get(f"/reports/daily/?date={day}").content.decode()
    assert "data-measure-to-task" in page
    made = lead.post("/reports/daily/", {"action": "to_task", "measure": measure.pk,
                                         "date": day.isoformat()})  # fmt: skip
    task = Task.objects.get(store=store_a)
    assert made["Location"] == f"/plans/{task.pk}/"
    assert task.name == "销售额调整：恢复「春季上新」预算" and "并复查关键词" in task.description
    assert task.owner == owner and task.due == max(day + timedelta(days=5), task.start)
    assert AdjustmentMeasure.objects.get(pk=measure.pk).task == task
    again = lead.post("/reports/daily/", {"action": "to_task", "measure": measure.pk})
    assert again["Location"] == f"/plans/{task.pk}/" and Task.objects.count() == 1
    assert "data-measure-task" in lead.get(f"/reports/daily/?date={day}").content.decode()
    analyst = as_role("analyst")  # writes reports? only with both permissions
    from shopops.core.access import can

    user = role_users["analyst"]
    if not (can(user, "daily_report", "change") and can(user, "plans", "change")):
        denied = analyst.post("/reports/daily/", {"action": "to_task", "measure": measure.pk})
        assert denied.status_code == 403


def test_the_demo_plan_has_done_late_and_open_work_tied_to_goals(store_a, role_users):
    from collections import Counter

    from shopops.devtools.demo import DEMO_PLAN, demo_plan
    from shopops.planning import goals

    today = date(2026, 12, 2)
    goals.create_goal(None, store_a, name="季度销售额", metric="gmv", target=1000000,
                      period="quarter", start=date(2026, 10, 1),
                      end=date(2026, 12, 31))  # fmt: skip
    assert demo_plan(store_a, today=today) == len(DEMO_PLAN)
    assert demo_plan(store_a, today=today) == 0  # once
    tasks = Task.objects.filter(store=store_a)
    statuses = Counter(t.status for t in tasks)
    assert statuses == {"done": 6, "late": 2, "doing": 3, "todo": 2}
    late = {t.name for t in tasks if t.status == TaskStatus.LATE}
    assert late == {"大促复盘报告（模板 4）", "老客复购短信召回"}
    assert all(t.due < today for t in tasks if t.status in ("done", "late"))
    assert all(t.start <= today <= t.due for t in tasks if t.status == "doing")
    assert tasks.filter(goal__metric="gmv").count() == 7
    assert all(t.owner is not None for t in tasks)
    assert not any(work.broken_by(t) for t in tasks)  # the plan keeps its dependencies


def test_my_tasks_on_the_dashboard(as_role, store_a, role_users):
    me = role_users["warehouse"]
    late = _task(store_a, "盘点", START - timedelta(days=30), owner=me)
    soon = _task(store_a, "入库", START + timedelta(days=400), owner=me)
    _task(store_a, "别人的", START + timedelta(days=400), owner=role_users["product_ops"])
    _task(store_a, "做完的", START + timedelta(days=400), owner=me, status=TaskStatus.DONE)
    page = as_role("warehouse").get("/").content.decode()
    card = page.split('id="my-tasks"')[1].split('id="')[0]
    assert card.index(f'data-task="{late.pk}"') < card.index(f'data-task="{soon.pk}"')
    assert "别人的" not in card and "做完的" not in card and 'data-status="late"' in card
    other = as_role("analyst").get("/").content.decode()  # every role sees plans
    assert "没有你在本店铺的未完成任务" in other.split('id="my-tasks"')[1]


def test_the_resource_plan_marks_an_over_allocated_week(as_role, store_a, role_users):
    from shopops.planning.queries import resources

    me = role_users["content_editor"]
    monday = date(2026, 11, 30)
    _task(store_a, "主图", monday, days=7, owner=me)
    _task(store_a, "详情页", monday + timedelta(days=2), days=3, owner=me)
    _task(store_a, "短视频", monday + timedelta(days=7), days=2, owner=me)
    plan = resources(store_a, monday, weeks=2)
    ((who, (first, second)),) = plan["people"]
    assert who == "content_editor"
    assert first["days"] == 10 and first["over"] and sorted(first["tasks"]) == ["主图", "详情页"]
    assert second["days"] == 2 and not second["over"]
    today = work.today_of(store_a)
    shift = (monday - (today - timedelta(days=today.weekday()))).days // 7 + 1
    page = as_role("ops_lead").get(f"/plans/resources/?shift={shift}").content.decode()
    assert 'data-owner="content_editor"' in page and 'data-days="10" data-over' in page
