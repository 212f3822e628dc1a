"""What each rule finds now: reads only (alerts.services writes the alerts).

A metric rule judges one complete store-local day (yesterday unless told) through
`analytics.queries.metrics`; the rules of a store that share a slice are read in one call
per period. An event rule judges the store's records as they are now. A rule that cannot
be judged (a metric without its data, a benchmark not entered) finds nothing and says why;
a rule that fails raises, and the caller keeps going with the others."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q
from django.utils import timezone

from shopops.alerts.models import AlertRule, Benchmark, Condition, Direction, Event
from shopops.analytics import display
from shopops.analytics.catalog import lookup
from shopops.analytics.diagnosis import weekday_test
from shopops.analytics.queries import metrics
from shopops.core.numbers import ratio, relative_change
from shopops.monitoring import conditions
from shopops.monitoring.daily_report import goal_rule

HISTORY_WEEKS = 8  # the statistical rule's baseline: the daily report's
RECENT_IMPORTS = timedelta(days=7)  # an import that failed is an alert this long
HEARTBEAT_STALE = timedelta(minutes=5)  # the worker beats every minute
LISTED = 20  # orders, shipments named in one alert's detail
UNSHIPPED_DAYS = timedelta(days=30)  # unshipped orders paid longer ago are history


@dataclass
class Finding:
    scope: str
    title_zh: str
    title_en: str
    value: Decimal | None = None
    day: date | None = None
    subject: dict = field(default_factory=dict)
    detail: dict = field(default_factory=dict)
    people: tuple[int, ...] = ()  # told besides the rule's recipients (a task's owner)


@dataclass
class Outcome:
    """A rule's findings, or why it found nothing it could judge (`skipped`)."""

    findings: list[Finding] = field(default_factory=list)
    skipped: str = ""


def report_day(store, now: datetime) -> date:
    """The complete day metric rules judge: yesterday in the store's zone."""
    return now.astimezone(store.zone).date() - timedelta(days=1)


# --- metric rules -----------------------------------------------------------------------


def _worse(moved: Decimal, threshold: Decimal, direction: str, higher: bool) -> bool:
    """A relative move past the threshold in the rule's direction."""
    if direction == Direction.EITHER:
        return abs(moved) > threshold
    down = direction == Direction.WORSE if higher else direction == Direction.BETTER
    return moved < -threshold if down else moved > threshold


def _shown(key: str, value, currency: str) -> str:
    return display.metric_shown(None if value is None else Decimal(value), key, currency)


