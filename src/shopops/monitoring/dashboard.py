"""What the operations dashboard shows, computed through the metrics engine (and its cache):
core metrics of today and yesterday against target, trends with the target line, traffic
mix, the funnel, top SKUs, goal progress and open anomalies."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from shopops.analytics.catalog import lookup
from shopops.analytics.diagnosis import SOURCE_LABELS
from shopops.analytics.display import bar, change, metric_shown, percent, shown, with_unit
from shopops.analytics.queries import hidden_costs, metrics
from shopops.core.numbers import ratio, relative_change
from shopops.monitoring import coverage
from shopops.monitoring.daily_report import below_floor
from shopops.monitoring.models import AdjustmentMeasure, DailyReport
from shopops.planning.goals import targets as goal_targets
from shopops.planning.queries import goal_cards, visible_goals

CARDS = ["gmv", "visitors", "cvr", "aov", "orders", "roi"]
SAME_TIME = {"gmv", "aov", "orders"}  # cards of order facts, comparable up to a time of day
RANGES = (30, 90)


def _lang_zh(lang: str) -> bool:
    return (lang or "zh-hans").startswith("zh")


def data(store, user, end: date | None, days: int, lang: str) -> dict:
    """The dashboard of `user` (None: no person, for warming the cache): every number is
    asked of the metrics query layer on the user's behalf."""
    today = datetime.now(store.zone).date()
    end = min(end or today, today)
    yesterday = end - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    zh = _lang_zh(lang)

    # Core metrics: the chosen day (today so far when it is today) and the day before.
    keys = CARDS
    # One engine call for the cards (the last two days) and the trend (the whole range).
    trend_rows = metrics(
        sorted(set(keys) | {"gmv", "visitors"}), store, start, end, "day", viewer=user
    )
    rows = trend_rows[-2:]
    # The cards' and the trend's targets, in one read (GMV is a card).
    targets = goal_targets(store, keys, start, end)
    # Platform exports often arrive the next morning: a today without any data yet shows
    # blanks, not a -100% fall.
    no_data_yet = end == today and not any(rows[1][k] for k in ("gmv", "visitors", "orders"))
    cards = []
    # A metric whose source has no data in the range is unknown, not 0 (monitoring.coverage).
    available = coverage.has(store, start, end)
    unknown = "无数据" if zh else "no data"
    # Today so far is compared with yesterday up to the same local time (order metrics; the
    # daily facts of traffic and ads have no time of day, so theirs show no change today).
    partial_day = end == today
    # To the minute: the comparison reads "until HH:MM", and a minute's views share a cache.
    at = datetime.now(store.zone).time().replace(second=0, microsecond=0, tzinfo=None)
    same_time = {}
    if partial_day:
        order_cards = [k for k in keys if k in SAME_TIME]
        (same_time,) = metrics(order_cards, store, yesterday, yesterday, "none", viewer=user,
                               until=at)  # fmt: skip
    for key in keys:
        lacking = sorted(s for s in coverage.needs(key) if not available[s])
        if lacking:
            cards.append(
                {
                    "key": key,
                    "label": lookup(key).label,
                    "today": unknown,
                    "yesterday": unknown,
                    "change": "",
                    "same_time": "",
                    "missing": [str(coverage.SOURCES[s][0]) for s in lacking],
                    "import": coverage.SOURCES[lacking[0]][1],
                }
            )
            continue
        metric = lookup(key)
        now, before = (None if no_data_yet else rows[1][key]), rows[0][key]
        compared = same_time.get(key) if partial_day else before
        comparable = not partial_day or key in SAME_TIME
        achieved_today = ratio(now, targets.get((key, end)), places=None)
        achieved_yesterday = ratio(before, targets.get((key, yesterday)), places=None)
        cards.append(
            {
                "key": key,
                "label": metric.label,
                "today": metric_shown(now, key, store.currency),
                "yesterday": metric_shown(before, key, store.currency),
                "change": change(relative_change(now, compared)) if comparable else "",
                "falling": comparable
                and compared is not None
                and now is not None
                and now < compared,
                "same_time": (
                    metric_shown(compared, key, store.currency)
                    if partial_day and comparable
                    else ""
                ),
                "target_today": metric_shown(targets.get((key, end)), key, store.currency),
                "target_yesterday": metric_shown(
                    targets.get((key, yesterday)), key, store.currency
                ),
                "bar_today": bar(achieved_today),
                "bar_yesterday": bar(achieved_yesterday),
                "low_yesterday": below_floor(achieved_yesterday),  # the report's floor
                "achievement_yesterday": percent(achieved_yesterday),
                "achievement_today": percent(achieved_today),
            }
        )

    # Trend of the range with the target line.
    trend = {
        "days": [r["period"] for r in trend_rows],
        "gmv": [float(r["gmv"]) for r in trend_rows],
        # Without traffic facts the visitors line is absent, not a line at 0.
        "visitors": [r["visitors"] if available["traffic"] else None for r in trend_rows],
        "target": [
            float(targets[("gmv", date.fromisoformat(r["period"]))])
            if ("gmv", date.fromisoformat(r["period"])) in targets
            else None
            for r in trend_rows
        ],
        "labels": {
            "gmv": with_unit("gmv", lookup("gmv").label, store.currency),
            "visitors": lookup("visitors").label,
            "target": "目标" if zh else "Target",
        },
    }

    mix_rows = metrics(["visitors"], store, start, end, "none", dims=["source"], viewer=user)
    mix = [
        {
            "name": SOURCE_LABELS.get(r["source"], (r["source"], r["source"]))[0 if zh else 1],
            "value": r["visitors"],
        }
        for r in mix_rows
        if r["visitors"]
    ]

    (f,) = metrics(
        ["impressions", "clicks", "visitors", "buyers"], store, start, end, "none", viewer=user
    )
    funnel = [
        {"name": lookup(k).label, "value": f[k] or 0}
        for k in ("impressions", "clicks", "visitors", "buyers")
    ]

    sku_rows = metrics(["line_gmv", "units"], store, start, end, "none", dims=["sku"], viewer=user)
    total = sum((r["line_gmv"] for r in sku_rows), Decimal(0))
    top = sorted(sku_rows, key=lambda r: r["line_gmv"], reverse=True)[:10]
    from shopops.catalog.models import Sku

    names = {
        k.code: k.product.name
        for k in Sku.objects.filter(store=store, code__in=[r["sku"] for r in top]).select_related(
            "product"
        )
    }
    top_skus = [
        {
            "sku": r["sku"],
            "name": names.get(r["sku"], ""),
            "gmv": shown(r["line_gmv"], "money", False, store.currency),
            "units": shown(r["units"], "count", False),
            "share": percent(ratio(r["line_gmv"], total, places=None)),
            "bar": bar(ratio(r["line_gmv"], top[0]["line_gmv"] if top else 0, places=None)),
        }
        for r in top
    ]

    report = DailyReport.objects.filter(store=store, day__lte=end).order_by("-day").first()
    anomalies = []
    if report:
        measures = {}
        for m in AdjustmentMeasure.objects.filter(store=store, day=report.day):
            measures.setdefault(m.metric, m)
        for row in report.rows.filter(anomaly=True):
            if hidden_costs([row.metric], user):
                continue  # an anomaly of a cost metric, for a role that may not see costs
            anomalies.append(
                {
                    "day": report.day,
                    "label": lookup(row.metric).label,
                    "note": row.note_zh if zh else row.note_en,
                    "measure": measures.get(row.metric),
                }
            )

    return {
        "end": end,
        "start": start,
        "days": days,
        "ranges": RANGES,
        "cards": cards,
        "is_today": end == today,
        "same_time_at": at.strftime("%H:%M") if partial_day else "",
        "no_data_yet": no_data_yet,
        "has": available,
        "chart": {"trend": trend, "mix": mix, "funnel": funnel},
        "top_skus": top_skus,
        "goals": goal_cards(_goals(user, store)[:8], end),
        "anomalies": anomalies,
        "report_day": report.day if report else None,
    }


def _goals(user, store):
    from shopops.planning.models import Goal

    return (
        visible_goals(user, store)
        if user is not None
        else Goal.objects.filter(store=store).select_related("store")
    )


def warm(store) -> None:
    """Compute the default dashboard ahead of the first visitor: the numbers land in the
    metrics cache, so the morning's first view is as fast as the next ones."""
    for days in RANGES:
        data(store, None, None, days, "zh-hans")
