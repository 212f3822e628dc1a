"""The daily monitoring report (核心数据监控日报, template 3): per store and day, each core
metric's target, actual, achievement, day-over-day and week-over-week change, an anomaly
flag with a drafted note, and the team's adjustment measure."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from django.conf import settings
from django.db import transaction

from shopops.analytics import display
from shopops.analytics.catalog import lookup
from shopops.analytics.concentration import has_buyer_ids
from shopops.analytics.diagnosis import (
    DRIVER_SHARE,
    FACTOR_LABELS,
    ROBUST_Z,
    SOURCE_LABELS,
    as_json,
    by_dimension,
    drivers,
    explain_gmv,
    side_text,
    weekday_test,
)
from shopops.analytics.queries import metrics
from shopops.core import audit
from shopops.core.numbers import ratio, relative_change
from shopops.monitoring import calendar, conditions, coverage, gaps
from shopops.monitoring import locks as report_locks
from shopops.monitoring.models import AdjustmentMeasure, DailyReport, DailyReportRow
from shopops.planning import goals

DEFAULT_CORE = ["gmv", "visitors", "cvr", "aov", "orders", "repurchase_rate", "roi"]
HISTORY_WEEKS = 8  # the robust baseline: the same weekday of the last eight weeks
# Metrics that mean little over one day (buyers with two orders in a day) are read over a
# trailing window ending on the day: the report's repurchase rate is that of 30 days.
WINDOWED = {"repurchase_rate": 30}
LEVEL_SAID = Decimal("0.05")  # a recent level this far from the weeks' median is named


def achievement_floor() -> Decimal:
    """The share of the day's target below which a metric is an anomaly: the setting
    SHOPOPS_ACHIEVEMENT_FLOOR (0.8 unless the environment says otherwise)."""
    return settings.SHOPOPS_ACHIEVEMENT_FLOOR


def below_floor(achievement) -> bool:
    """An achievement under the floor (an undefined one is not): the red of the report and
    its export, the orange of the dashboard's bars."""
    return achievement is not None and achievement < achievement_floor()


def _settings(store):
    from shopops.monitoring.models import ReportSettings

    return ReportSettings.objects.filter(store=store).first()


def core_metrics(store, found=None) -> list[str]:
    found = found or _settings(store)
    return list(found.core_metrics) if found and found.core_metrics else list(DEFAULT_CORE)


def thresholds(store, found=None) -> dict[str, dict[str, Decimal]]:
    """The team's thresholds of each metric ({"baseline": share, "target": share})."""
    found = found or _settings(store)
    saved = (found.thresholds if found else None) or {}
    return {k: {rule: Decimal(v) for rule, v in rules.items()} for k, rules in saved.items()}


def goal_rule(achievement, share: Decimal, higher: bool) -> tuple[str, str]:
    """The goal rule's words: 达成率 66.0%，低于目标的 80.0%."""
    side_zh, side_en = ("低于", "under") if higher else ("高于", "over")
    limit = share if higher else 2 - share
    return (
        f"达成率 {display.percent(achievement)}，{side_zh}目标的 {display.percent(limit)}",
        f"achievement {display.percent(achievement)}, {side_en} {display.percent(limit)} of target",
    )


def flag(metric, actual, history: list, rules: dict, score, level: float = 1.0):
    """(reason, rule in Chinese, rule in English) of the first rule an ordinary day's row
    breaks after its target (`conditions.shortfall`): the team's threshold against the same
    weekday's usual value, then the statistical test (robust z-score); ("", "", "") when
    none does."""
    higher = metric.higher_is_better
    past = sorted(float(h) for h in history if h is not None)
    usual = Decimal(str(median(past))) if len(past) >= 3 else None
    vs_usual = relative_change(actual, usual) if usual else None
    limit = rules.get("baseline")
    if (
        limit is not None
        and vs_usual is not None
        and (vs_usual < -limit if higher else vs_usual > limit)
    ):
        return (
            "threshold",
            f"较近 {HISTORY_WEEKS} 周同日中位数 {display.change(vs_usual)}，"
            f"超过设定阈值 {display.percent(limit)}",
            f"{display.change(vs_usual)} vs the median of the same weekday over "
            f"{HISTORY_WEEKS} weeks, beyond the threshold of {display.percent(limit)}",
        )
    if score is not None and abs(score) > ROBUST_Z:
        # The usual value is the weeks' median at the store's recent level: said when the
        # level is not the median's.
        moved = Decimal(str(level)) - 1
        adjusted_zh = adjusted_en = ""
        if abs(moved) >= LEVEL_SAID:
            adjusted_zh = f"按近期水平 {display.change(moved)} 调整，"
            adjusted_en = f"at the recent level {display.change(moved)}, "
        return (
            "statistical",
            f"偏离近 {HISTORY_WEEKS} 周同日的常态（{adjusted_zh}稳健 z 分数 {score:+.1f}）",
            f"unusual for the weekday over {HISTORY_WEEKS} weeks ({adjusted_en}robust z-score "
            f"{score:+.1f})",
        )
    return "", "", ""


