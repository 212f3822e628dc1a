from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema

from shopops.core.access import get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
from shopops.planning import goals
from shopops.planning.queries import visible_goals

router = Router(tags=["goals"], auth=ModuleAuth("goals"))


class GoalIn(Schema):
    store: str
    name: str
    metric: str
    target: Decimal
    period: str = "quarter"
    start: date
    end: date
    scope: dict[str, list[str]] = {}
    department: str = ""
    calculation_note: str = ""


class GoalOut(Schema):
    """Amounts and ratios as exact decimal strings, null where not known yet."""

    id: int
    name: str
    metric: str
    label: str
    target: str
    currency: str  # of target and actual when the metric is money (the store's)
    period: str
    start: str
    end: str
    scope: dict[str, list[str]]
    owner: str | None
    department: str
    calculation_note: str
    weighting: str
    actual: str | None
    achievement: str | None
    target_to_date: str | None
    projection: str | None
    projected_achievement: str | None
    months: list[list[str]]  # [label, target of the month]


def _text(value) -> str | None:
    return None if value is None else str(value)


def goal_dict(goal, today) -> dict:
    p = goals.progress(goal, today)
    return {
        "id": goal.pk,
        "currency": goal.store.currency,
        "name": goal.name,
        "metric": goal.metric,
        "label": str(p["label"]),
        "target": str(goal.target),
        "period": goal.period,
        "start": goal.start.isoformat(),
        "end": goal.end.isoformat(),
        "scope": goal.scope,
        "owner": goal.owner.username if goal.owner else None,
        "department": goal.department,
        "calculation_note": goal.calculation_note,
        "weighting": goal.weighting,
        **{k: _text(p[k]) for k in ("actual", "achievement", "target_to_date", "projection")},
        "projected_achievement": _text(p["projected_achievement"]),
        "months": [[label, str(v)] for label, v in goals.parts(goal, "month")],
    }


@router.get(
    "",
    response=responses({200: list[GoalOut]}, 404),
    summary="Goals of a store with achievement and projection",
)
def list_goals(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    today = datetime.now(target.zone).date()
    return [goal_dict(g, today) for g in visible_goals(request.auth, target)]


@router.post(
    "",
    response=responses({200: GoalOut}, 400, 404),
    summary="Create a goal; it is spread over its days at once",
)
def create_goal(request, payload: GoalIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    data = payload.dict()
    data.pop("store")
    # A cost metric for a role that may not see costs: 403 from the metrics query layer.
    goal = goals.create_goal(request.auth, target, via="api", **data)
    return goal_dict(goal, datetime.now(target.zone).date())
