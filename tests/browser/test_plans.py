"""计划与执行 in a real browser, in Chinese (issue 16): three tasks made on the page with
their dependencies, seen on the Gantt chart; one dragged, its new dates in the table and
in its history; the warning of a drag that would break a dependency, and the move put
back; a daily-report measure turned into a task."""

from datetime import date, timedelta

import pytest

from shopops.core import services as core_services
from shopops.core.models import Store
from shopops.planning.models import Task
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_task(page, base, name, start, due, after=()):
    page.goto(f"{base}/plans/")
    page.fill("#task-form #id_name", name)
    page.fill("#task-form #id_start", start.isoformat())
    page.fill("#task-form #id_due", due.isoformat())
    page.select_option("#task-form #id_owner", label="lead")
    for other in after:
        page.select_option("#task-form #id_depends_on", label=other)
    page.click("#task-form button[type=submit]")
    page.wait_for_selector("#task-history")


def _drag(page, task: Task, days: int):
    bar = page.locator(f'#gantt .bar-wrapper[data-id="{task.pk}"] .bar')
    box = None
    while box is None or box != bar.bounding_box():  # the chart scrolls to today first
        box = bar.bounding_box()
        page.wait_for_timeout(200)
    column = box["width"] / ((task.due - task.start).days + 1)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + column * days * step / 10, y)
    page.mouse.up()


def test_three_tasks_on_the_gantt_chart_one_dragged_one_refused(
    live_server, page, screenshot_dir, store_a
):
    core_services.create_user(username="lead", password="Lead-pass-123", role="ops_lead",
                              stores=[store_a])  # fmt: skip
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    today = date.today()
    _new_task(page, live_server.url, "选品", today, today + timedelta(days=2))
    _new_task(page, live_server.url, "拍摄", today + timedelta(days=3),
              today + timedelta(days=5), after=["选品"])  # fmt: skip
    _new_task(page, live_server.url, "上架", today + timedelta(days=8),
              today + timedelta(days=9), after=["拍摄"])  # fmt: skip
    page.goto(f"{live_server.url}/plans/gantt/")
    page.wait_for_selector("#gantt .bar-wrapper")
    assert page.locator("#gantt .bar-wrapper").count() == 3
    assert page.locator("#gantt g.arrow path").count() == 2  # the dependency arrows
    page.screenshot(path=str(screenshot_dir / "plans-gantt.png"), full_page=True)
    shelf = Task.objects.get(name="上架")
    _drag(page, shelf, 1)  # a day later: no dependency breaks
    page.wait_for_selector("#gantt[data-saved]")
    shelf.refresh_from_db()
    assert shelf.start == today + timedelta(days=9) and shelf.due == today + timedelta(days=10)
    row = page.locator(f'#gantt-list tr[data-task="{shelf.pk}"]')
    assert row.locator("[data-start]").inner_text() == shelf.start.isoformat()
    shoot = Task.objects.get(name="拍摄")
    _drag(page, shoot, -2)  # would start before 选品 is due
    page.wait_for_selector("#gantt-warning:not([hidden])")
    assert "「拍摄」" in page.inner_text("#gantt-warning") and "「选品」" in page.inner_text(
        "#gantt-warning"
    )
    page.screenshot(path=str(screenshot_dir / "plans-gantt-warning.png"), full_page=True)
    shoot.refresh_from_db()
    assert shoot.start == today + timedelta(days=3)  # not saved
    page.click("#gantt-warning [data-undo]")
    page.wait_for_selector("#gantt .bar-wrapper")
    page.goto(f"{live_server.url}/plans/")
    table = page.inner_text(f'#task-table tr[data-task="{shelf.pk}"]')
    assert shelf.start.isoformat() in table and shelf.due.isoformat() in table
    page.goto(f"{live_server.url}/plans/{shelf.pk}/")
    history = page.inner_text("#task-history")
    old, new = (today + timedelta(days=8)).isoformat(), shelf.start.isoformat()
    assert f"{old} → {new}" in history and "lead" in history
    page.screenshot(path=str(screenshot_dir / "plans-task.png"), full_page=True)


