"""The demo store's 618 and 双11 as campaign objects: phases, the main phase's best sellers
at campaign prices, a 秒杀, 满减 tiers, a store coupon and a gift, channel budgets, and
targets set a little above or below what the simulated data sold, so their retrospectives
show achievement on both sides.

Two of 双11's SKUs sold out on the evening of the main day and were restocked two days
later: the ledger records it (a shipment to zero, a receipt back to the same level, so the
stock of today is unchanged), and the retrospective finds it as a stock-out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from shopops.campaigns import services
from shopops.campaigns.models import Campaign, Phase
from shopops.inventory.models import MovementKind, StockLevel, StockMovement
from shopops.orders.models import OrderLine

# name, (month, day) pre-heat start, main start, main end, encore end; target factors
PEAKS = (
    ("618 年中大促", (6, 1), (6, 16), (6, 18), (6, 20),
     {"gmv": Decimal("1.05"), "orders": Decimal("0.97"), "new_buyers": Decimal("0.9"),
      "roi": Decimal("1.1")}),
    ("双11 全球狂欢节", (11, 1), (11, 10), (11, 11), (11, 13),
     {"gmv": Decimal("1.08"), "orders": Decimal("1.04"), "new_buyers": Decimal("0.95"),
      "roi": Decimal("0.9")}),
)  # fmt: skip
RULES = {
    "618 年中大促": [
        ("full_reduction", "满200减20 / 满400减50",
         {"tiers": [{"threshold": "200", "off": "20"}, {"threshold": "400", "off": "50"}]}),
        ("coupon", "店铺券 满99减10", {"threshold": "99", "amount": "10", "quantity": 5000}),
    ],
    "双11 全球狂欢节": [
        ("full_reduction", "满300减30 / 满500减60",
         {"tiers": [{"threshold": "300", "off": "30"}, {"threshold": "500", "off": "60"}]}),
        ("coupon", "店铺券 满199减20", {"threshold": "199", "amount": "20", "quantity": 8000}),
    ],
}  # fmt: skip
BUDGETS = {
    "618 年中大促": [
        ("直通车", "16000", "ROI ≥ 3", "每日调价"),
        ("引力魔方", "5000", "拉新 2000 人", "每 3 天"),
        ("淘宝客", "3000", "佣金 ≤ 15%", "每周"),
    ],
    "双11 全球狂欢节": [
        ("直通车", "33000", "ROI ≥ 3", "每日调价"),
        ("引力魔方", "8000", "拉新 4000 人", "每 3 天"),
        ("淘宝客", "6000", "佣金 ≤ 15%", "每周"),
        ("站外", "10000", "小红书种草 20 篇", "发布后 7 天"),
    ],
}
CAMPAIGN_SKUS = 8


def _last(today: date, month: int, day: int) -> int:
    """The year of the latest (month, day) on or before today."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _price(value: Decimal, share: str) -> Decimal:
    return ((value * Decimal(share)).quantize(Decimal(1), ROUND_FLOOR) - Decimal("0.1")).max(
        Decimal("0.9")
    )


def _top_skus(store, start: date, end: date) -> list:
    """The best sellers by sales of the main phase (爆款): the campaign's SKUs."""
    zone = store.zone
    rows = (
        OrderLine.objects.filter(
            store=store,
            sku__isnull=False,
            order__paid_at__gte=datetime.combine(start, time(), zone),
            order__paid_at__lt=datetime.combine(end + timedelta(days=1), time(), zone),
        )
        .values("sku")
        .annotate(sales=Sum("line_amount"))
        .order_by("-sales", "sku")[:CAMPAIGN_SKUS]
    )
    from shopops.catalog.models import Sku

    by_pk = Sku.objects.in_bulk([r["sku"] for r in rows])
    return [by_pk[r["sku"]] for r in rows]


def load(store, today: date | None = None) -> int:
    """The campaigns whose days lie inside the demo's data; once (none when the store has
    campaigns)."""
    from shopops.analytics.queries import metrics

    if Campaign.objects.filter(store=store).exists():
        return 0
    today = today or datetime.now(store.zone).date()
    first = (
        OrderLine.objects.filter(store=store, order__paid_at__isnull=False)
        .order_by("order__paid_at")
        .values_list("order__paid_at", flat=True)
        .first()
    )
    if first is None:
        return 0
    data_start = first.astimezone(store.zone).date()
    planner = get_user_model().objects.filter(username="campaign_planner").first()
    made = 0
    for name, pre, main_start, main_end, encore, factors in PEAKS:
        year = _last(today - timedelta(days=1), *encore)
        phases = {
            Phase.PREHEAT: (date(year, *pre), date(year, *main_start) - timedelta(days=1)),
            Phase.MAIN: (date(year, *main_start), date(year, *main_end)),
            Phase.ENCORE: (date(year, *main_end) + timedelta(days=1), date(year, *encore)),
        }
        if phases[Phase.PREHEAT][0] < data_start:
            continue
        with transaction.atomic():
            campaign = _campaign(store, name, phases, planner)
            (actual,) = metrics(list(factors), store, *phases[Phase.MAIN], "none")
            for metric, factor in factors.items():
                value = Decimal(actual[metric] or 0) * factor
                places = Decimal("0.01") if metric == "roi" else Decimal(100)
                services.set_target(None, campaign, metric, value.quantize(places), via="demo")
            if name.startswith("双11"):
                _sell_out(store, campaign, phases[Phase.MAIN][1])
                _promotion(store, campaign, phases, planner)
        made += 1
    return made