def event_rule(metric, actual, event, compared_with: date, last_year, growth):
    """An event day against the same day of the event a year earlier, grown by the store's
    growth over the weeks before (its ordinary year-over-year): flagged only when it falls
    EVENT_TOLERANCE short of that (past it, for a metric where lower is better)."""
    if actual is None or not last_year:
        return "", "", ""
    expected = Decimal(last_year) * growth
    moved = relative_change(actual, expected)
    higher = metric.higher_is_better
    if moved is None or not (moved < -EVENT_TOLERANCE if higher else moved > EVENT_TOLERANCE):
        return "", "", ""
    grown = display.change(growth - 1)
    return (
        "event",
        f"{event.name}：较去年同期（{compared_with}，按近 4 周同比 {grown} 推算）"
        f"{display.change(moved)}",
        f"{event.name}: {display.change(moved)} vs the same day a year earlier "
        f"({compared_with}, grown by the last 4 weeks' {grown} year over year)",
    )


def _usual_day(history_days: dict[date, object]) -> date | None:
    """The same-weekday day whose value is the median of the baseline's (the lower middle
    one): a real day to explain a deviation from the usual against."""
    known = sorted((v, d) for d, v in history_days.items() if v is not None)
    return known[(len(known) - 1) // 2][1] if len(known) >= 3 else None


def _note(store, key: str, day: date, row: dict, history: list, *, basis: str, base=None,
          gap=None) -> tuple[str, str, dict]:  # fmt: skip
    """The drafted 异常说明, explaining what flagged the row: its gap to target (`basis`
    "target", `gap` the GMV's split by factor), its deviation from the usual weekday
    ("baseline", `base` the median day), from the same event a year earlier ("last_year",
    `base` that day), or its change from the day before ("change")."""
    week_ago = day - timedelta(weeks=1)
    if key == "gmv":
        if basis == "target":
            return gap["zh"], gap["en"], as_json(gap)
        compared = {
            "baseline": (
                f"较近 {HISTORY_WEEKS} 周同日中位数（{base}）",
                f"vs the median of the same weekday over {HISTORY_WEEKS} weeks ({base})",
            ),
            "last_year": (f"较去年同期（{base}）", f"vs the same day a year earlier ({base})"),
        }.get(basis)
        result = explain_gmv(store, day, base or day - timedelta(days=1), compared)
        return result["zh"], result["en"], as_json(result)
    label = lookup(key)
    past = sorted(float(h) for h in history if h is not None)
    usual = past[len(past) // 2] if past else None
    vs_usual = relative_change(row["actual"], usual) if usual else None
    if basis == "target":
        zh, en = gaps.gap_text(key, row["actual"], row["target"], store.currency)
    elif basis == "last_year":
        moved = display.change(row.get("vs_last_year"))
        zh, en = f"较去年同期（{base}）{moved}", f"{moved} vs the same day a year earlier ({base})"
    else:
        dod = row["day_change"]
        zh = f"{label.zh}环比 {display.change(dod)}"
        en = f"{label.en} {display.change(dod)} vs the day before"
    if basis == "baseline" and vs_usual is not None:
        usual_change = display.change(vs_usual)
        zh = f"{label.zh}较近 {HISTORY_WEEKS} 周同日中位数 {usual_change}；" + zh
        en = f"{label.en} {usual_change} vs the median of the same weekday; " + en
    elif vs_usual is not None and basis != "last_year":
        usual_change = display.change(vs_usual)
        zh += f"，较近 {HISTORY_WEEKS} 周同日中位数 {usual_change}"
        en += f", {usual_change} vs the median of the same weekday over {HISTORY_WEEKS} weeks"
    # Which slices moved it (against the base day, else the same weekday last week): ranked
    # by their contribution, in the direction of the move, each at least DRIVER_SHARE of the
    # rise or fall (a province going from 3 to 9 orders never leads while a large one lost
    # 20%).
    drill = {"visitors": "source", "roi": "plan", "orders": "province"}.get(key)
    if drill:
        source = "ad_gmv" if key == "roi" else key
        before = by_dimension(
            store, source, drill, base if basis != "target" and base else week_ago
        )
        after = by_dimension(store, source, drill, day)
        total = sum(map(Decimal, after.values()), Decimal(0))
        change = total - sum(map(Decimal, before.values()), Decimal(0))
        named = [
            e
            for e in drivers(before, after, change)
            if not e.get("other") and (e["side_share"] or 0) >= DRIVER_SHARE
        ]
        for e in named[:2]:
            name_zh, name_en = SOURCE_LABELS.get(e["element"], (e["element"], e["element"]))
            amount = display.metric_shown(abs(e["contribution"]), source, store.currency)
            sign = "+" if e["contribution"] >= 0 else "-"
            side_zh, side_en = side_text(e, change > 0)
            zh += f"；{name_zh} {sign}{amount}（{side_zh}）"
            en += f"; {name_en} {sign}{amount} ({side_en})"
    return zh, en, {}


def _ongoing_words(run: conditions.Run) -> tuple[str, str]:
    """Why a run of days below target is flagged again, or that it goes on."""
    zh, en = conditions.run_words(run.days, run.under, run.capped, run.since.isoformat())
    if run.why == "worse":
        was, now = display.percent(run.level_at_flag), display.percent(run.level)
        return (
            f"{zh}，近 7 天达成率由 {was} 降至 {now}",
            f"{en}, the last 7 days' achievement down from {was} to {now}",
        )
    if run.why == "cause":
        factor_zh, factor_en = FACTOR_LABELS[run.factor]
        return (
            f"{zh}，原因有变：{factor_zh}较上次提示时下降逾 "
            f"{display.percent(conditions.FACTOR_WORSEN)}",
            f"{en}, and the cause changed: {factor_en} fell over "
            f"{display.percent(conditions.FACTOR_WORSEN)} since last flagged",
        )
    return f"持续：{zh}，见持续问题", f"ongoing: {en}, see the ongoing conditions"


@transaction.atomic
def build(store, day: date) -> DailyReport:
    """Compute (or recompute) the report of a store and day."""
    found = _settings(store)
    keys = core_metrics(store, found)
    rules_of = thresholds(store, found)
    first = day - timedelta(weeks=HISTORY_WEEKS)
    # GMV's factors are read with it: a gap to target is split by them.
    factors = {"visitors", "buyers", "orders", "gmv"} if "gmv" in keys else {"orders"}
    daily = sorted({k for k in keys if k not in WINDOWED} | factors)
    rows = {r["period"]: r for r in metrics(daily, store, first, day, "day")}
    orders = {date.fromisoformat(p): r["orders"] for p, r in rows.items()}
    gaps_of = coverage.left_out(store, orders, day, first)
    # Event days and holidays are not ordinary days: out of the baselines of the days after.
    event_days = calendar.days_of(first, day - timedelta(days=1))
    skip = gaps_of["days"] | set(event_days)
    # An event day itself is compared with the plan and the same event a year earlier.
    event = calendar.days_of(day, day).get(day)
    same = calendar.same_day_last_year(day) if event else None
    last_year, growth = {}, {}
    if same is not None:
        known = gaps_of["begins"] is not None and same[1] >= gaps_of["begins"]
        if known:
            (last_year,) = metrics(daily, store, same[1], same[1], "none")
            growth = _growth(store, daily, event.first, gaps_of["begins"])
    # What the day's data has; buyer ids over the repurchase window.
    available = coverage.has(store, day, day)
    window = max(WINDOWED.values())
    available["buyer_ids"] = has_buyer_ids(store, (day - timedelta(days=window - 1), day))

    def windowed(key: str, end: date):
        """A trailing-window metric's value on `end`, read once."""
        row = rows.setdefault(end.isoformat(), {})
        if key not in row:
            span = timedelta(days=WINDOWED[key] - 1)
            (value,) = metrics([key], store, end - span, end, "none")
            row[key] = value[key]
        return row[key]

    for key in (k for k in keys if k in WINDOWED):
        for end in _history_days(day) | {day}:
            windowed(key, end)
    month_first = day.replace(day=1)
    month_last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    planned = goals.targets(
        store, sorted(set(keys) | set(FACTOR_GOAL_KEYS)), min(first, month_first), month_last
    )
    targets = {k: v for (k, d), v in planned.items() if d == day}
    floor = achievement_floor()
    report, _ = DailyReport.objects.get_or_create(store=store, day=day)
    report = report_locks.daily_report(report.pk)
    report.save()  # generated_at
    report.rows.all().delete()
    out, missing, ongoing = [], {}, []

    def value(key, when, left_out=skip):
        """A past value the report compares with, None on a day left out."""
        return None if when in left_out else rows[when.isoformat()][key]

    for position, key in enumerate(keys):
        lacking = sorted(s for s in coverage.needs(key) if not available[s])
        if lacking:
            missing[key] = lacking
        actual = None if lacking else rows[day.isoformat()][key]
        # Against an event day the change is still told (the day after 双11 falls); against
        # a closed day, or before the data, it would be a meaningless +20,000%.
        yesterday = value(key, day - timedelta(days=1), gaps_of["days"])
        last_week = value(key, day - timedelta(weeks=1), gaps_of["days"])
        weeks = [day - timedelta(weeks=k) for k in range(1, HISTORY_WEEKS + 1)]
        history_days = {d: value(key, d) for d in weeks}
        history = [] if lacking else list(history_days.values())
        target = targets.get(key)
        achievement = ratio(actual, target)
        metric = lookup(key)
        rules = rules_of.get(key, {})
        row = {
            "metric": key,
            "target": target,
            "actual": actual,
            "achievement": achievement,
            "day_change": relative_change(actual, yesterday) if actual is not None else None,
            "week_change": relative_change(actual, last_week) if actual is not None else None,
        }
        # Below target: a new condition, one that worsened or changed cause, or one that
        # goes on (its own section, not a new red row).
        run = None
        if achievement is not None:
            key_targets = {d: v for (k, d), v in planned.items() if k == key}
            lookback = [day - timedelta(days=i) for i in range(conditions.LOOKBACK_DAYS + 1)]
            values = _values(key, lookback, key_targets, rows, gaps_of["days"], windowed)
            run = conditions.shortfall(
                day,
                values,
                key_targets,
                rules.get("target", floor),
                higher=metric.higher_is_better,
                additive=goals.is_additive(key),
                rows=_day_rows(rows, lookback) if key == "gmv" else None,
                neutral=set(event_days),
            )
        reason = rule_zh = rule_en = ""
        basis, base = "change", None
        if run is not None and run.flagged_today:
            reason, basis = "goal", "target"
            rule_zh, rule_en = goal_rule(
                achievement, rules.get("target", floor), metric.higher_is_better
            )
            if run.why != "new":
                rule_zh, rule_en = _ongoing_words(run)
        elif event is not None:
            # Inside an event window: the plan (the goal, above) and last year's same day
            # are its comparisons, not ordinary weeks.
            if same is not None:
                reason, rule_zh, rule_en = event_rule(
                    metric, actual, event, same[1], last_year.get(key), growth.get(key, Decimal(1))
                )
            if reason:
                basis, base = "last_year", same[1]
                row["vs_last_year"] = relative_change(actual, last_year.get(key))
        else:
            series = {date.fromisoformat(p): r.get(key) for p, r in rows.items()}
            series = {d: v for d, v in series.items() if d not in skip}
            # A trailing 30-day rate moves slowly and its weeks overlap: against the same
            # weekday it measures drift, not a day; its target and threshold judge it.
            score, level = (
                (None, 1.0)
                if key in WINDOWED or actual is None
                else weekday_test(series, day, actual, HISTORY_WEEKS)
            )
            row["score"] = score
            reason, rule_zh, rule_en = flag(metric, actual, history, rules, score, level)
            if reason:
                basis, base = "baseline", _usual_day(history_days)
        # A day made by one order or buyer says so, before the statistical test (which such
        # a day also breaks, for that reason).
        if reason in ("", "statistical") and key == "gmv" and actual:
            found = _concentration(store, day, actual, yesterday)
            if found[0]:
                reason, rule_zh, rule_en = found
                basis, base = "change", None
        shortfall_goes_on = run is not None and not run.flagged_today and not reason
        if shortfall_goes_on:
            basis = "target"
            rule_zh, rule_en = _ongoing_words(run)
        note_zh = note_en = ""
        diagnosis = None
        # GMV is always explained (what the data has allows: the report's first question
        # is why sales moved); the other rows when a rule flags them or they stay below
        # target.
        explained = reason or shortfall_goes_on
        if explained or (key == "gmv" and actual is not None and yesterday is not None):
            gap = None
            if basis == "target" and key == "gmv":
                gap = gaps.explain_gmv_gap(
                    rows[day.isoformat()],
                    target,
                    targets,
                    [rows[d.isoformat()] for d in weeks if d not in skip],
                    available["buyer_ids"],
                    store.currency,
                )
            note_zh, note_en, diagnosis = _note(
                store, key, day, row, history, basis=basis, base=base, gap=gap
            )
        if rule_zh:
            # What flagged the row (or keeps it below target) comes first, then the why.
            note_zh, note_en = f"【{rule_zh}】{note_zh}", f"[{rule_en}] {note_en}"
        if run is not None and run.days > 1:
            ongoing.append(
                _ongoing_item(store, key, day, run, planned, values, month_first, rows, windowed)
            )
        row.pop("vs_last_year", None)
        score = row.pop("score", None)
        out.append(
            DailyReportRow(
                report=report,
                position=position,
                anomaly=bool(reason),
                anomaly_reason=reason,
                score=score,
                note_zh=note_zh,
                note_en=note_en,
                diagnosis=diagnosis or None,
                ongoing_since=run.since if run is not None and run.days > 1 else None,
                **row,
            )
        )
    DailyReportRow.objects.bulk_create(out)
    begins = gaps_of["begins"]
    used = sorted(
        {(e.name, e.first, e.last) for d, e in event_days.items() if d in _history_days(day)},
        key=lambda e: e[1],
    )
    # The noise budget: how many of the last 30 days' reports flagged anything new.
    recent = DailyReport.objects.filter(store=store, day__gte=day - timedelta(days=30), day__lt=day)
    report.context = {
        "flagged_last_30": recent.filter(rows__anomaly=True).distinct().count(),
        "reports_last_30": recent.count(),
        "ongoing": ongoing,
        "has": available,
        "events_left_out": [[n, a.isoformat(), b.isoformat()] for n, a, b in used],
        "event": (
            {
                "name": event.name,
                "kind": event.kind,
                "first": event.first.isoformat(),
                "last": event.last.isoformat(),
                "compared_with": same[1].isoformat() if last_year else None,
                "has_plan": "gmv" in targets,
                "changes": {
                    k: _text(relative_change(rows[day.isoformat()][k], last_year.get(k)))
                    for k in daily
                    if k in keys and k not in missing
                },
            }
            if event is not None
            else None
        ),
        "missing": missing,
        "left_out": [[a.isoformat(), b.isoformat()] for a, b in gaps_of["closures"]],
        "begins": begins.isoformat() if begins else None,
        "history_days": (day - begins).days if begins else 0,
        "short_history": begins is None or (day - begins).days < coverage.SHORT_HISTORY_DAYS,
    }
    report.save(update_fields=["context"])
    return report


# The goal metrics GMV's factors are planned by (monitoring.gaps.FACTOR_GOALS).
FACTOR_GOAL_KEYS = ("visitors", "cvr", "aov", "buyers", "order_value", "orders")
EVENT_TOLERANCE = Decimal("0.3")  # an event day 30% short of last year's, grown, is flagged
GROWTH_WEEKS = 4


def _growth(store, keys, event_first: date, begins: date) -> dict[str, Decimal]:
    """Each metric's year-over-year ratio over the GROWTH_WEEKS weeks before the event
    window, when both years have data then (else none: last year's day as it was)."""
    end = event_first - timedelta(days=1)
    start = end - timedelta(weeks=GROWTH_WEEKS) + timedelta(days=1)
    try:
        then = (start.replace(year=start.year - 1), end.replace(year=end.year - 1))
    except ValueError:  # 29 February
        then = (start - timedelta(days=365), end - timedelta(days=365))
    if then[0] < begins:
        return {}
    (now_row,) = metrics(keys, store, start, end, "none")
    (then_row,) = metrics(keys, store, *then, "none")
    out = {}
    for key in keys:
        grown = ratio(now_row.get(key), then_row.get(key))
        if grown is not None and grown > 0:
            out[key] = grown
    return out


def _values(key, lookback, key_targets, rows, closed, windowed) -> dict:
    """The metric's value on each day of the lookback that has a target (closed days and
    days before the data left out)."""
    out = {}
    for d in lookback:
        if d not in key_targets or d in closed:
            continue
        if key in WINDOWED:
            out[d] = windowed(key, d)
        elif d.isoformat() in rows:
            out[d] = rows[d.isoformat()].get(key)
    return out


def _day_rows(rows, lookback) -> dict:
    return {d: rows[d.isoformat()] for d in lookback if d.isoformat() in rows}


def _ongoing_item(store, key, day, run, planned, values, month_first, rows, windowed) -> dict:
    """The ongoing section's item of a metric below target: since when, and where the
    month stands to date, at the current pace and against what would close it."""
    month_targets = {d: v for (k, d), v in planned.items() if k == key and d >= month_first}
    additive = goals.is_additive(key)
    if additive:
        to_date = [d for d in month_targets if d <= day]
        actual = sum(Decimal(values.get(d) or 0) for d in to_date)
    elif key in WINDOWED:
        actual = windowed(key, day)
    else:
        (row,) = metrics([key], store, min(month_targets), day, "none")
        actual = row[key]
    found = conditions.standing(day, month_targets, actual, values, additive)
    return {
        "metric": key,
        "since": run.since.isoformat(),
        "days": run.days,
        "under": run.under,
        "capped": run.capped,
        "flagged": run.why or None,
        "level": _text(run.level),
        "month_first": found.first.isoformat(),
        "month_last": found.last.isoformat(),
        "month_target": _text(found.target),
        "actual_to_date": _text(found.actual),
        "achievement": _text(found.achievement),
        "projected": _text(found.projected),
        "remaining_days": found.remaining_days,
        "needed_per_day": _text(found.needed_per_day),
        "recent_per_day": _text(found.recent_per_day),
        "additive": additive,
    }


def _text(value) -> str | None:
    return None if value is None else str(value)


def _history_days(day: date) -> set[date]:
    """The days a report compares with: the day before, and the same weekday of the weeks
    of the baseline."""
    return {day - timedelta(days=1)} | {
        day - timedelta(weeks=k) for k in range(1, HISTORY_WEEKS + 1)
    }


def _concentration(store, day, gmv, yesterday):
    """The rule of a day made by one order or one buyer, else of a possible 刷单 cluster
    (analytics.concentration)."""
    from shopops.analytics.concentration import concentrated, top_order_and_buyer

    change = gmv - yesterday if yesterday is not None else None
    found = concentrated(top_order_and_buyer(store, (day, day), gmv, change))
    if not found:
        return _suspect(store, day)
    kind, item = found[0]
    share = display.percent(max(s for s in (item["share"], item["share_of_change"]) if s))
    if kind == "order":
        return (
            "concentration",
            f"单笔订单 {item['order_id']} 占销售额或其增长的 {share}",
            f"one order, {item['order_id']}, is {share} of GMV or of its rise",
        )
    return (
        "concentration",
        f"一位买家（{item['orders']} 单）占销售额或其增长的 {share}",
        f"one buyer ({item['orders']} orders) is {share} of GMV or of its rise",
    )


def default_day(store) -> date:
    """The day a report is of when none is named: yesterday in the store's zone."""
    return datetime.now(store.zone).date() - timedelta(days=1)


def report_for(store, day: date, *, rebuild: bool = False) -> DailyReport:
    """The report of a store's day as stored, made now when there is none yet (or, with
    `rebuild`, made again). The report page and its downloads, the API and `./shopops
    report daily` all ask here; the worker makes each morning's with `build`."""
    if not rebuild:
        found = DailyReport.objects.filter(store=store, day=day).first()
        if found is not None:
            return found
    return build(store, day)


def latest_measures(store, day: date) -> dict[str, list[AdjustmentMeasure]]:
    """{metric: [current measure, then its earlier versions]} of a store's day."""
    out: dict[str, list] = {}
    for m in AdjustmentMeasure.objects.filter(store=store, day=day).select_related("owner"):
        out.setdefault(m.metric, []).append(m)
    return out


@transaction.atomic
def write_measure(actor, store, day: date, metric: str, text: str, owner=None, due=None, via="web"):
    """A new version of the metric's adjustment measure for the day; audited."""
    from django.core.exceptions import ValidationError

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "write the measure"})
    previous = AdjustmentMeasure.objects.filter(store=store, day=day, metric=metric).first()
    measure = AdjustmentMeasure.objects.create(
        store=store,
        day=day,
        metric=metric,
        text=text,
        owner=owner,
        due=due,
        written_by=audit.acting_user(actor),
    )
    fields = ["day", "metric", "text", "owner", "due"]
    audit.record(
        actor,
        measure,
        "update" if previous else "create",
        audit.snapshot(previous, fields) if previous else None,
        audit.snapshot(measure, fields),
        store=store,
        via=via,
    )
    return measure


