"""Conditions that persist: a metric below its target day after day is one ongoing item of
the report (「连续 12 天低于目标；本月累计达成 74%，预计月末 78%」), not a new red row every
day. A run of such days is flagged on its first day and again only when it worsens
materially (the trailing week's achievement falls WORSEN below where it stood when last
flagged) or its cause changes (a factor of GMV falls FACTOR_WORSEN further).

Every number here comes from the data of the days (the metric's values and the goals'
targets), never from the reports made before: a report made again, or made for a past day
first, says the same."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from shopops.core.numbers import ratio

WORSEN = Decimal("0.10")  # ten points of achievement: a shortfall that worsened materially
FACTOR_WORSEN = Decimal("0.10")  # a factor of GMV 10% lower than at the last flag: a new cause
TRAILING_DAYS = 7  # the level of a run: its last week's achievement
LOOKBACK_DAYS = 56  # how far back a run is traced (the report's eight weeks)
GMV_FACTORS = ("visitors", "cvr", "aov")


@dataclass
class Run:
    """A run of days below target ending on the report's day."""

    since: date
    days: int
    capped: bool  # the run goes back further than LOOKBACK_DAYS
    under: int = 0  # its days below target (the others were back on it, the week not)
    flagged_on: list[date] = field(default_factory=list)
    why: str = ""  # why the report's day is flagged: new | worse | cause | "" (ongoing)
    level: Decimal | None = None  # the trailing week's achievement on the day
    level_at_flag: Decimal | None = None  # ... on the last day it was flagged before
    factor: str = ""  # with why == "cause": the factor of GMV that fell

    @property
    def flagged_today(self) -> bool:
        return bool(self.why)


def is_under(achievement, share: Decimal, higher: bool) -> bool:
    """The goal rule of the report: an achievement under `share` (over 2 - share for a
    metric where lower is better)."""
    if achievement is None:
        return False
    return achievement < share if higher else achievement > 2 - share


def _level(days: list[date], values: dict, targets: dict, additive: bool) -> Decimal | None:
    """The achievement of the trailing days: the sum against the sum for an additive
    metric, else the mean of the days' achievements."""
    if additive:
        return ratio(sum(Decimal(values[d]) for d in days), sum(targets[d] for d in days))
    each = [ratio(values[d], targets[d]) for d in days]
    each = [a for a in each if a is not None]
    return sum(each, Decimal(0)) / len(each) if each else None


def _factors(days: list[date], rows: dict) -> dict[str, Decimal] | None:
    """GMV's factors over the trailing days: visitors a day, conversion, AOV."""
    visitors = sum(int(rows[d].get("visitors") or 0) for d in days)
    buyers = sum(int(rows[d].get("buyers") or 0) for d in days)
    gmv = sum(Decimal(rows[d].get("gmv") or 0) for d in days)
    if not visitors or not buyers:
        return None
    return {
        "visitors": Decimal(visitors) / len(days),
        "cvr": Decimal(buyers) / visitors,
        "aov": gmv / buyers,
    }


