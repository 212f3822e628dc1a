"""The retrospective (运营效果复盘报告, template 4) of a campaign, drafted from the data.

Every number comes from the metric catalog (`analytics.queries.metrics`) over the campaign's
main phase (正式期, the targets' period) or, for ads and the pre-heat, over the phases that
carry them; the problems are read from the ledger, the orders, after-sales and reviews:

- stock-outs: a campaign SKU whose stock in all warehouses reached 0 during the campaign
  (the movement ledger), from when until when;
- late shipments: orders paid during the campaign shipped later than the store's shipping
  promise (or not shipped and past it), with the refunds and 1-2 star reviews that followed;
- ad plans under their ROI floor (the plan's, else the campaign's) over the campaign's days;
- margin-guard exceptions accepted at launch; targets missed.

The team edits the drafted success factors, problems and improvements (`CampaignReview`);
an improvement becomes an SOP update item and a risk-library entry in one click (`adopt`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from shopops.campaigns import queries
from shopops.campaigns.models import Campaign, Phase
from shopops.core.numbers import ratio
from shopops.planning.work import today_of

PLAYBOOK_SOP = "大促活动 SOP"
TEXTS = ("successes", "problems", "improvements")
TOP = 3


@dataclass
class Problem:
    kind: str  # stock_out | late_shipments | low_roi | margin | target
    text: str
    improvement: str
    risk: str
    signal: str
    detail: list = field(default_factory=list)


def _period(campaign: Campaign) -> tuple[date, date]:
    main = queries.phase(campaign)
    return main.start, main.end


def _share_text(share: Decimal | None) -> str:
    return "—" if share is None else f"{(share * 100).quantize(Decimal('0.1'))}%"


def contributions(campaign: Campaign, *, engine="duckdb") -> dict:
    """Who made the result: products (TOP3 share), order channels, traffic sources and ad
    plans, each with its share."""
    from shopops.analytics.queries import metrics

    store = campaign.store
    start, end = _period(campaign)
    span = queries.span(campaign)
    products = metrics(["line_gmv", "units"], store, start, end, "none", dims=["sku"],
                       engine=engine)  # fmt: skip
    products = sorted(
        (r for r in products if r["line_gmv"]), key=lambda r: (-Decimal(r["line_gmv"]), r["sku"])
    )
    total = sum((Decimal(r["line_gmv"]) for r in products), Decimal(0))
    top = sum((Decimal(r["line_gmv"]) for r in products[:TOP]), Decimal(0))
    top_share = ratio(top, total, Decimal("0.0001"))
    channels = metrics(["gmv", "orders"], store, start, end, "none", dims=["channel"],
                       engine=engine)  # fmt: skip
    gmv_total = sum((Decimal(r["gmv"] or 0) for r in channels), Decimal(0))
    sources = metrics(["visitors"], store, start, end, "none", dims=["source"], engine=engine)
    visitors = sum(int(r["visitors"] or 0) for r in sources)
    ads = metrics(["ad_cost", "ad_gmv", "ad_clicks", "roi"], store, *span, "none",
                  dims=["ad_channel", "plan"], engine=engine)  # fmt: skip
    ad_cost = sum((Decimal(r["ad_cost"] or 0) for r in ads), Decimal(0))
    return {
        "products": [
            {"sku": r["sku"], "line_gmv": Decimal(r["line_gmv"]), "units": r["units"],
             "share": ratio(Decimal(r["line_gmv"]), total, Decimal("0.0001"))}
            for r in products[:10]
        ],
        "line_gmv": total,
        "top_share": top_share,
        "top_sentence": (
            f"TOP{TOP} 爆款贡献了 {_share_text(top_share)} 销售额" if products else ""
        ),
        "channels": sorted(
            ({"channel": r["channel"] or "—", "gmv": Decimal(r["gmv"] or 0), "orders": r["orders"],
              "share": ratio(Decimal(r["gmv"] or 0), gmv_total, Decimal("0.0001"))}
             for r in channels if r["gmv"]),
            key=lambda r: -r["gmv"],
        ),
        "sources": sorted(
            ({"source": r["source"], "visitors": int(r["visitors"] or 0),
              "share": ratio(int(r["visitors"] or 0), visitors, Decimal("0.0001"))}
             for r in sources if r["visitors"]),
            key=lambda r: -r["visitors"],
        ),
        "ads": sorted(
            ({"channel": r["ad_channel"], "plan": r["plan"], "cost": Decimal(r["ad_cost"] or 0),
              "gmv": Decimal(r["ad_gmv"] or 0), "roi": r["roi"],
              "share": ratio(Decimal(r["ad_cost"] or 0), ad_cost, Decimal("0.0001"))}
             for r in ads if r["ad_cost"]),
            key=lambda r: -r["cost"],
        ),
    }  # fmt: skip


def preheat(campaign: Campaign, *, engine="duckdb") -> dict | None:
    """The pre-heat's lift: natural-search visitors, all visitors, favourites and
    add-to-cart per day during 预热 against as many days just before it."""
    from shopops.analytics.queries import metrics

    pre = queries.phase(campaign, Phase.PREHEAT)
    if pre is None:
        return None
    days = (pre.end - pre.start).days + 1
    base = (pre.start - timedelta(days=days), pre.start - timedelta(days=1))
    out = {"days": days, "base": base, "rows": []}
    rows = (("自然搜索访客", "visitors", {"source": ["natural_search"]}),
            ("全部访客", "visitors", None), ("收藏人数", "favorites", None),
            ("加购件数", "add_to_cart", None))  # fmt: skip
    for label, key, filters in rows:
        (now,) = metrics([key], campaign.store, pre.start, pre.end, "none",
                         filters=filters, engine=engine)  # fmt: skip
        (then,) = metrics([key], campaign.store, *base, "none", filters=filters,
                          engine=engine)  # fmt: skip
        a, b = int(then[key] or 0), int(now[key] or 0)
        if not (a or b):
            continue  # the store's traffic export carries no such column
        out["rows"].append(
            {"label": label, "base": ratio(a, days, Decimal("0.1")),
             "preheat": ratio(b, days, Decimal("0.1")),
             "lift": ratio(b - a, a, Decimal("0.0001")) if a else None}
        )  # fmt: skip
    return out


def drivers(campaign: Campaign) -> dict | None:
    """Why GMV came out as it did: the diagnosis decomposition of the main phase against the
    same days last year when the store has them, else against as many days before the
    campaign began; None when that period sold nothing."""
    from shopops.analytics.diagnosis import explain_gmv
    from shopops.monitoring.coverage import has

    start, end = _period(campaign)
    try:
        last_year = (start.replace(year=start.year - 1), end.replace(year=end.year - 1))
    except ValueError:  # 29 February
        last_year = (start - timedelta(days=365), end - timedelta(days=365))
    if has(campaign.store, *last_year)["orders"]:
        base, words = last_year, ("较去年同期", "vs the same days last year")
    else:
        first = queries.span(campaign)[0]
        days = (end - start).days + 1
        base = (first - timedelta(days=days), first - timedelta(days=1))
        words = ("较活动前同等天数", "vs as many days before the campaign")
    found = explain_gmv(campaign.store, (start, end), base, compared=words)
    if not found.get("before"):
        return None  # nothing sold in the base period: no change to explain
    return found


# --- problems ------------------------------------------------------------------------------


def stock_outs(campaign: Campaign) -> list[dict]:
    """Campaign SKUs whose stock in every warehouse reached 0 during the campaign."""
    from django.db.models import Sum

    from shopops.analytics.request import local_window
    from shopops.inventory.models import StockMovement

    store = campaign.store
    first, last = queries.span(campaign)
    low, high = local_window(store, first, last)
    codes = list(campaign.skus.values_list("sku__code", flat=True))
    codes += [c for c in queries._flash_codes(campaign) if c not in codes]
    out = []
    for code in codes:
        moves = StockMovement.objects.filter(store=store, sku__code=code)
        before = moves.filter(at__lt=low)
        held = before.aggregate(n=Sum("quantity"))["n"] or 0
        # Out from the first day only if it had been stocked; a SKU whose first stock arrives
        # during the campaign was never sold out.
        out_at = low if held <= 0 and before.exists() else None
        for at, quantity in (
            moves.filter(at__gte=low, at__lt=high)
            .order_by("at", "id")
            .values_list("at", "quantity")
        ):
            held += quantity
            if held <= 0 and out_at is None:
                out_at = at
            elif held > 0 and out_at is not None:
                out.append(_outage(store, code, out_at, at))
                out_at = None
        if out_at is not None:
            out.append(_outage(store, code, out_at, None))
    return out


def _outage(store, code: str, start: datetime, end: datetime | None) -> dict:
    hours = None if end is None else round((end - start).total_seconds() / 3600)
    return {"sku": code, "from": start.astimezone(store.zone),
            "to": end.astimezone(store.zone) if end else None, "hours": hours}  # fmt: skip


def late_shipments(campaign: Campaign, now: datetime | None = None) -> dict:
    """Orders paid during the campaign shipped after the store's promise (or not yet and past
    it), and the refunds and 1-2 star reviews of those orders."""
    from django.db.models import F, Q
    from django.utils import timezone

    from shopops.analytics.request import local_window
    from shopops.orders.models import FulfilmentSettings, Order
    from shopops.service.models import AfterSalesCase, CaseKind, Review

    store = campaign.store
    now = now or timezone.now()
    low, high = local_window(store, *queries.span(campaign))
    promise = timedelta(hours=FulfilmentSettings.of(store).shipping_promise_hours)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    late = paid.filter(
        Q(shipped_at__gt=F("paid_at") + promise)
        | Q(shipped_at__isnull=True, paid_at__lt=now - promise, cancelled_at__isnull=True)
    )
    n_paid, n_late = paid.count(), late.count()
    refunds = AfterSalesCase.objects.filter(
        store=store, order__in=late, kind__in=(CaseKind.REFUND, CaseKind.RETURN)
    ).count()
    bad = Review.objects.filter(store=store, order__in=late, rating__lte=2).count()
    return {"paid": n_paid, "late": n_late, "share": ratio(n_late, n_paid, Decimal("0.0001")),
            "refunds": refunds, "bad_reviews": bad,
            "promise_hours": int(promise.total_seconds() // 3600)}  # fmt: skip


def problems(campaign: Campaign, found: dict) -> list[Problem]:
    out = []
    for s in found["stock_outs"]:
        until = (
            f"至 {s['to']:%m-%d %H:%M} 补货（断货 {s['hours']} 小时）"
            if s["to"]
            else "至活动结束仍未补货"
        )
        out.append(Problem(
            "stock_out", f"{s['sku']} 于 {s['from']:%m-%d %H:%M} 售罄，{until}",
            "大促前按预测 × 提升系数备货，热销款提前锁定库存、设置补货预警并安排活动中补货",
            f"大促热销款断货（{s['sku']}）", "热销 SKU 可售库存低于活动预计销量", [s],
        ))  # fmt: skip
    late = found["late"]
    if late["late"]:
        out.append(Problem(
            "late_shipments",
            f"{late['late']} 单超过 {late['promise_hours']} 小时发货承诺（占活动订单 "
            f"{_share_text(late['share'])}），随后 {late['refunds']} 单退款/退货、"
            f"{late['bad_reviews']} 条 1–2 星差评",
            "大促期间增加打包人手与快递揽收批次，按预计单量调整发货承诺并提前通知买家",
            "大促发货超时", "付款超过发货承诺未发货的订单数上升", [late],
        ))  # fmt: skip
    from shopops.campaigns.models import AdPlan

    floors = {(p.channel, p.name): p.roi_floor for p in AdPlan.objects.filter(store=campaign.store)}
    for a in found["contributions"]["ads"]:
        floor = floors.get((a["channel"], a["plan"]), campaign.roi_floor)  # the plan's, else
        if a["roi"] is not None and Decimal(a["roi"]) < floor:
            out.append(Problem(
                "low_roi",
                f"{a['channel']}「{a['plan']}」ROI {Decimal(a['roi']):.2f}，低于红线 {floor}",
                f"对「{a['plan']}」降低出价或暂停低效关键词，预算转向 ROI 高的计划",
                f"推广计划 ROI 低于红线（{a['plan']}）", "计划 ROI 连续 2 天低于红线", [a],
            ))  # fmt: skip
    for e in campaign.accepted_exceptions:
        out.append(Problem(
            "margin", f"{e['sku']} 活动最低价 {e['worst_price']} 低于毛利红线（上线时已确认）",
            "秒杀与券叠加前核对毛利红线，亏损引流款限量并计入引流预算",
            f"活动价低于毛利红线（{e['sku']}）", "毛利红线检查未通过", [e],
        ))  # fmt: skip
    for t in found["targets"]:
        if t.achievement is not None and t.achievement < 1:
            out.append(Problem(
                "target", f"{t.label} 完成 {_share_text(t.achievement)}（目标 {_plain(t.target)}）",
                f"复盘 {t.label} 的拆解与节奏：预热期蓄水与正式期流量分配",
                f"活动目标未达成（{t.label}）", "活动进度低于目标节奏", [t],
            ))  # fmt: skip
    return out


def successes(campaign: Campaign, found: dict) -> list[str]:
    out = []
    for t in found["targets"]:
        if t.achievement is not None and t.achievement >= 1:
            out.append(f"{t.label} 完成 {_share_text(t.achievement)}，达成目标")
    c = found["contributions"]
    if c["top_sentence"]:
        out.append(c["top_sentence"] + "：" + "、".join(p["sku"] for p in c["products"][:TOP]))
    ads = [a for a in c["ads"] if a["roi"] is not None]
    if ads:
        best = max(ads, key=lambda a: Decimal(a["roi"]))
        out.append(f"{best['channel']}「{best['plan']}」ROI {Decimal(best['roi']):.2f}，为活动最高")
    pre = found["preheat"]
    if pre:
        for r in pre["rows"]:
            if r["lift"] is not None and r["lift"] > 0:
                out.append(f"预热期日均{r['label']}较预热前提升 {_share_text(r['lift'])}")
    return out


def build(campaign: Campaign, *, viewer=None, engine="duckdb") -> dict:
    """The whole retrospective: targets vs results, contributions, the pre-heat, the GMV
    drivers, and the drafted success factors, problems and improvements (or the team's)."""
    start, end = _period(campaign)
    found = {
        "campaign": campaign,
        "period": (start, end),
        "span": queries.span(campaign),
        "targets": queries.progress(campaign, engine=engine, viewer=viewer),
        "contributions": contributions(campaign, engine=engine),
        "preheat": preheat(campaign, engine=engine),
        "stock_outs": stock_outs(campaign),
        "late": late_shipments(campaign),
    }
    found["drivers"] = drivers(campaign)
    found["problems"] = problems(campaign, found)
    found["successes"] = successes(campaign, found)
    review = getattr(campaign, "review", None)
    found["review"] = review
    found["drafted"] = {
        "successes": "\n".join(found["successes"]),
        "problems": "\n".join(p.text for p in found["problems"]),
        "improvements": "\n".join(dict.fromkeys(p.improvement for p in found["problems"])),
    }
    return found


def texts(found: dict) -> dict[str, list[str]]:
    """The success factors, problems and improvements as shown: the team's when saved."""
    review = found["review"]
    source = found["drafted"] if review is None else {
        "successes": review.successes, "problems": review.problems,
        "improvements": review.improvements,
    }  # fmt: skip
    return {k: [line.strip() for line in v.splitlines() if line.strip()] for k, v in source.items()}


@transaction.atomic
def save_review(actor, campaign: Campaign, *, successes: str, problems: str, improvements: str,
                via="web"):  # fmt: skip
    from shopops.campaigns.models import CampaignReview
    from shopops.core import audit

    review, created = CampaignReview.objects.get_or_create(campaign=campaign)
    before = None if created else audit.snapshot(review, ["successes", "problems", "improvements"])
    review.successes, review.problems, review.improvements = successes, problems, improvements
    review.updated_by = audit.acting_user(actor)
    review.save()
    audit.record(actor, review, "create" if created else "update", before,
                 audit.snapshot(review, ["successes", "problems", "improvements"]),
                 store=campaign.store, via=via)  # fmt: skip
    return review


@transaction.atomic
def adopt(actor, campaign: Campaign, problem: Problem, *, via="web") -> dict:
    """An improvement into the SOP update list (a new version of 「大促活动 SOP」 with the
    problem and the improved flow) and the risk library (the problem, its signal and the
    improvement as the plan, last seen on the campaign's main day)."""
    from shopops.planning import sops
    from shopops.planning.models import Risk, Sop

    store = campaign.store
    sops.ensure_seeded(store)
    sop = Sop.objects.filter(store=store, title=PLAYBOOK_SOP).first()
    latest = sop.versions.first() if sop else None
    body = (latest.body if latest else f"# {PLAYBOOK_SOP}\n").rstrip()
    line = f"- {problem.improvement}（来自「{campaign.name}」复盘）"
    version = None
    if line not in body:
        version = sops.save_sop(
            actor, store, sop, title=PLAYBOOK_SOP, body=f"{body}\n{line}\n", problem=problem.text,
            improvement=problem.improvement, effective_from=today_of(store), via=via,
        )  # fmt: skip
    risk = Risk.objects.filter(store=store, risk=problem.risk[:200]).first()
    risk = sops.save_risk(
        actor, store, risk, via=via, risk=problem.risk[:200], signal=problem.signal,
        plan=problem.improvement, last_seen=_period(campaign)[1],
    )  # fmt: skip
    return {"sop_version": version, "risk": risk}


def _plain(value: Decimal) -> str:
    """A target as the planner wrote it: 362062, 5.09 (no trailing zeros)."""
    d = value.normalize()
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,f}"
