"""/api/v1/tasks: created, moved as the Gantt chart moves a bar (409 naming a broken
dependency until forced), a cycle refused naming it, rescheduling refused to a
collaborator (403), deletion of a task others wait for confirmed; every role as the role
matrix says."""

import json

import pytest

from shopops.core.access import can
from shopops.core.roles import ROLES
from shopops.planning.models import Task

pytestmark = pytest.mark.django_db
URL = "/api/v1/tasks?store=alpha"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_tasks_created_moved_and_deleted(as_role, store_a, role_users):
    lead = as_role("ops_lead")
    first = _post(lead, URL, {"name": "选品", "start": "2026-12-01", "due": "2026-12-03",
                              "owner": "product_ops", "departments": "商品部"})  # fmt: skip
    assert first.status_code == 201 and first.json()["owner"] == "product_ops"
    a = first.json()["id"]
    second = _post(lead, URL, {"name": "拍摄", "start": "2026-12-04", "due": "2026-12-06",
                               "depends_on": [a]})  # fmt: skip
    b = second.json()["id"]
    assert second.json()["depends_on"] == [a]
    moved = _patch(lead, f"/api/v1/tasks/{b}", {"start": "2026-12-02", "due": "2026-12-04"})
    assert moved.status_code == 409 and moved.json()["broken"] == [{"task": b, "depends_on": a}]
    assert Task.objects.get(pk=b).start.isoformat() == "2026-12-04"
    forced = _patch(lead, f"/api/v1/tasks/{b}", {"start": "2026-12-02", "due": "2026-12-04",
                                                 "force": True})  # fmt: skip
    assert forced.status_code == 200 and forced.json()["start"] == "2026-12-02"
    cycle = _patch(lead, f"/api/v1/tasks/{a}", {"depends_on": [b]})
    assert cycle.status_code == 422 and "cycle" in cycle.json()["errors"]["depends_on"]
    editor = as_role("content_editor")
    denied = _patch(editor, f"/api/v1/tasks/{a}", {"due": "2026-12-09"})
    assert denied.status_code == 403
    progressed = _patch(editor, f"/api/v1/tasks/{a}", {"progress": 60, "status": "doing"})
    assert progressed.status_code == 200 and progressed.json()["progress"] == 60
    assert _post(editor, f"/api/v1/tasks/{a}/comments", {"note": "样品已到"}).status_code == 201
    unknown = _post(lead, URL, {"name": "x", "start": "2026-12-01", "due": "2026-12-01",
                                "owner": "nobody"})  # fmt: skip
    assert unknown.status_code == 422 and "owner" in unknown.json()["errors"]
    asked = lead.delete(f"/api/v1/tasks/{a}")
    assert asked.status_code == 409 and asked.json()["dependants"] == [b]
    assert lead.delete(f"/api/v1/tasks/{a}?confirm=true").status_code == 204
    listed = lead.get(URL + "&department=商品").json()
    assert listed == []
    assert [t["name"] for t in lead.get(URL).json()] == ["拍摄"]


def test_every_role_as_the_matrix_says(as_role, store_a, store_b):
    theirs = Task.objects.create(store=store_b, name="别店", start="2026-12-01", due="2026-12-01")
    for role in ROLES:
        client = as_role(role.key)
        user = client.get("/api/v1/me").wsgi_request.user
        listed = client.get(URL)
        assert listed.status_code == (200 if can(user, "plans") else 403), role.key
        made = _post(client, URL, {"name": role.key, "start": "2026-12-01", "due": "2026-12-01"})
        assert made.status_code == (201 if can(user, "plans", "change") else 403), role.key
        if can(user, "plans"):
            assert client.get(f"/api/v1/tasks/{theirs.pk}").status_code == 404, role.key
            assert client.get("/api/v1/tasks?store=beta").status_code == 404, role.key
        if made.status_code == 201:  # its own task: the owner is nobody, only the lead moves it
            own = made.json()["id"]
            lead_only = 200 if role.key == "ops_lead" else 403
            progressed = _patch(client, f"/api/v1/tasks/{own}", {"progress": 10})
            assert progressed.status_code == 200, role.key
            moved = _patch(client, f"/api/v1/tasks/{own}", {"due": "2026-12-05"})
            assert moved.status_code == lead_only, role.key
            said = _post(client, f"/api/v1/tasks/{own}/comments", {"note": "ok"})
            assert said.status_code == 201, role.key
            assert client.delete(f"/api/v1/tasks/{own}").status_code == (
                204 if role.key == "ops_lead" else 403
            ), role.key


def test_the_cli_lists_and_exports(cli, tmp_path):
    import openpyxl

    assert cli("store", "add", "cn", "--name", "天猫店", "--platform", "tmall").returncode == 0
    assert "No tasks in cn" in cli("tasks", "list", "--store", "cn").stdout
    out = tmp_path / "tasks.xlsx"
    done = cli("tasks", "export", "--store", "cn", "--out", str(out))
    assert done.returncode == 0 and "0 tasks" in done.stdout
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:2] == ["任务名称", "任务描述"]
    assert cli("tasks", "list", "--store", "nope").returncode == 2
