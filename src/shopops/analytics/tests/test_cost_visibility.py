"""The cost-metric permission is checked in the metrics query layer: a role without
view_costs (用户运营 here) never receives a cost metric, whichever caller asks for it."""

import json
from datetime import date

import pytest

from shopops.analytics.errors import CostsHidden
from shopops.analytics.queries import hidden_costs, metrics, refuse_hidden_costs
from shopops.monitoring import daily_report, report_export
from shopops.monitoring.models import ReportSettings
from shopops.planning import goals

pytestmark = pytest.mark.django_db(transaction=True)  # DuckDB reads committed rows

DAY = date(2026, 7, 2)


def test_the_query_layer_refuses_cost_metrics_to_a_role_without_costs(store_a, role_users):
    user_ops, analyst = role_users["user_ops"], role_users["analyst"]
    for key in ("gross_profit", "gross_margin", "cogs"):  # gross_margin: derived from a cost
        with pytest.raises(CostsHidden) as refused:
            metrics(["gmv", key], store_a, DAY, DAY, "none", viewer=user_ops)
        assert refused.value.keys == [key]
    (row,) = metrics(["gmv", "gross_profit"], store_a, DAY, DAY, "none", viewer=analyst)
    assert row["gross_profit"] == 0
    # No person (the worker, the CLI): everything.
    assert metrics(["gross_profit"], store_a, DAY, DAY, "none")[0]["gross_profit"] == 0
    # Metrics that are not costs are for everyone.
    assert metrics(["gmv", "roi"], store_a, DAY, DAY, "none", viewer=user_ops)
    assert hidden_costs(["gmv", "gross_margin", "commission"], user_ops) == [
        "gross_margin",
        "commission",
    ]
    assert hidden_costs(["gross_margin"], analyst) == []
    with pytest.raises(CostsHidden):
        refuse_hidden_costs(["commission"], role_users["warehouse"])


def test_caller_the_metrics_api(store_a, as_role):
    query = f"store=alpha&from={DAY}&to={DAY}&by=none"
    refused = as_role("user_ops").get(f"/api/v1/metrics?{query}&metric=gmv&metric=gross_profit")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Your role may not see costs or profit: gross_profit"}
    explain = as_role("user_ops").get(
        f"/api/v1/metrics/explain?store=alpha&metric=gross_margin&from={DAY}&to={DAY}"
    )
    assert explain.status_code == 403
    allowed = as_role("analyst").get(f"/api/v1/metrics?{query}&metric=gross_profit")
    assert allowed.status_code == 200 and allowed.json()[0]["gross_profit"] == "0"


def test_caller_the_goals_service_and_api(store_a, role_users, login_as):
    from django.contrib.auth.models import Permission

    from shopops.core import services
    from shopops.planning.models import Goal

    goal = {
        "name": "Q3 毛利",
        "metric": "gross_profit",
        "target": "90000",
        "period": "quarter",
        "start": date(2026, 7, 1),
        "end": date(2026, 9, 30),
    }
    with pytest.raises(CostsHidden):
        goals.create_goal(role_users["user_ops"], store_a, **goal)
    # No role both changes goals and lacks costs; a user given the goals permissions alone
    # is refused by the API with the query layer's 403, and nothing is saved.
    planner = services.create_user(username="planner", password=None, stores=[store_a])
    planner.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_goals", "change_goals"])
    )
    body = {**goal, "store": "alpha", "start": "2026-07-01", "end": "2026-09-30"}
    answer = login_as(planner).post("/api/v1/goals", json.dumps(body), "application/json")
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Your role may not see costs or profit: gross_profit"}
    visitors = {**body, "metric": "visitors"}
    made = login_as(planner).post("/api/v1/goals", json.dumps(visitors), "application/json")
    assert made.status_code == 200, made.content
    assert list(Goal.objects.values_list("metric", flat=True)) == ["visitors"]
    made = goals.create_goal(role_users["ops_lead"], store_a, via="test", **goal)
    assert made.metric == "gross_profit"


def test_caller_the_daily_report_page_api_and_export(store_a, role_users, as_role, tmp_path):
    ReportSettings.objects.create(store=store_a, core_metrics=["gmv", "gross_profit"])
    report = daily_report.build(store_a, DAY)  # the worker's: every core metric
    assert list(report.rows.values_list("metric", flat=True)) == ["gmv", "gross_profit"]

    def shown(viewer):
        return [r["metric"] for r in report_export.rows(report, viewer)]

    assert shown(None) == shown(role_users["analyst"]) == ["gmv", "gross_profit"]
    assert shown(role_users["user_ops"]) == ["gmv"]

    api = f"/api/v1/reports/daily?store=alpha&day={DAY}"
    user_ops, analyst = as_role("user_ops"), as_role("analyst")
    assert [r["metric"] for r in user_ops.get(api).json()["rows"]] == ["gmv"]
    assert [r["metric"] for r in analyst.get(api).json()["rows"]] == ["gmv", "gross_profit"]
    page = user_ops.get(f"/reports/daily/?date={DAY}").content.decode()
    assert 'id="m-gmv"' in page and "m-gross_profit" not in page
    assert "m-gross_profit" in analyst.get(f"/reports/daily/?date={DAY}").content.decode()

    from openpyxl import load_workbook

    xlsx = user_ops.get(f"/reports/daily/download.xlsx?date={DAY}")
    assert xlsx.status_code == 200
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"".join(xlsx.streaming_content))
    sheet = load_workbook(path).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["销售额"]
