"""The live view of a campaign (活动实时监控): sales against the targets by day, by hour
where the orders carry their times, the pace of the day, and the stock burn of each 秒杀 SKU
with its predicted sell-out time. The alerts read `findings` (GMV pace under target, a 秒杀
SKU sold out before the main phase ends).

GMV and orders come from the metric catalog: by day for the campaign's days, and for the
hours of one day as the day's totals until each hour (`metrics(..., until=...)`). The
expected pace of a day is its target spread over the hours by the store's usual hourly
shape (its paid orders by hour over the 28 days before the campaign); flat when it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from shopops.campaigns import queries, rules
from shopops.core.numbers import ratio, split

SHAPE_DAYS = 28
BURN_HOURS = 3


def _targets(campaign, metric: str) -> dict[date, Decimal]:
    from shopops.planning.models import GoalDay

    goal_ids = [t.goal_id for t in campaign.targets.all() if t.metric == metric and t.goal_id]
    return {d.day: d.target for d in GoalDay.objects.filter(goal_id__in=goal_ids)}


def by_day(campaign, today: date) -> list[dict]:
    from shopops.analytics.queries import metrics

    first, last = queries.span(campaign)
    last = min(last, today)
    if last < first:
        return []
    gmv_t, orders_t = _targets(campaign, "gmv"), _targets(campaign, "orders")
    rows = metrics(["gmv", "orders"], campaign.store, first, last, "day")
    out = []
    for r in rows:
        day = date.fromisoformat(str(r["period"])[:10])
        gmv = Decimal(r["gmv"] or 0)
        out.append({"day": day, "gmv": gmv, "orders": r["orders"] or 0,
                    "gmv_target": gmv_t.get(day), "orders_target": orders_t.get(day),
                    "achievement": ratio(gmv, gmv_t.get(day), Decimal("0.0001"))})  # fmt: skip
    return out


def hourly_shape(campaign) -> list[Decimal]:
    """Each hour's share of a usual day's paid orders (24 shares adding up to 1)."""
    from shopops.analytics.request import local_window
    from shopops.orders.models import Order

    first = queries.span(campaign)[0]
    low, high = local_window(
        campaign.store, first - timedelta(days=SHAPE_DAYS), first - timedelta(days=1)
    )
    counts = [0] * 24
    for paid in Order.objects.filter(
        store=campaign.store, paid_at__gte=low, paid_at__lt=high
    ).values_list("paid_at", flat=True):
        counts[paid.astimezone(campaign.store.zone).hour] += 1
    total = sum(counts)
    if not total:
        return [Decimal(1) / 24] * 24
    return [Decimal(c) / total for c in counts]


def by_hour(campaign, day: date, now: datetime) -> dict:
    """The day's GMV and orders until each hour so far against its target's pace; `timed`
    is False when the day's orders carry no times (all at midnight), and then no hours."""
    from shopops.analytics.queries import metrics
    from shopops.analytics.request import local_window
    from shopops.orders.models import Order

    store = campaign.store
    low, high = local_window(store, day, day)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    hours_seen = {
        p.astimezone(store.zone).hour for p in paid.values_list("paid_at", flat=True)[:500]
    }
    timed = len(hours_seen) > 1
    local_now = now.astimezone(store.zone)
    last_hour = 24 if day < local_now.date() else local_now.hour  # whole hours so far
    target = _targets(campaign, "gmv").get(day)
    shares = hourly_shape(campaign)
    paced = split(target, shares) if target is not None else None
    rows, expected = [], Decimal(0)
    if timed:
        for h in range(1, last_hour + 1):
            until = time(h) if h < 24 else None
            (r,) = metrics(["gmv", "orders"], store, day, day, "none", until=until)
            if paced is not None:
                expected += paced[h - 1]
            gmv = Decimal(r["gmv"] or 0)
            pace = ratio(gmv, expected, Decimal("0.0001")) if paced else None
            rows.append({"hour": h, "gmv": gmv, "orders": r["orders"] or 0, "pace": pace,
                         "expected": expected if paced is not None else None})  # fmt: skip
    return {"day": day, "timed": timed, "target": target, "rows": rows}


@dataclass
class FlashBurn:
    sku: str
    price: Decimal
    cap: int | None
    sold: int
    left: int | None  # of the cap
    available: int  # stock that can still be sold
    per_hour: Decimal
    sell_out_at: datetime | None
    sold_out: bool