class MetricReader:
    """The days a store's metric rules need, read once per slice and period."""

    def __init__(self, store, day: date):
        from shopops.monitoring import coverage

        self.store, self.day = store, day
        self._series: dict[tuple, dict] = {}
        self._year: dict[tuple, dict] = {}
        self._left_out: set[date] | None = None
        self.begins = coverage.first_day(store)
        self.available = coverage.has(store, day, day) if self.begins else {}

    def cannot_judge(self, key: str) -> str:
        """Why the day says nothing of the metric: no orders yet, or its source (the
        traffic or ads export, buyer ids) missing that day; "" when it can be judged. A
        day of no orders in a store that has them is a real zero, and is judged."""
        from shopops.monitoring import coverage

        if self.begins is None or self.day < self.begins:
            return f"{key}: no orders before {self.day}"
        lacking = sorted(s for s in coverage.needs(key) if not self.available.get(s))
        return f"{key}: no {', '.join(lacking)} data on {self.day}" if lacking else ""

    @staticmethod
    def _slice(filters: dict) -> tuple:
        return tuple(sorted((k, tuple(v)) for k, v in (filters or {}).items()))

    def prefetch(self, rules: list[AlertRule]) -> None:
        by_slice: dict[tuple, set[str]] = defaultdict(set)
        yearly: dict[tuple, set[str]] = defaultdict(set)
        for rule in rules:
            by_slice[self._slice(rule.filters)].add(rule.metric)
            if rule.condition == Condition.YEAR_CHANGE:
                yearly[self._slice(rule.filters)].add(rule.metric)
            if rule.condition == Condition.STATISTICAL:
                by_slice[()].add("orders")  # the store's closures, left out of baselines
        first = self.day - timedelta(weeks=HISTORY_WEEKS)
        for key, keys in by_slice.items():
            rows = metrics(sorted(keys), self.store, first, self.day, "day", filters=dict(key))
            self._series[key] = {date.fromisoformat(r["period"]): r for r in rows}
        last_year = self.day - relativedelta(years=1)
        for key, keys in yearly.items():
            (row,) = metrics(
                sorted(keys), self.store, last_year, last_year, "none", filters=dict(key)
            )
            self._year[key] = row

    def value(self, rule, when: date):
        row = self._series[self._slice(rule.filters)].get(when)
        return None if row is None else row.get(rule.metric)

    def series(self, rule) -> dict[date, object]:
        rows = self._series[self._slice(rule.filters)]
        return {d: r.get(rule.metric) for d, r in rows.items()}

    def left_out(self) -> set[date]:
        """The days the statistical baseline leaves out, as the daily report's does: event
        days, days before the store's first order, and closures."""
        from shopops.monitoring import calendar, coverage

        if self._left_out is None:
            first = self.day - timedelta(weeks=HISTORY_WEEKS)
            orders = {d: r.get("orders") for d, r in self._series[()].items()}
            gaps = coverage.left_out(self.store, orders, self.day, first)
            self._left_out = gaps["days"] | set(calendar.days_of(first, self.day))
        return self._left_out

    def last_year(self, rule):
        return self._year[self._slice(rule.filters)].get(rule.metric)


def metric_rule(rule: AlertRule, reader: MetricReader, benchmarks: dict, targets: dict) -> Outcome:
    store, day = reader.store, reader.day
    metric = lookup(rule.metric)
    higher = metric.higher_is_better
    if rule.condition not in Condition.values:
        raise ValueError(f"rule {rule.pk}: unknown condition {rule.condition!r}")
    why = reader.cannot_judge(rule.metric)
    if why:
        return Outcome(skipped=why)
    actual = reader.value(rule, day)
    if actual is None:
        return Outcome(skipped=f"{rule.metric}: no data on {day}")
    actual = Decimal(actual)
    t = rule.threshold
    label = metric.zh
    shown = _shown(rule.metric, actual, store.currency)
    scope = rule.metric + "".join(f"|{k}={','.join(v)}" for k, v in sorted(rule.filters.items()))
    base = {"metric": rule.metric, "actual": str(actual), "day": day.isoformat()}
    subject = {
        "kind": "metric",
        "metric": rule.metric,
        "day": day.isoformat(),
        "filters": rule.filters,
    }

    def found(zh: str, en: str, **detail) -> Outcome:
        return Outcome(
            [
                Finding(
                    scope,
                    f"{label}{zh}",
                    f"{metric.en} {en}",
                    actual,
                    day,
                    subject,
                    {**base, **detail},
                )
            ]
        )

    c = rule.condition
    if c in (Condition.ABOVE, Condition.BELOW):
        limit = _shown(rule.metric, t, store.currency)
        if (actual > t) if c == Condition.ABOVE else (actual < t):
            word_zh, word_en = ("高于", "above") if c == Condition.ABOVE else ("低于", "below")
            return found(
                f" {shown}，{word_zh} {limit}", f"{shown}, {word_en} {limit}", threshold=str(t)
            )
        return Outcome()
    if c == Condition.TARGET:
        target = targets.get((rule.metric, day))
        if target is None:
            return Outcome(skipped=f"{rule.metric}: no goal covers {day}")
        achieved = ratio(actual, target)
        if conditions.is_under(achieved, t, higher):
            zh, en = goal_rule(achieved, t, higher)
            return found(zh, en, target=str(target), achievement=str(achieved))
        return Outcome()
    if c == Condition.BENCHMARK:
        bench = benchmarks.get(rule.metric)
        if bench is None:
            return Outcome(skipped=f"{rule.metric}: no benchmark entered")
        moved = relative_change(actual, bench)
        if moved is not None and _worse(moved, t, Direction.WORSE, higher):
            b, m = _shown(rule.metric, bench, store.currency), display.change(moved)
            return found(
                f" {shown}，较行业基准 {b} {m}",
                f"{shown}, {m} vs the benchmark {b}",
                benchmark=str(bench),
                change=str(moved),
            )
        return Outcome()
    if c in (Condition.DAY_CHANGE, Condition.WEEK_CHANGE, Condition.YEAR_CHANGE):
        if c == Condition.YEAR_CHANGE:
            then, base_zh, base_en = reader.last_year(rule), "去年同日", "the same day last year"
        else:
            back = 1 if c == Condition.DAY_CHANGE else 7
            then = reader.value(rule, day - timedelta(days=back))
            base_zh, base_en = (
                ("前一天", "the day before")
                if back == 1
                else ("上周同日", "the same weekday last week")
            )
        moved = relative_change(actual, then) if then is not None else None
        if moved is None:
            return Outcome(skipped=f"{rule.metric}: nothing to compare with")
        if _worse(moved, t, rule.direction, higher):
            m = display.change(moved)
            return found(
                f"较{base_zh} {m}（{shown}）",
                f"{m} vs {base_en} ({shown})",
                change=str(moved),
                compared=str(then),
            )
        return Outcome()
    if c == Condition.STATISTICAL:
        skip = reader.left_out()
        if day in skip:
            return Outcome(skipped=f"{day} is an event day: its plan judges it")
        series = {d: v for d, v in reader.series(rule).items() if d not in skip and d < day}
        score, _level = weekday_test(series, day, actual, HISTORY_WEEKS)
        if score is None:
            return Outcome(skipped=f"{rule.metric}: under three weeks of history")
        moved = Decimal(str(score))
        if _worse(moved, t, rule.direction, higher):
            return found(
                f" {shown}，偏离近 {HISTORY_WEEKS} 周同日常态（稳健 z 分数 {score:+.1f}）",
                f"{shown}, unusual for the weekday (robust z-score {score:+.1f})",
                score=f"{score:.2f}",
            )
        return Outcome()
    raise ValueError(f"rule {rule.pk}: unknown condition {c!r}")