def test_the_daily_checklist_on_the_demo_store(live_server, page, screenshot_dir):
    from datetime import datetime

    from shopops.devtools import demo, demo_data
    from shopops.inventory.queries import level_rows
    from shopops.orders.queries import overdue
    from shopops.planning.models import ChecklistItem

    credentials = {u: p for u, p, _ in demo.prepare()}
    store = Store.objects.get(code=demo.DEMO_STORE["code"])
    yesterday = datetime.now(store.zone).date() - timedelta(days=1)
    demo_data.load(store, seed=5, months=2, end=yesterday, target_orders=3000,
                   progress=lambda m: None)  # fmt: skip
    demo.demo_fulfilment(store)
    sign_in(page, live_server.url, "ops_lead", credentials["ops_lead"])
    page.goto(f"{live_server.url}/plans/checklists/")
    page.wait_for_selector("#checklist")
    # The data-backed items, checked against numbers read here directly.
    late = overdue(store).count()
    stock = page.inner_text('[data-auto="overdue_orders"] [data-evidence]')
    assert (f"{late} 笔订单" in stock) if late else ("没有超过发货承诺" in stock)
    arrived = page.inner_text('[data-auto="data_arrived"] [data-evidence]')
    assert f"{yesterday} 的订单已到" in arrived
    hot = page.inner_text('[data-auto="hot_stock"] [data-evidence]')
    below = {lv.sku.code for lv in level_rows(store, alert="warning")}
    if "低于预警线：" in hot:  # each SKU named is one under its warning line
        named = hot.split("低于预警线：")[1].split(" ")[0].split("、")
        assert named and set(named) <= below, (named, below)
    else:
        assert "均高于预警线" in hot
    # A person ticks the rest (a problem the data found is seen to with a note).
    todo = "#checklist form[data-tick]:has(input[name=note])"
    while page.locator(todo).count():
        form = page.locator(todo).first
        form.locator("input[name=note]").fill("已检查")
        form.locator("button").click()
        page.wait_for_load_state()
    assert page.get_attribute("#checklist", "data-done") == page.get_attribute(
        "#checklist", "data-total"
    )
    page.screenshot(path=str(screenshot_dir / "plans-daily-checklist.png"), full_page=True)
    ticked = ChecklistItem.objects.filter(checklist__store=store, done_by__isnull=False)
    assert ticked.exists() and all(i.note == "已检查" for i in ticked)
    assert ChecklistItem.objects.filter(checklist__store=store, evidence__ok=True).exists()


def test_a_daily_report_measure_becomes_a_task(live_server, page, screenshot_dir, store_a):
    from shopops.monitoring import daily_report

    lead = core_services.create_user(username="lead", password="Lead-pass-123",
                                     role="ops_lead", stores=[store_a])  # fmt: skip
    day = daily_report.default_day(store_a)
    daily_report.write_measure(lead, store_a, day, "gmv", "恢复「春季上新」计划预算", owner=lead,
                               due=day + timedelta(days=4))  # fmt: skip
    sign_in(page, live_server.url, "lead", "Lead-pass-123")
    page.goto(f"{live_server.url}/reports/daily/?date={day}")
    page.click("form[data-measure-to-task] button")
    page.wait_for_selector("#task-history")
    task = Task.objects.get(store=store_a)
    assert page.url.endswith(f"/plans/{task.pk}/")
    assert page.input_value("#id_name") == "销售额调整：恢复「春季上新」计划预算"
    assert page.input_value("#id_due") == max(day + timedelta(days=4), task.start).isoformat()
    page.screenshot(path=str(screenshot_dir / "plans-from-measure.png"), full_page=True)
    page.goto(f"{live_server.url}/reports/daily/?date={day}")
    page.click("a[data-measure-task]")
    page.wait_for_selector("#task-history")
    assert page.url.endswith(f"/plans/{task.pk}/")
