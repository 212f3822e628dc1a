from datetime import date

from ninja import Query, Router
from ninja.errors import HttpError

from shopops.analytics.catalog import UnknownMetric
from shopops.analytics.engines import GRAINS
from shopops.analytics.queries import metrics
from shopops.core.access import COST_FIELDS, can_see_costs, get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store

router = Router(tags=["metrics"], auth=ModuleAuth("metrics", "view"))


@router.get("", summary="Metrics of METRICS.md for a store and period")
def get_metrics(
    request,
    store: str,
    start: date = Query(..., alias="from"),
    end: date = Query(..., alias="to"),
    metric: list[str] = Query(..., description="repeat: metric=gmv&metric=aov"),
    by: str = "day",
    engine: str = "duckdb",
):
    """One row per period: the period, and each metric as an exact decimal string (ratios to
    6 places), null where undefined."""
    target = get_scoped_or_404(Store, request.auth, code=store)
    if by not in GRAINS:
        raise HttpError(422, f"by: one of {', '.join(GRAINS)}")
    if not can_see_costs(request.auth) and COST_FIELDS & {m.split(":")[0] for m in metric}:
        raise HttpError(403, "Your role may not see costs or profit.")
    try:
        rows = metrics(metric, target, start, end, by, engine)
    except (UnknownMetric, ValueError) as exc:
        raise HttpError(422, str(exc)) from None
    return [{k: None if v is None else str(v) for k, v in row.items()} for row in rows]