# --- event rules ------------------------------------------------------------------------


def _stock(store, below: str) -> Outcome:
    from shopops.inventory.queries import alert_state, level_rows

    out = []
    for level in level_rows(store, alert="safety" if below == "below_safety" else "warning"):
        if alert_state(level) != below:
            continue
        sku, wh = level.sku.code, level.warehouse.code
        available = level.on_hand - level.reserved
        line = level.safety_stock if below == "below_safety" else level.warning_stock
        zh_line = "安全线" if below == "below_safety" else "预警线"
        out.append(
            Finding(
                f"stock:{sku}@{wh}",
                f"{sku}（{level.sku.product.name}）{wh} 可用库存 {available}，低于{zh_line} {line}",
                f"{sku} at {wh}: {available} available, under its {below[6:]} stock of {line}",
                Decimal(available),
                None,
                {"kind": "sku", "sku": sku, "warehouse": wh},
                {"available": available, "line": line},
            )
        )
    return Outcome(out)


def _unshipped(store, now: datetime) -> Outcome:
    from shopops.orders.models import FulfilmentSettings
    from shopops.orders.queries import overdue

    # Orders paid over UNSHIPPED_DAYS ago and never marked shipped are a file's history (an
    # order-only export has no shipping times), not today's work: counted apart.
    everything = overdue(store, now=now)
    late = everything.filter(paid_at__gte=now - UNSHIPPED_DAYS).order_by("paid_at")
    count = late.count()
    if not count:
        return Outcome()
    hours = FulfilmentSettings.of(store).shipping_promise_hours
    oldest = list(late.values_list("order_id", flat=True)[:LISTED])
    return Outcome(
        [
            Finding(
                "",
                f"{count} 笔订单付款超过 {hours} 小时未发货",
                f"{count} paid orders not shipped within {hours} h",
                Decimal(count),
                None,
                {"kind": "orders", "tab": "overdue"},
                {
                    "orders": oldest,
                    "promise_hours": hours,
                    "older": everything.filter(paid_at__lt=now - UNSHIPPED_DAYS).count(),
                },
            )
        ]
    )