def flash_burn(campaign, now: datetime) -> list[FlashBurn]:
    """Each 秒杀 SKU: units sold at the flash price since the campaign began (paid order lines
    at or under it), what is left of its cap and of its stock, the last hours' rate and when
    it sells out at that rate."""
    from shopops.analytics.request import local_window
    from shopops.inventory.models import StockLevel
    from shopops.orders.models import OrderLine

    promo = rules.promotion(campaign)
    if not promo.flash:
        return []
    store = campaign.store
    first, last = queries.span(campaign)
    low, high = local_window(store, first, last)
    now = min(now, high)
    out = []
    for code, f in promo.flash.items():
        lines = OrderLine.objects.filter(
            store=store, sku_code=code, order__paid_at__gte=low, order__paid_at__lt=now,
            unit_price__lte=Decimal(f.price) / 100,
        )  # fmt: skip
        sold = lines.aggregate(n=Sum("quantity"))["n"] or 0
        recent = lines.filter(order__paid_at__gte=now - timedelta(hours=BURN_HOURS))
        rate = Decimal(recent.aggregate(n=Sum("quantity"))["n"] or 0) / BURN_HOURS
        stock = StockLevel.objects.filter(store=store, sku__code=code)
        available = sum(max(0, s.on_hand - s.reserved) for s in stock)
        left = None if f.left is None else max(0, f.left - sold)
        can_sell = available if left is None else min(left, available)
        sold_out = can_sell <= 0
        at = None
        if not sold_out and rate > 0:
            at = now + timedelta(hours=float(Decimal(can_sell) / rate))
        out.append(FlashBurn(code, Decimal(f.price) / 100, f.left, sold, left, available,
                             rate.quantize(Decimal("0.1")), at, sold_out))  # fmt: skip
    return out


def findings(campaign, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """(scope, 中文, English) of what the alerts tell: today's GMV pace under the floor of its
    target, a 秒杀 SKU sold out (or due to) before the main phase ends."""
    now = now or timezone.now()
    today = now.astimezone(campaign.store.zone).date()
    if queries.state(campaign, today) != queries.LIVE:
        return []
    out = []
    hours = by_hour(campaign, today, now)
    floor = settings.SHOPOPS_ACHIEVEMENT_FLOOR
    if hours["rows"] and hours["rows"][-1]["pace"] is not None:
        last = hours["rows"][-1]
        if last["pace"] < floor:
            share = f"{(last['pace'] * 100).quantize(Decimal('0.1'))}%"
            by = f"{last['hour']}:00"
            zh = f"「{campaign.name}」今日销售额进度 {share}（截至 {by}，低于 {floor:.0%}）"
            en = f"{campaign.name}: today's GMV at {share} of its pace by {by}"
            out.append((f"campaign:{campaign.pk}:pace:{today}", zh, en))
    main = queries.phase(campaign)
    main_end = datetime.combine(main.end + timedelta(days=1), time(), campaign.store.zone)
    for f in flash_burn(campaign, now):
        if f.sold_out or (f.sell_out_at and f.sell_out_at < main_end):
            when = (
                "已售罄"
                if f.sold_out
                else f"预计 {f.sell_out_at.astimezone(campaign.store.zone):%m-%d %H:%M} 售罄"
            )
            zh = f"「{campaign.name}」秒杀 {f.sku} {when}（正式期 {main.end} 结束前）"
            en = f"{campaign.name}: flash sale {f.sku} " + (
                "sold out" if f.sold_out else "sells out before the main phase ends"
            )
            out.append((f"campaign:{campaign.pk}:flash:{f.sku}", zh, en))
    return out


def view(campaign, day: date | None, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = now.astimezone(campaign.store.zone).date()
    first, last = queries.span(campaign)
    shown = day or min(max(today, first), last)
    shown = min(max(shown, first), last)
    return {
        "days": by_day(campaign, today),
        "hours": by_hour(campaign, shown, now) if shown <= today else None,
        "shown": shown,
        "flash": flash_burn(campaign, now),
        "findings": findings(campaign, now),
        "state": queries.state(campaign, today),
    }


def chart(data: dict) -> dict | None:
    """The ECharts options of the hourly chart: GMV so far and the expected pace."""
    hours = data.get("hours")
    if not hours or not hours["rows"]:
        return None
    rows = hours["rows"]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": ["销售额（累计）", "目标进度"]},
        "xAxis": {"type": "category", "data": [f"{r['hour']}:00" for r in rows]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": "销售额（累计）", "type": "line", "data": [str(r["gmv"]) for r in rows]},
            {"name": "目标进度", "type": "line", "lineStyle": {"type": "dashed"},
             "data": [None if r["expected"] is None else str(r["expected"]) for r in rows]},
        ],
    }  # fmt: skip
