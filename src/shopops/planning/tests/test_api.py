"""Goals and the daily report through the API, with the pages' scoping and permissions."""

import json

import pytest

pytestmark = pytest.mark.django_db

GOAL = {
    "store": "alpha",
    "name": "Q3 访客数",
    "metric": "visitors",
    "target": "90000",
    "period": "quarter",
    "start": "2026-07-01",
    "end": "2026-09-30",
    "scope": {"source": ["natural_search"]},
}


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_goals_api(as_role, store_a, store_b):
    lead = as_role("ops_lead")
    created = post(lead, "/api/v1/goals", GOAL)
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["weighting"] == "flat" and body["scope"] == {"source": ["natural_search"]}
    assert [m[0] for m in body["months"]] == ["2026-07", "2026-08", "2026-09"]
    listed = lead.get("/api/v1/goals?store=alpha").json()
    assert [g["name"] for g in listed] == ["Q3 访客数"]
    bad = post(lead, "/api/v1/goals", {**GOAL, "metric": "gvm"})
    assert bad.status_code == 422 and "unknown metric" in bad.json()["detail"]
    user_ops = as_role("user_ops")
    assert post(user_ops, "/api/v1/goals", GOAL).status_code == 403
    assert user_ops.get("/api/v1/goals?store=alpha").status_code == 200
    assert lead.get("/api/v1/goals?store=beta").status_code == 404
    cost = post(as_role("campaign_planner"), "/api/v1/goals", {**GOAL, "metric": "gross_margin"})
    assert cost.status_code == 403  # campaign planners see costs but may not change goals


def test_daily_report_api(as_role, store_a):
    lead = as_role("ops_lead")
    report = lead.get("/api/v1/reports/daily?store=alpha&day=2026-07-02")
    assert report.status_code == 200, report.content
    rows = report.json()["rows"]
    assert [r["metric"] for r in rows] == [
        "gmv", "visitors", "cvr", "aov", "orders", "repurchase_rate", "roi",
    ]  # fmt: skip
    assert rows[0]["actual"] == "0.00" and rows[2]["actual"] is None  # no visitors: no CVR
    measure = {
        "store": "alpha",
        "date": "2026-07-02",
        "metric": "gmv",
        "text": "上新",
        "owner": "ops_lead",
    }
    assert post(lead, "/api/v1/reports/daily/measures", measure).status_code == 200
    again = lead.get("/api/v1/reports/daily?store=alpha&day=2026-07-02").json()
    assert again["rows"][0]["measure"]["text"] == "上新"
    assert again["rows"][0]["measure"]["owner"] == "ops_lead"
    bad = post(lead, "/api/v1/reports/daily/measures", {**measure, "metric": "units"})
    assert bad.status_code == 422
    assert as_role("content_editor").get("/api/v1/reports/daily?store=alpha").status_code == 403
    analyst = as_role("analyst")  # may view, not write
    assert analyst.get("/api/v1/reports/daily?store=alpha&day=2026-07-02").status_code == 200
    assert post(analyst, "/api/v1/reports/daily/measures", measure).status_code == 403
