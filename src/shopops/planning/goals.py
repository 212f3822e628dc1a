"""Goals: decomposition into days weighted by seasonality, hand adjustments that keep the
parts adding up, and live achievement with a projection (template 1)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction

from shopops.analytics.catalog import lookup
from shopops.analytics.queries import metrics, refuse_hidden_costs
from shopops.core import audit
from shopops.core.numbers import add_months, ratio, split
from shopops.planning import locks
from shopops.planning.models import Goal, GoalDay

# Metrics whose day values add up to the period's value; the others (ratios, distinct
# buyers, averages) are targets every day has in full.
ADDITIVE = frozenset(
    {
        "gmv",
        "orders",
        "units",
        "line_gmv",
        "refunds",
        "net_sales",
        "new_buyers",
        "visitors",
        "page_views",
        "impressions",
        "clicks",
        "ad_impressions",
        "ad_clicks",
        "ad_cost",
        "ad_gmv",
        "cogs",
        "commission",
        "payment_fees",
        "shipping_cost",
        "packaging_cost",
        "gross_profit",
    }
)
ACHIEVEMENT_PLACES = Decimal("0.0001")  # achievement, pace, projected achievement
WEEKDAY_WEEKS = 8  # weekday profile: the last eight weeks before the goal starts
LAST_YEAR_COVERAGE = Fraction(4, 5)  # last year counts when 80% of its days have data


def is_additive(metric: str) -> bool:
    return metric in ADDITIVE


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _daily(store, metric: str, start: date, end: date, scope: dict) -> dict[date, Decimal]:
    rows = metrics([metric], store, start, end, "day", filters=scope or None)
    return {
        date.fromisoformat(r["period"]): Decimal(r[metric] or 0)
        for r in rows
        if r[metric] is not None
    }


def seasonal_weights(store, metric: str, start: date, end: date, scope=None):
    """(weight per day, how): last year's curve of the metric on the same calendar dates
    (so 双11 weighs like last 双11) when last year has data; else the weekday profile of
    the last weeks; else flat."""
    days = days_of(start, end)
    last = _daily(store, metric, add_months(start, -12), add_months(end, -12), scope)
    values = [last.get(add_months(d, -12), Decimal(0)) for d in days]
    covered = sum(1 for v in values if v > 0)
    if days and Fraction(covered, len(days)) >= LAST_YEAR_COVERAGE:
        return values, "last_year"
    recent = _daily(
        store, metric, start - timedelta(weeks=WEEKDAY_WEEKS), start - timedelta(days=1), scope
    )
    by_weekday = [Decimal(0)] * 7
    for day, value in recent.items():
        by_weekday[day.weekday()] += value
    if all(v > 0 for v in by_weekday):
        return [by_weekday[d.weekday()] for d in days], "weekday"
    return [Decimal(1)] * len(days), "flat"


GOAL_FIELDS = [
    "name",
    "metric",
    "target",
    "period",
    "start",
    "end",
    "scope",
    "owner",
    "department",
    "calculation_note",
]


@transaction.atomic
def create_goal(actor, store, *, via: str = "web", **fields) -> Goal:
    """A goal, checked (a known metric, a period that ends after it starts), spread over
    its days and audited."""
    from shopops.analytics.catalog import UnknownMetric
    from shopops.analytics.request import DIMENSIONS

    try:
        lookup(fields.get("metric", ""))
    except UnknownMetric as exc:
        raise ValidationError({"metric": str(exc)}) from None
    refuse_hidden_costs([fields["metric"]], actor)  # a goal on costs: for who may see them
    for dimension in fields.get("scope") or {}:
        if dimension not in DIMENSIONS or dimension == "store":
            raise ValidationError({"scope": f"{dimension!r} is not a dimension of the goal"})
    goal = Goal(store=store, **fields)
    goal.full_clean()
    goal.save()
    decompose(goal)
    goal.refresh_from_db()  # the weighting decompose chose
    audit.record(
        actor, goal, "create", None, audit.snapshot(goal, GOAL_FIELDS), store=store, via=via
    )
    return goal


@transaction.atomic
def decompose(goal: Goal) -> list[GoalDay]:
    """(Re)spread the goal over its days; days adjusted by hand keep their targets."""
    goal = locks.goal(goal.pk)
    kept = {d.day: d for d in goal.days.filter(adjusted=True)}
    days = days_of(goal.start, goal.end)
    GoalDay.objects.filter(goal=goal, adjusted=False).delete()
    GoalDay.objects.filter(goal=goal).exclude(day__in=days).delete()
    free = [d for d in days if d not in kept]
    if is_additive(goal.metric):
        weights, how = seasonal_weights(goal.store, goal.metric, goal.start, goal.end, goal.scope)
        by_day = dict(zip(days, weights, strict=True))
        rest = goal.target - sum((k.target for k in kept.values()), Decimal(0))
        if not free and rest:
            raise ValidationError("every day is set by hand and they do not add up to the target")
        targets = dict(zip(free, split(rest, [by_day[d] for d in free]), strict=True))
    else:
        how = "constant"
        targets = dict.fromkeys(free, goal.target)
    GoalDay.objects.bulk_create([GoalDay(goal=goal, day=d, target=t) for d, t in targets.items()])
    Goal.objects.filter(pk=goal.pk).update(weighting=how)
    return list(goal.days.all())


@transaction.atomic
def adjust(goal: Goal, start: date, end: date, total: Decimal, actor=None, via="web"):
    """Set the target of the days start..end (spread by the goal's weights) by hand; the
    other days are re-spread so that the goal still adds up (additive metrics)."""
    goal = locks.goal(goal.pk)
    if start < goal.start or end > goal.end or end < start:
        raise ValidationError(f"{start}…{end} is not inside the goal's {goal.start}…{goal.end}")
    if not goal.days.exists():
        decompose(goal)
    days = {d.day: d for d in goal.days.all()}
    chosen = days_of(start, end)
    before = {str(d): str(days[d].target) for d in chosen if d in days}
    if is_additive(goal.metric):
        others_fixed = sum(
            (d.target for day, d in days.items() if d.adjusted and day not in chosen), Decimal(0)
        )
        free_left = [day for day, d in days.items() if not d.adjusted and day not in chosen]
        if not free_left and others_fixed + total != goal.target:
            raise ValidationError("no day is left to balance the goal: adjust a larger range")
        current = [days[d].target for d in chosen]
        values = split(total, current if sum(current) > 0 else [1] * len(chosen))
    else:
        values = [total] * len(chosen)
    for day, value in zip(chosen, values, strict=True):
        GoalDay.objects.filter(goal=goal, day=day).update(target=value, adjusted=True)
    decompose(goal)
    audit.record(
        actor,
        goal,
        "update",
        {"days": before},
        {"days": {str(d): str(v) for d, v in zip(chosen, values, strict=True)}},
        store=goal.store,
        via=via,
    )


def parts(goal: Goal, grain: str) -> list[tuple[str, Decimal]]:
    """The goal's targets by week or month (sums of days for additive metrics)."""
    from shopops.analytics.queries import period_label
    from shopops.analytics.reference import period_start

    out: dict[str, Decimal] = {}
    for d in goal.days.all():
        label = period_label(period_start(d.day, grain, goal.start), grain)
        if is_additive(goal.metric):
            out[label] = out.get(label, Decimal(0)) + d.target
        else:
            out[label] = d.target
    return list(out.items())


def targets(store, keys, start: date, end: date) -> dict[tuple[str, date], Decimal]:
    """{(metric, day): target} of days start..end: each day's share of the most specific
    store-wide goal (the shortest period) of the metric covering it."""
    best: dict[tuple[str, date], tuple[int, Decimal]] = {}
    parts = GoalDay.objects.filter(
        goal__store=store, goal__metric__in=keys, goal__scope={}, day__range=(start, end)
    ).select_related("goal")
    for part in parts:
        key = (part.goal.metric, part.day)
        length = (part.goal.end - part.goal.start).days
        if key not in best or length < best[key][0]:
            best[key] = (length, part.target)
    return {k: v for k, (_, v) in best.items()}


_UNKNOWN = object()


def progress_many(goal_list, today: date) -> dict[int, dict]:
    """`progress` of several goals, reading the actuals of goals that share a period and
    scope in one engine call (a dashboard lists a quarter's goals together)."""
    import json
    from collections import defaultdict

    groups = defaultdict(list)
    for goal in goal_list:
        last = min(goal.end, today)
        if last >= goal.start:
            groups[
                (goal.store_id, goal.start, last, json.dumps(goal.scope, sort_keys=True))
            ].append(goal)
    actuals = {}
    for (_, start, last, _), members in groups.items():
        keys = sorted({g.metric for g in members})
        (row,) = metrics(
            keys, members[0].store, start, last, "none", filters=members[0].scope or None
        )
        actuals.update({g.pk: row[g.metric] for g in members})
    return {g.pk: progress(g, today, actual=actuals.get(g.pk, _UNKNOWN)) for g in goal_list}


def progress(goal: Goal, today: date, actual=_UNKNOWN) -> dict:
    """Achievement so far and where the period ends at the current pace."""
    last = min(goal.end, today)
    result = {
        "goal": goal.pk,
        "metric": goal.metric,
        "label": lookup(goal.metric).label,
        "target": goal.target,
        "actual": None,
        "achievement": None,
        "target_to_date": None,
        "pace": None,
        "projection": None,
        "projected_achievement": None,
        "elapsed_days": max(0, (last - goal.start).days + 1),
        "days": (goal.end - goal.start).days + 1,
    }
    if last < goal.start:
        return result
    if actual is _UNKNOWN:
        (row,) = metrics(
            [goal.metric], goal.store, goal.start, last, "none", filters=goal.scope or None
        )
        actual = row[goal.metric]
    result["actual"] = actual
    if actual is None:
        return result
    actual = Decimal(actual)
    result["achievement"] = ratio(actual, goal.target, ACHIEVEMENT_PLACES)
    if is_additive(goal.metric):
        to_date = sum((d.target for d in goal.days.filter(day__lte=last)), Decimal(0))
        rest = goal.target - to_date
        pace = ratio(actual, to_date, ACHIEVEMENT_PLACES)
        result.update(
            target_to_date=to_date,
            pace=pace,
            projection=actual + (rest * pace if pace is not None else rest),
        )
    else:
        result.update(target_to_date=goal.target, pace=result["achievement"], projection=actual)
    result["projected_achievement"] = ratio(result["projection"], goal.target, ACHIEVEMENT_PLACES)
    return result