def _no_tracking(store, now: datetime, hours: Decimal) -> Outcome:
    from shopops.orders.models import Shipment

    since = now - timedelta(hours=float(hours))
    quiet = (
        Shipment.objects.filter(store=store, delivered_at__isnull=True, shipped_at__lt=since)
        .exclude(status="delivered")
        .annotate(last=Max("events__at"))
        .filter(Q(last__isnull=True) | Q(last__lt=since))
        .order_by("shipped_at")
    )
    count = quiet.count()
    if not count:
        return Outcome()
    listed = [f"{c} {n}" for c, n in quiet.values_list("carrier", "tracking_no")[:LISTED]]
    h = int(hours)
    return Outcome(
        [
            Finding(
                "",
                f"{count} 个包裹发货后 {h} 小时无物流更新",
                f"{count} shipments without a tracking event for {h} h",
                Decimal(count),
                None,
                {"kind": "shipments"},
                {"shipments": listed},
            )
        ]
    )


def _bad_reviews(store, now: datetime, days: Decimal) -> Outcome:
    from shopops.service.models import Review

    recent = Review.objects.filter(
        store=store, rating__lte=2, created_at__gte=now - timedelta(days=float(days))
    ).select_related("order", "sku")
    out = []
    for review in recent:
        sku = review.sku.code if review.sku else ""
        out.append(
            Finding(
                f"review:{review.review_id}",
                f"{review.rating} 星差评{f'（{sku}）' if sku else ''}：{review.content[:60]}",
                f"a {review.rating}-star review{(' of ' + sku) if sku else ''}",
                Decimal(review.rating),
                None,
                {
                    "kind": "review",
                    "review": review.review_id,
                    "order": review.order.order_id if review.order else "",
                },
                {"created_at": review.created_at.isoformat()},
            )
        )
    return Outcome(out)


def _imports(store, now: datetime) -> Outcome:
    from shopops.ingest.models import ImportRun

    runs = ImportRun.objects.filter(store=store, finished_at__gte=now - RECENT_IMPORTS).filter(
        Q(status=ImportRun.Status.FAILED) | Q(rejected__gt=0)
    )
    out = []
    for run in runs:
        if run.status == ImportRun.Status.FAILED:
            zh = f"导入失败：{run.file_name}（{run.error[:120]}）"
            en = f"import failed: {run.file_name} ({run.error[:120]})"
        else:
            zh = f"导入有 {run.rejected} 行被拒：{run.file_name}"
            en = f"import rejected {run.rejected} rows: {run.file_name}"
        out.append(
            Finding(
                f"import:{run.pk}",
                zh,
                en,
                Decimal(run.rejected),
                None,
                {"kind": "import", "run": run.pk},
                {"status": run.status, "rejected": run.rejected},
            )
        )
    return Outcome(out)


def _late_tasks(store) -> Outcome:
    """Each task marked 已延期 (planning.work.mark_late) is an alert its owner is told of."""
    from shopops.planning.models import Task, TaskStatus

    out = []
    late = Task.objects.filter(store=store, status=TaskStatus.LATE).select_related("owner")
    for task in late.order_by("due", "pk"):
        owner = task.owner.username if task.owner_id else ""
        out.append(
            Finding(
                f"task:{task.pk}",
                f"任务已延期：{task.name}（截止 {task.due}{f'，负责人 {owner}' if owner else ''}）",
                f"task late: {task.name} (due {task.due}{f', owner {owner}' if owner else ''})",
                Decimal(task.progress),
                None,
                {"kind": "task", "task": task.pk},
                {"due": task.due.isoformat(), "progress": task.progress, "owner": owner},
                (task.owner_id,) if task.owner_id else (),
            )
        )
    return Outcome(out)