@transaction.atomic
def measure_to_task(actor, store, measure_id: int, *, via="web"):
    """A task from the measure in one step: the measure's words, owner and due date carried
    over, starting today (the store's day), and the measure linked to it. A measure that
    has its task already returns that task."""
    from datetime import timedelta

    from shopops.analytics.catalog import lookup
    from shopops.planning import work

    measure = AdjustmentMeasure.objects.select_related("task").get(store=store, pk=measure_id)
    if measure.task_id:
        return measure.task
    start = work.today_of(store)
    due = max(measure.due or start + timedelta(days=6), start)
    label = lookup(measure.metric).zh
    task = work.create_task(
        actor, store, name=f"{label}调整：{measure.text.splitlines()[0][:80]}",
        description=f"{measure.day} 日报 · {label} 的调整措施：\n{measure.text}",
        start=start, due=due, owner=measure.owner, notes="", via=via, force=True,
    )  # fmt: skip
    AdjustmentMeasure.objects.filter(pk=measure.pk).update(task=task)
    audit.record(actor, measure, "update", {"task": None}, {"task": task.pk}, store=store, via=via)
    return task


@transaction.atomic
def save_settings(actor, store, *, core_metrics: list[str], send_at, thresholds: dict, via="web"):
    """The store's report settings as the team sets them (checked by the model), audited.
    The next report made uses them; reports already made keep their rows."""
    from shopops.monitoring import locks
    from shopops.monitoring.models import ReportSettings

    found = locks.report_settings(store)
    fields = ("core_metrics", "send_at", "thresholds")
    before = audit.snapshot(found, list(fields)) if found else None
    found = found or ReportSettings(store=store)
    found.core_metrics, found.send_at, found.thresholds = core_metrics, send_at, thresholds
    found.full_clean()
    found.save()
    audit.record(
        actor, found, "update" if before else "create", before,
        audit.snapshot(found, list(fields)), store=store, via=via,
    )  # fmt: skip
    return found


def _suspect(store, day):
    from shopops.analytics.concentration import suspect_clusters

    found = suspect_clusters(store, (day, day))
    if not found:
        return "", "", ""
    n = len(found[0]["orders"])
    return (
        "pattern",
        f"疑似刷单：{n} 笔新买家订单在几分钟内，请核查",
        f"possible fake orders: {n} orders of new buyers within minutes, to check",
    )