def _campaign(store, name: str, phases: dict, planner) -> Campaign:
    campaign = services.create_campaign(
        None, store, via="demo", name=name, kind="platform", owner=planner, uplift=Decimal(3),
        phases=phases,
        rules_note="预热期加购收藏领券，正式期满减与店铺券叠加，秒杀款每人限购 1 件。",
    )  # fmt: skip
    skus = _top_skus(store, *phases[Phase.MAIN])
    for sku in skus:
        services.set_sku(None, campaign, sku.code, price=_price(sku.price, "0.9"), via="demo")
    if skus:
        flash = skus[0]
        services.save_rule(
            None, campaign, kind="flash_sale", name=f"秒杀 {flash.name or flash.code}", via="demo",
            params={"items": [{"sku": flash.code, "price": str(_price(flash.price, "0.55")),
                               "cap": 300, "limit": 1}]},
        )  # fmt: skip
    for kind, rule_name, params in RULES[name]:
        services.save_rule(None, campaign, kind=kind, name=rule_name, params=params, via="demo")
    if len(skus) > 1:
        gift = skus[-1]
        services.save_rule(
            None, campaign, kind="gift", name=f"满399送 {gift.name or gift.code}", via="demo",
            params={"threshold": "399", "sku": gift.code, "quantity": 1},
        )  # fmt: skip
    for channel, amount, target, cycle in BUDGETS[name]:
        services.set_budget(None, campaign, channel, amount, target=target, cycle=cycle, via="demo")
    for check in campaign.checks.all():
        services.tick(planner, check, True, via="demo")
    # Campaign prices with 满减 and the coupon leave some SKUs under the margin floor (引流款
    # with thin margins): launched with them accepted, as teams do.
    return services.launch(planner, campaign, accept=True, via="demo")


def _sell_out(store, campaign: Campaign, main_day: date) -> None:
    """Two campaign SKUs (the 2nd and 3rd best sellers) out of stock from 20:00 on the main
    day until 10:00 two days later."""
    out_at = datetime.combine(main_day, time(20), store.zone)
    back_at = datetime.combine(main_day + timedelta(days=2), time(10), store.zone)
    codes = list(campaign.skus.order_by("id").values_list("sku__code", flat=True)[1:3])
    moves = []
    for level in StockLevel.objects.filter(store=store, sku__code__in=codes).select_related("sku"):
        held = (
            StockMovement.objects.filter(
                store=store, sku=level.sku, warehouse=level.warehouse, at__lte=out_at
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if held <= 0:
            continue
        common = {"store": store, "sku": level.sku, "warehouse": level.warehouse}
        moves += [
            StockMovement(**common, at=out_at, kind=MovementKind.SHIPMENT, quantity=-held,
                          on_hand_after=0, reason="双11 售罄", reference="DEMO-1111"),
            StockMovement(**common, at=back_at, kind=MovementKind.RECEIPT, quantity=held,
                          on_hand_after=held, reason="补货到仓", reference="DEMO-1111"),
        ]  # fmt: skip
    StockMovement.objects.bulk_create(moves)


# channel, form, partner, followers, days before the main phase, fee, target, actual
SLOTS = (
    ("小红书", "post", "居家好物博主 @小鹿的家", 186000, 9, "4800", 6000, 5230),
    ("抖音", "video", "厨房测评 @阿杰做饭", 520000, 6, "12000", 15000, 9870),
    ("淘宝直播", "live", "店铺自播", None, 0, "0", 8000, 9120),
    ("微博", "post", "生活方式 @每日好物", 90000, 4, "2000", 3000, 1150),
)
# channel, plan, benchmark CTR, ROI floor, bid notes
AD_PLANS = (
    ("直通车", "双11大促", "0.045", "4", "11-10 起大促关键词出价上调 30%，23 点后回落"),
    ("直通车", "爆款推广-保温杯", "0.035", "3", "核心词保持首屏，长尾词按 ROI 每日调整"),
    ("引力魔方", "品牌人群拉新", "0.015", "3", "人群：近 30 天浏览竞品店铺"),
    ("淘宝客", "达人推广", None, "2", "佣金 15%，活动期间 20%"),
)


def _promotion(store, campaign: Campaign, phases: dict, planner) -> None:
    """双11's 站外推广排期表 and its ad plans, as the content editor and the planner keep them."""
    from shopops.campaigns import ads

    editor = get_user_model().objects.filter(username="content_editor").first()
    main = phases[Phase.MAIN][0]
    for channel, form, partner, followers, before, fee, target, actual in SLOTS:
        services.save_slot(
            editor, campaign, via="demo", offsite=channel != "淘宝直播", channel=channel, form=form,
            partner=partner, followers=followers, publish_on=main - timedelta(days=before),
            fee=Decimal(fee), target_visitors=target, actual_visitors=actual, owner=editor,
        )  # fmt: skip
    from shopops.planning.models import Task

    for task in Task.objects.filter(store=store, name__contains="大促"):
        services.link_task(planner, campaign, task, via="demo")
    for channel, plan, ctr, floor, note in AD_PLANS:
        ads.save_plan(
            planner, store, channel=channel, name=plan, via="demo", campaign=campaign,
            benchmark_ctr=Decimal(ctr) if ctr else None, roi_floor=Decimal(floor), bid_note=note,
        )  # fmt: skip
