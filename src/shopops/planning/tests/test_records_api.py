"""/api/v1/checklists, /logs, /sops and /risks: store scoping, the roles' reads and writes,
a bad value named by field."""

import json

import pytest

from shopops.core.access import can
from shopops.core.roles import ROLES

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_plans_records_through_the_api(as_role, store_a, store_b, role_users):
    lead = as_role("ops_lead")
    today = lead.get("/api/v1/checklists?store=alpha").json()
    assert today["template"] == "每日检查" and len(today["items"]) == 8
    manual = next(i for i in today["items"] if not i["auto"])
    ticked = _post(lead, f"/api/v1/checklists/items/{manual['id']}", {"done": True, "note": "好"})
    assert ticked.json()["done"] and ticked.json()["by"] == "ops_lead"
    made = _post(lead, "/api/v1/logs?store=alpha", {"kind": "exception", "text": "仓库停电两小时"})
    assert made.status_code == 201
    assert [e["text"] for e in lead.get("/api/v1/logs?store=alpha&q=停电").json()] == [
        "仓库停电两小时"
    ]
    bad = _post(lead, "/api/v1/logs?store=alpha", {"kind": "weekly", "text": "x"})
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    assert len(lead.get("/api/v1/sops?store=alpha").json()) == 3
    risk = _post(lead, "/api/v1/risks?store=alpha", {"risk": "快递停运", "owner": "warehouse"})
    assert risk.status_code == 201 and risk.json()["owner"] == "warehouse"
    assert lead.get("/api/v1/risks?store=beta").status_code == 404  # not granted
    for role in ROLES:
        client = as_role(role.key)
        user = role_users[role.key]
        for url in ("/api/v1/checklists?store=alpha", "/api/v1/logs?store=alpha",
                    "/api/v1/sops?store=alpha", "/api/v1/risks?store=alpha"):  # fmt: skip
            assert client.get(url).status_code == (200 if can(user, "plans") else 403), url
        wrote = _post(client, "/api/v1/risks?store=alpha", {"risk": role.key})
        assert wrote.status_code == (201 if can(user, "plans", "change") else 403), role.key