def shortfall(
    day: date,
    values: dict[date, object],
    targets: dict[date, Decimal],
    share: Decimal,
    *,
    higher: bool = True,
    additive: bool = True,
    rows: dict[date, dict] | None = None,
    neutral: frozenset[date] | set[date] = frozenset(),
) -> Run | None:
    """The run of days below target that ends on `day`, or None when `day` is not below
    it or no day of the run broke the rule (`share`). `values` and `targets` are the
    metric's by day; `rows` (for GMV) the days' visitors, buyers and GMV, to tell a new
    cause. `neutral` days (event days: their own plan judges them, and one of them would
    swamp a week) are not in the week that tells a run has ended; a day on target with no
    ordinary day in its week (inside a long event window) ends it."""

    def achieved(d):
        if values.get(d) is None or not targets.get(d):
            return None
        return ratio(values[d], targets[d])

    # The run: from the first day that broke the rule, the days below target (under 100%)
    # ending on `day`. A day between the rule and the target does not end it, and neither
    # does a day back on target while its trailing week is still below: the condition ends
    # when the metric is back on target for a week. A metric hovering about the rule's line,
    # or about its target, is one condition, not a new one every few days.
    if not is_under(achieved(day), Decimal(1), higher):
        return None
    stretch = []
    for i in range(LOOKBACK_DAYS + 1):
        d = day - timedelta(days=i)
        a = achieved(d)
        if a is None:
            break
        if not is_under(a, Decimal(1), higher):
            week = [d - timedelta(days=j) for j in range(TRAILING_DAYS)]
            week = [w for w in week if w not in neutral and achieved(w) is not None]
            level = _level(week, values, targets, additive)
            if level is None or not is_under(level, Decimal(1), higher):
                break
        stretch.append(d)
    broke = [d for d in stretch if is_under(achieved(d), share, higher)]
    if not broke:
        return None
    run = sorted(d for d in stretch if d >= broke[-1])
    under = sum(1 for d in run if is_under(achieved(d), Decimal(1), higher))
    out = Run(since=run[0], days=len(run), capped=len(run) > LOOKBACK_DAYS, under=under)
    ref_level = ref_factors = None
    for i, d in enumerate(run):
        trailing = run[max(0, i - TRAILING_DAYS + 1) : i + 1]
        level = _level(trailing, values, targets, additive)
        factors = _factors(trailing, rows) if rows is not None else None
        why, factor = "", ""
        if i == 0:
            why = "new"
        elif level is not None and ref_level is not None and i >= TRAILING_DAYS:
            worse = ref_level - level if higher else level - ref_level
            if worse >= WORSEN:
                why = "worse"
            elif factors and ref_factors:
                fallen = {
                    k: (ref_factors[k] - factors[k]) / ref_factors[k]
                    for k in GMV_FACTORS
                    if ref_factors[k]
                }
                k = max(fallen, key=fallen.get, default=None)
                if k is not None and fallen[k] >= FACTOR_WORSEN and worse > 0:
                    why, factor = "cause", k
        if why == "" and ref_level is not None and i < TRAILING_DAYS:
            # The run's first week: its level is known once a week is (one day is noise).
            ref_level, ref_factors = level, factors
        if why:
            if d == day:
                out.why, out.factor, out.level_at_flag = why, factor, ref_level
            out.flagged_on.append(d)
            ref_level, ref_factors = level, factors
        if d == day:
            out.level = level
    return out


def run_words(days: int, under: int | None, capped: bool, since: str) -> tuple[str, str]:
    """「连续 12 天低于目标（自 …）」, or with days back on target in it 「自 … 起 12 天中 9 天低于
    目标」: (zh, en)."""
    n = f"{days}{'+' if capped else ''}"
    if under is None or under >= days:
        return f"连续 {n} 天低于目标（自 {since}）", f"{n} days below target (since {since})"
    return (
        f"自 {since} 起 {n} 天中 {under} 天低于目标",
        f"{under} of {n} days below target since {since}",
    )


@dataclass
class Standing:
    """Where the month stands for a metric in shortfall: to date and at the current pace."""

    first: date  # the month's first day with a target
    last: date  # ... last day
    target: Decimal | None  # the month's target (a sum for additive metrics)
    actual: Decimal | None  # to date (a sum, or the metric over the days so far)
    achievement: Decimal | None
    projected: Decimal | None  # the month's achievement at the current pace
    remaining_days: int
    needed_per_day: Decimal | None  # what the rest of the month needs a day to close it
    recent_per_day: Decimal | None  # the last week's average a day


def standing(day: date, month_targets: dict[date, Decimal], actual_to_date, values: dict,
             additive: bool) -> Standing:  # fmt: skip
    """The month of `day`: `month_targets` its days' targets (days without a goal left
    out), `actual_to_date` the metric from the month's first target day to `day`."""
    days = sorted(month_targets)
    to_date = [d for d in days if d <= day]
    rest = [d for d in days if d > day]
    recent = [day - timedelta(days=i) for i in range(TRAILING_DAYS)]
    recent = [values[d] for d in recent if values.get(d) is not None]
    actual = None if actual_to_date is None else Decimal(actual_to_date)
    if additive:
        total = sum(month_targets.values(), Decimal(0))
        due = sum((month_targets[d] for d in to_date), Decimal(0))
        pace = ratio(actual, due)
        projected_total = (
            None
            if actual is None
            else actual + sum((month_targets[d] for d in rest), Decimal(0)) * (pace or 0)
        )
        needed = (
            (total - actual) / len(rest) if rest and actual is not None and total > actual else None
        )
        recent_avg = sum(map(Decimal, recent), Decimal(0)) / len(recent) if recent else None
        return Standing(
            days[0], days[-1], total, actual, ratio(actual, due), ratio(projected_total, total),
            len(rest), needed, recent_avg,
        )  # fmt: skip
    target = month_targets[day]
    recent_avg = sum(map(Decimal, recent), Decimal(0)) / len(recent) if recent else None
    achieved = ratio(actual, target)
    return Standing(
        days[0], days[-1], target, actual, achieved, achieved, len(rest),
        target if rest else None, recent_avg,
    )  # fmt: skip
