from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Router, Schema
from ninja.errors import HttpError

from shopops.core.access import can, get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store, User
from shopops.core.schemas import responses
from shopops.monitoring import daily_report, report_export

router = Router(tags=["daily report"], auth=ModuleAuth("daily_report"))


class MeasureIn(Schema):
    store: str
    date: date
    metric: str
    text: str
    owner: str | None = None  # username
    due: date | None = None


class MeasureTextOut(Schema):
    text: str
    owner: str | None
    due: str | None
    written_at: str


class ReportRowOut(Schema):
    """Amounts and ratios as exact decimal strings, null where undefined."""

    metric: str
    label: str
    target: str | None
    actual: str | None
    achievement: str | None
    day_change: str | None
    week_change: str | None
    anomaly: bool
    anomaly_reason: str | None
    note: str | None
    # The sources the metric needs that the day has no data of (actual null: unknown).
    missing: list[str] | None = None
    measure: MeasureTextOut | None
    diagnosis: dict[str, Any] | None


class DailyReportOut(Schema):
    store: str
    currency: str  # of every money row (the store's)
    date: str
    generated_at: str
    # What the day's data has, the days the baselines left out, the event it is, a short
    # history (monitoring.coverage, monitoring.calendar), and the same as sentences.
    context: dict[str, Any]
    context_text: list[str]
    rows: list[ReportRowOut]


class MeasureOut(Schema):
    id: int
    metric: str
    text: str


@router.get(
    "/daily",
    response=responses({200: DailyReportOut}, 404),
    summary="The daily monitoring report of a store and day",
)
def get_daily(request, store: str, day: date | None = None, rebuild: bool = False):
    """Made now when it does not exist yet (or with rebuild=true). `day` defaults to
    yesterday in the store's zone."""
    target = get_scoped_or_404(Store, request.auth, code=store)
    if rebuild and not can(request.auth, "daily_report", "change"):
        raise HttpError(403, "Your role may not rebuild reports.")
    report = daily_report.report_for(
        target, day or daily_report.default_day(target), rebuild=rebuild
    )
    return report_export.to_json(report, request.auth)


@router.post(
    "/daily/measures",
    response=responses({200: MeasureOut}, 400, 404),
    summary="Write an adjustment measure (a new version)",
)
def post_measure(request, payload: MeasureIn):
    target = get_scoped_or_404(Store, request.auth, code=payload.store)
    owner = None
    if payload.owner:
        owner = User.objects.filter(username=payload.owner, is_active=True).first()
        if owner is None:
            raise ValidationError({"owner": f"no user {payload.owner!r}"})
    if payload.metric not in daily_report.core_metrics(target):
        raise ValidationError({"metric": f"not a core metric of store {target.code}"})
    measure = daily_report.write_measure(
        request.auth,
        target,
        payload.date,
        payload.metric,
        payload.text,
        owner,
        payload.due,
        via="api",
    )
    return {"id": measure.pk, "metric": measure.metric, "text": measure.text}
