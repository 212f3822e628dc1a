from datetime import date
from decimal import Decimal

import pytest

from shopops.planning import goals
from shopops.planning.models import Goal, GoalDay

pytestmark = pytest.mark.django_db


def test_create_list_adjust_and_permissions(as_role, store_a):
    lead = as_role("ops_lead")
    form = {
        "name": "Q3 销售额",
        "metric": "gmv",
        "target": "900000",
        "period": "quarter",
        "start": "2026-07-01",
        "end": "2026-09-30",
        "department": "运营部",
        "calculation_note": "日均 1 万 x 90 天",
        "scope_text": "",
    }
    created = lead.post("/goals/", form)
    assert created.status_code == 302, created.content.decode()[:2000]
    goal = Goal.objects.get(store=store_a, name="Q3 销售额")
    assert sum(d.target for d in GoalDay.objects.filter(goal=goal)) == Decimal("900000")
    listing = lead.get("/goals/").content.decode()
    assert "Q3 销售额" in listing and "900,000.00" in listing
    adjusted = lead.post(
        f"/goals/{goal.pk}/", {"start": "2026-07-01", "end": "2026-07-03", "total": "30000"}
    )
    assert adjusted.status_code == 302
    assert GoalDay.objects.filter(goal=goal, adjusted=True).count() == 3
    assert sum(d.target for d in GoalDay.objects.filter(goal=goal)) == Decimal("900000")
    bad = lead.post("/goals/", {**form, "metric": "gvm", "scope_text": "colour:red"})
    assert bad.status_code == 200 and bad.content.decode().count("invalid-feedback") >= 2
    # 用户运营 sees goals but may not create them, nor see a profit goal.
    goals.create_goal(
        None, store_a, name="毛利", metric="gross_profit", target=Decimal("1"),
        period="custom", start=date(2026, 7, 1), end=date(2026, 7, 2),
    )  # fmt: skip
    user_ops = as_role("user_ops")
    seen = user_ops.get("/goals/").content.decode()
    assert "Q3 销售额" in seen and "毛利" not in seen
    assert user_ops.post("/goals/", form).status_code == 403
    assert as_role("customer_service").get("/goals/").status_code == 403
