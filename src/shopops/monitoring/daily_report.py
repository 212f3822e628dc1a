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
    ROBUST_Z,
    SOURCE_LABELS,
    as_json,
    by_dimension,
    drivers,
    explain_gmv,
    robust_score,
    weekday_spread,
)
from shopops.analytics.queries import metrics
from shopops.core import audit
from shopops.core.numbers import ratio, relative_change
from shopops.monitoring import calendar, coverage
from shopops.monitoring import locks as report_locks
from shopops.monitoring.models import AdjustmentMeasure, DailyReport, DailyReportRow
from shopops.planning import goals

DEFAULT_CORE = ["gmv", "visitors", "cvr", "aov", "orders", "repurchase_rate", "roi"]
HISTORY_WEEKS = 8  # the robust baseline: the same weekday of the last eight weeks
# Metrics that mean little over one day (buyers with two orders in a day) are read over a
# trailing window ending on the day: the report's repurchase rate is that of 30 days.
WINDOWED = {"repurchase_rate": 30}
DRIVER_SHARE = Decimal("0.1")  # a slice named in a note explains at least this of the change


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


def flag(metric, actual, achievement, history: list, rules: dict, floor: Decimal, score):
    """(reason, rule in Chinese, rule in English) of the first rule a row breaks, in this
    order: its target (the metric's own share if the team set one, else the floor), the
    team's threshold against the same weekday's usual value, the statistical test
    (robust z-score); ("", "", "") when none does."""
    higher = metric.higher_is_better
    share = rules.get("target", floor)
    if achievement is not None and (achievement < share if higher else achievement > 2 - share):
        side_zh, side_en = ("低于", "under") if higher else ("高于", "over")
        limit = share if higher else 2 - share
        return (
            "goal",
            f"达成率 {display.percent(achievement)}，{side_zh}目标的 {display.percent(limit)}",
            f"achievement {display.percent(achievement)}, {side_en} {display.percent(limit)}"
            " of target",
        )
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
        return (
            "statistical",
            f"偏离近 {HISTORY_WEEKS} 周同日的常态（稳健 z 分数 {score:+.1f}）",
            f"unusual for the weekday over {HISTORY_WEEKS} weeks (robust z-score {score:+.1f})",
        )
    return "", "", ""