def _campaigns(store, now: datetime) -> Outcome:
    """Each live campaign's findings (campaigns.live): today's GMV behind its pace, a 秒杀
    SKU sold out or due to before the main phase ends; its owner told."""
    from shopops.campaigns import live
    from shopops.campaigns.models import Campaign, CampaignStatus

    out = []
    launched = Campaign.objects.filter(store=store, status=CampaignStatus.LAUNCHED)
    for campaign in launched.select_related("store").prefetch_related("phases", "targets"):
        for scope, zh, en in live.findings(campaign, now):
            out.append(
                Finding(
                    scope,
                    zh,
                    en,
                    None,
                    None,
                    {"kind": "campaign", "campaign": campaign.pk},
                    {},
                    (campaign.owner_id,) if campaign.owner_id else (),
                )
            )
    return Outcome(out)


def _worker(now: datetime) -> Outcome:
    """Fires when a worker was seen and has stopped beating: a console run without any
    worker (the CLI alone) is not an outage."""
    from shopops.core.models import WorkerHeartbeat

    last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    if last is None or last >= now - HEARTBEAT_STALE:
        return Outcome()
    minutes = int((now - last).total_seconds() // 60)
    return Outcome(
        [
            Finding(
                "",
                f"后台任务进程已 {minutes} 分钟无心跳（定时日报、预警不会运行）",
                f"no worker heartbeat for {minutes} minutes (scheduled reports and alerts stop)",
                Decimal(minutes),
                None,
                {"kind": "worker"},
                {"last_beat": last.isoformat()},
            )
        ]
    )


def event_rule(rule: AlertRule, now: datetime) -> Outcome:
    store, e = rule.store, rule.event
    if e == Event.STOCK_WARNING:
        return _stock(store, "below_warning")
    if e == Event.STOCK_SAFETY:
        return _stock(store, "below_safety")
    if e == Event.UNSHIPPED:
        return _unshipped(store, now)
    if e == Event.NO_TRACKING:
        return _no_tracking(store, now, rule.threshold or Decimal(48))
    if e == Event.BAD_REVIEW:
        return _bad_reviews(store, now, rule.threshold or Decimal(7))
    if e == Event.IMPORT_FAILED:
        return _imports(store, now)
    if e == Event.TASK_OVERDUE:
        return _late_tasks(store)
    if e == Event.WORKER_DOWN:
        return _worker(now)
    if e == Event.CAMPAIGN_LIVE:
        return _campaigns(store, now)
    raise ValueError(f"rule {rule.pk}: unknown event {e!r}")


def evaluate(
    store, rules: list[AlertRule], *, now: datetime | None = None, day: date | None = None
) -> dict[int, Outcome | Exception]:
    """{rule id: its Outcome, or the exception it raised}: one broken rule never stops the
    others."""
    from shopops.planning import goals

    now = now or timezone.now()
    day = day or report_day(store, now)
    out: dict[int, Outcome | Exception] = {}
    metric_rules = [r for r in rules if r.metric]
    reader, benchmarks, targets = None, {}, {}
    if metric_rules:  # an hourly round of event rules reads no metric at all
        reader = MetricReader(store, day)
        try:
            reader.prefetch(metric_rules)
        except Exception as exc:
            for r in metric_rules:
                out[r.pk] = exc
            metric_rules = []
        benchmarks = dict(Benchmark.objects.filter(store=store).values_list("metric", "value"))
        keyed = sorted({r.metric for r in metric_rules if r.condition == Condition.TARGET})
        targets = goals.targets(store, keyed, day, day) if keyed else {}
    for rule in rules:
        if rule.pk in out:
            continue
        try:
            out[rule.pk] = (
                metric_rule(rule, reader, benchmarks, targets)
                if rule.metric
                else event_rule(rule, now)
            )
        except Exception as exc:
            out[rule.pk] = exc
    return out
