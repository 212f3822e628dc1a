from datetime import date

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from shopops.analytics.catalog import CATALOG, UnknownMetric
from shopops.analytics.errors import CostsHidden, EngineUnavailable
from shopops.analytics.limits import check_metrics_query, explain_periods
from shopops.analytics.queries import COMPARES, metrics, refuse_hidden_costs
from shopops.analytics.request import DIMENSIONS, GRAINS, parse_filters
from shopops.core.access import can_see_costs, get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses

DIM_HELP = "up to two of " + ", ".join(DIMENSIONS)
COMPARE_HELP = "one of " + ", ".join(COMPARES)
router = Router(tags=["metrics"], auth=ModuleAuth("metrics", "view"))


def install_costs_handler(api) -> None:
    """403 {"detail": …} wherever an operation asks the metrics query layer for a cost
    metric on behalf of a role that may not see costs (analytics.errors.CostsHidden)."""

    def handler(request, exc: CostsHidden):
        return api.create_response(request, {"detail": str(exc)}, status=403)

    api.add_exception_handler(CostsHidden, handler)


class MetricOut(Schema):
    key: str
    zh: str
    en: str
    unit: str
    higher_is_better: bool
    formula: str
    cost: bool


class DrillElementOut(Schema):
    element: str
    before: str | int | None
    after: str | int | None
    change: str | None
    explanatory_power: float


class DrillOut(Schema):
    dimension: str
    surprise: float
    elements: list[DrillElementOut]


class ExplainOut(Schema):
    """`contributions`, `factor_changes` and `visitor_sources` for gmv only."""

    metric: str
    day: str
    base_day: str
    change: str | None
    before: str | int | None = None
    after: str | int | None = None
    contributions: dict[str, str] | None = None
    factor_changes: dict[str, str | None] | None = None
    visitor_sources: dict[str, int] | None = None
    drill_down: list[DrillOut]
    zh: str
    en: str


@router.get(
    "/catalog",
    response=responses({200: list[MetricOut]}),
    summary="The metric catalog (METRICS.md)",
)
def catalog(request):
    """Every metric with its Chinese and English label, unit and formula; cost metrics are
    left out for roles that may not see costs. Parametric metrics: topn_share:<n>,
    source_share:<source>."""
    costs = can_see_costs(request.auth)
    return [
        {**m.__dict__, "higher_is_better": m.higher_is_better}
        for m in CATALOG.values()
        if costs or not m.cost
    ]


@router.get(
    "",
    response=responses({200: list[dict[str, str | None]]}, 404),
    summary="Metrics of METRICS.md for stores and a period",
)
def get_metrics(
    request,
    store: list[str] = Query(..., description="store code; repeat for several stores"),
    start: date = Query(..., alias="from"),
    end: date = Query(..., alias="to"),
    metric: list[str] = Query(..., description="repeat: metric=gmv&metric=aov"),
    by: str = "day",
    dim: list[str] = Query([], description=DIM_HELP),
    filter: list[str] = Query([], description="dimension:value, repeatable"),
    compare: str | None = Query(None, description=COMPARE_HELP),
    engine: str = "duckdb",
):
    """One row per period (and dimension values): the period, and each metric as an exact
    decimal string (ratios to 6 places), null where undefined. `currency`: the currency of
    the row's money. Money of stores in different currencies is added up in the reporting
    currency at each day's rate; such rows also carry `rates`, the rates used (currency,
    count and dates; the rates themselves at GET /rates). Without the rates it is refused
    (422) unless split by store (dim=store)."""
    targets = [get_scoped_or_404(Store, request.auth, code=code) for code in store]
    if by not in GRAINS:
        raise ValidationError({"by": f"one of {', '.join(GRAINS)}"})
    try:
        check_metrics_query(start, end, by, compare)
        rows = metrics(
            metric,
            targets,
            start,
            end,
            by,
            engine,
            dims=dim,
            filters=parse_filters(filter),
            compare=compare,
            viewer=request.auth,  # a cost metric the role may not see: 403 (CostsHidden)
        )
    except (UnknownMetric, ValueError) as exc:
        raise ValidationError(str(exc)) from None
    except EngineUnavailable as exc:
        raise HttpError(503, str(exc)) from None
    rates = rows.conversion.summary() if rows.conversion else None
    return [
        {
            **{k: None if v is None else str(v) for k, v in row.items()},
            "currency": rows.currency_of(row),
            **({"rates": rates} if rates else {}),
        }
        for row in rows
    ]


@router.get(
    "/explain",
    response=responses({200: ExplainOut}, 404),
    exclude_unset=True,
    summary="Why a metric moved between two periods",
)
def explain_change(
    request,
    store: str,
    metric: str,
    start: date = Query(..., alias="from"),
    end: date = Query(..., alias="to"),
    base_from: date | None = None,
    base_to: date | None = None,
):
    """For gmv the Shapley split into visitors x conversion x AOV, visitors by source, and
    the Adtributor drill-down (sources, ad plans, categories, provinces); for other metrics
    the change and the drill-down where the metric adds up; with a sentence in 中文 and
    English. The base period defaults to the one just before, of the same length."""
    from shopops.analytics.diagnosis import as_json, explain

    target = get_scoped_or_404(Store, request.auth, code=store)
    try:
        base = explain_periods(start, end, base_from, base_to)
        refuse_hidden_costs([metric], request.auth)
        result = explain(target, metric, (start, end), base)
    except (UnknownMetric, ValueError) as exc:
        raise ValidationError(str(exc)) from None
    return as_json(result)