def _note(store, metric: str, day: date, row: dict, history: list) -> tuple[str, str, dict]:
    """The drafted 异常说明: GMV gets the full decomposition, the others their change
    against yesterday and against the usual value of the weekday."""
    if metric == "gmv":
        result = explain_gmv(store, day, day - timedelta(days=1))
        return result["zh"], result["en"], as_json(result)
    label = lookup(metric)
    past = sorted(float(h) for h in history if h is not None)
    usual = past[len(past) // 2] if past else None
    vs_usual = relative_change(row["actual"], usual) if usual else None
    dod = row["day_change"]
    zh = f"{label.zh}环比 {display.change(dod)}"
    en = f"{label.en} {display.change(dod)} vs the day before"
    if vs_usual is not None:
        usual_change = display.change(vs_usual)
        zh += f"，较近 {HISTORY_WEEKS} 周同日中位数 {usual_change}"
        en += f", {usual_change} vs the median of the same weekday over {HISTORY_WEEKS} weeks"
    # Which slices moved it, against the same weekday last week: ranked by their
    # contribution to the change (a province going from 3 to 9 orders never leads while a
    # large one lost 20%), in the direction of the change, each at least DRIVER_SHARE of it.
    drill = {"visitors": "source", "roi": "plan", "orders": "province"}.get(metric)
    if drill:
        source = "ad_gmv" if metric == "roi" else metric
        week_ago = day - timedelta(weeks=1)
        before = by_dimension(store, source, drill, week_ago)
        after = by_dimension(store, source, drill, day)
        change = sum(map(Decimal, after.values()), Decimal(0)) - sum(
            map(Decimal, before.values()), Decimal(0)
        )
        named = [
            e
            for e in drivers(before, after, change)
            if not e.get("other") and (e["share"] or 0) >= DRIVER_SHARE
        ]
        for e in named[:2]:
            name_zh, name_en = SOURCE_LABELS.get(e["element"], (e["element"], e["element"]))
            amount = display.metric_shown(abs(e["contribution"]), source, store.currency)
            sign = "+" if e["contribution"] >= 0 else "-"
            share, moved = display.percent(e["share"]), display.change(e["change"])
            zh += f"；{name_zh} {sign}{amount}（占变化 {share}，{moved}）"
            en += f"; {name_en} {sign}{amount} ({share} of the change, {moved})"
    return zh, en, {}


@transaction.atomic
def build(store, day: date) -> DailyReport:
    """Compute (or recompute) the report of a store and day."""
    found = _settings(store)
    keys = core_metrics(store, found)
    rules_of = thresholds(store, found)
    first = day - timedelta(weeks=HISTORY_WEEKS)
    daily = sorted({k for k in keys if k not in WINDOWED} | {"orders"})
    rows = {r["period"]: r for r in metrics(daily, store, first, day, "day")}
    orders = {date.fromisoformat(p): r["orders"] for p, r in rows.items()}
    gaps = coverage.left_out(store, orders, day, first)
    # Event days and holidays are not ordinary days: out of the baselines of the days after.
    event_days = calendar.days_of(first, day - timedelta(days=1))
    skip = gaps["days"] | set(event_days)
    # An event day itself is compared with the same event a year earlier.
    same = calendar.same_day_last_year(day)
    last_year = {}
    if same is not None:
        known = gaps["begins"] is not None and same[1] >= gaps["begins"]
        if known:
            (last_year,) = metrics(daily, store, same[1], same[1], "none")
    # What the day's data has; buyer ids over the repurchase window.
    available = coverage.has(store, day, day)
    window = max(WINDOWED.values())
    available["buyer_ids"] = has_buyer_ids(store, (day - timedelta(days=window - 1), day))
    for key in (k for k in keys if k in WINDOWED):
        span = timedelta(days=WINDOWED[key] - 1)
        ends = {day, day - timedelta(days=1)}
        ends |= {day - timedelta(weeks=k) for k in range(1, HISTORY_WEEKS + 1)}
        for end in ends:
            (value,) = metrics([key], store, end - span, end, "none")
            rows[end.isoformat()][key] = value[key]
    targets = {k: v for (k, _), v in goals.targets(store, keys, day, day).items()}
    floor = achievement_floor()
    report, _ = DailyReport.objects.get_or_create(store=store, day=day)
    report = report_locks.daily_report(report.pk)
    report.save()  # generated_at
    report.rows.all().delete()
    out, missing = [], {}

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
        yesterday = value(key, day - timedelta(days=1), gaps["days"])
        last_week = value(key, day - timedelta(weeks=1), gaps["days"])
        history = [value(key, day - timedelta(weeks=k)) for k in range(1, HISTORY_WEEKS + 1)]
        if lacking:
            history = []
        target = targets.get(key)
        achievement = ratio(actual, target)
        series = {date.fromisoformat(p): r.get(key) for p, r in rows.items()}
        series = {d: v for d, v in series.items() if d not in skip}
        spread = weekday_spread(series, day, HISTORY_WEEKS)
        score = robust_score(actual, history, spread) if same is None else None
        metric = lookup(key)
        reason, rule_zh, rule_en = flag(
            metric, actual, achievement, history, rules_of.get(key, {}), floor, score
        )
        # A day made by one order or buyer says so, before the statistical test (which such
        # a day also breaks, for that reason).
        if reason in ("", "statistical") and key == "gmv" and actual:
            found = _concentration(store, day, actual, yesterday)
            if found[0]:
                reason, rule_zh, rule_en = found
        row = {
            "metric": key,
            "target": target,
            "actual": actual,
            "achievement": achievement,
            "day_change": relative_change(actual, yesterday) if actual is not None else None,
            "week_change": relative_change(actual, last_week) if actual is not None else None,
        }
        note_zh = note_en = ""
        diagnosis = None
        # GMV is always explained (what the data has allows: the report's first question
        # is why sales moved); the other rows when a rule flags them.
        if reason or (key == "gmv" and actual is not None and yesterday is not None):
            note_zh, note_en, diagnosis = _note(store, key, day, row, history)
        if reason:
            # Which rule flagged the row comes first, then what explains the move.
            note_zh, note_en = f"【{rule_zh}】{note_zh}", f"[{rule_en}] {note_en}"
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
                **row,
            )
        )
    DailyReportRow.objects.bulk_create(out)
    begins = gaps["begins"]
    used = sorted(
        {(e.name, e.first, e.last) for d, e in event_days.items() if d in _history_days(day)},
        key=lambda e: e[1],
    )
    # The noise budget: how many of the last 30 days' reports flagged anything.
    recent = DailyReport.objects.filter(store=store, day__gte=day - timedelta(days=30), day__lt=day)
    report.context = {
        "flagged_last_30": recent.filter(rows__anomaly=True).distinct().count(),
        "reports_last_30": recent.count(),
        "has": available,
        "events_left_out": [[n, a.isoformat(), b.isoformat()] for n, a, b in used],
        "event": (
            {
                "name": same[0].name,
                "kind": same[0].kind,
                "compared_with": same[1].isoformat() if last_year else None,
                "changes": {
                    k: _text(relative_change(rows[day.isoformat()][k], last_year.get(k)))
                    for k in daily
                    if k in keys and k not in missing
                },
            }
            if same is not None
            else None
        ),
        "missing": missing,
        "left_out": [[a.isoformat(), b.isoformat()] for a, b in gaps["closures"]],
        "begins": begins.isoformat() if begins else None,
        "history_days": (day - begins).days if begins else 0,
        "short_history": begins is None or (day - begins).days < coverage.SHORT_HISTORY_DAYS,
    }
    report.save(update_fields=["context"])
    return report


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
