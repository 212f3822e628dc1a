"""Ad analysis (推广分析): each ad plan and keyword over a period, from the metric catalog
(impressions, clicks, CTR, CPC, cost, orders, GMV, CVR, ROI and cost share), with the flags
the store guide asks for:

- a plan under its ROI floor (the plan's, else the campaign's, else 2);
- a plan whose CTR is a fifth or more under its benchmark CTR (entered per plan);
- a keyword with spend and no orders;

and for 淘宝客 the profit after commission: the attributed GMV at the store's goods margin
over the period (1 − COGS / line GMV) less the commission paid (the plan's cost). Costs only
for those who may see them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shopops.campaigns.models import AdPlan
from shopops.core.numbers import ratio

DEFAULT_ROI_FLOOR = Decimal(2)
CTR_SHORTFALL = Decimal("0.8")  # a fifth under the benchmark
AFFILIATE = "淘宝客"
KEYS = ["ad_impressions", "ad_clicks", "ad_ctr", "cpc", "ad_cost", "ad_orders", "ad_gmv",
        "ad_cvr", "roi"]  # fmt: skip


def _row(r: dict, total_cost: Decimal) -> dict:
    cost = Decimal(r["ad_cost"] or 0)
    return {
        "impressions": int(r["ad_impressions"] or 0),
        "clicks": int(r["ad_clicks"] or 0),
        "ctr": r["ad_ctr"],
        "cpc": r["cpc"],
        "cost": cost,
        "orders": int(r["ad_orders"] or 0),
        "gmv": Decimal(r["ad_gmv"] or 0),
        "cvr": r["ad_cvr"],
        "roi": r["roi"],
        "share": ratio(cost, total_cost, Decimal("0.0001")),
    }


def analysis(store, start: date, end: date, *, costs: bool, viewer=None) -> dict:
    from shopops.analytics.queries import metrics

    plans = {(p.channel, p.name): p for p in AdPlan.objects.filter(store=store)}
    by_plan = metrics(KEYS, store, start, end, "none", dims=["ad_channel", "plan"])
    by_plan = [r for r in by_plan if r["ad_cost"] or r["ad_impressions"]]
    total = sum((Decimal(r["ad_cost"] or 0) for r in by_plan), Decimal(0))
    margin = _goods_margin(store, start, end, viewer) if costs else None
    rows = []
    for r in sorted(by_plan, key=lambda r: -Decimal(r["ad_cost"] or 0)):
        plan = plans.get((r["ad_channel"], r["plan"]))
        row = {"channel": r["ad_channel"], "plan": r["plan"], "setup": plan, **_row(r, total)}
        floor = plan.roi_floor if plan else DEFAULT_ROI_FLOOR
        flags = []
        if row["roi"] is not None and Decimal(row["roi"]) < floor:
            flags.append(f"ROI 低于红线 {floor}")
        bench = plan.benchmark_ctr if plan else None
        if bench and row["ctr"] is not None and Decimal(row["ctr"]) < bench * CTR_SHORTFALL:
            flags.append(f"点击率低于行业 {bench:.2%} 的 80%")
        row["flags"] = flags
        if r["ad_channel"] == AFFILIATE and margin is not None:
            row["profit"] = (row["gmv"] * margin - row["cost"]).quantize(Decimal("0.01"))
        rows.append(row)
    keywords = metrics(KEYS, store, start, end, "none", dims=["plan", "keyword"])
    words = []
    for r in sorted(keywords, key=lambda r: -Decimal(r["ad_cost"] or 0)):
        if not r["keyword"]:
            continue
        row = {"plan": r["plan"], "keyword": r["keyword"], **_row(r, total)}
        row["flags"] = ["有花费无成交"] if row["cost"] > 0 and row["orders"] == 0 else []
        words.append(row)
    if not costs:
        for row in (*rows, *words):
            row.pop("profit", None)
    return {"start": start, "end": end, "plans": rows, "keywords": words, "cost": total,
            "margin": margin}  # fmt: skip


def _goods_margin(store, start: date, end: date, viewer) -> Decimal | None:
    from shopops.analytics.queries import metrics

    (row,) = metrics(["cogs", "line_gmv"], store, start, end, "none", viewer=viewer)
    if not row["line_gmv"] or row["cogs"] is None:
        return None
    return 1 - Decimal(row["cogs"]) / Decimal(row["line_gmv"])


def save_plan(actor, store, *, channel: str, name: str, via="web", **fields) -> AdPlan:
    from django.db import transaction

    from shopops.core import audit

    audited = ["daily_budget", "bid_note", "benchmark_ctr", "roi_floor", "campaign"]
    with transaction.atomic():
        plan, created = AdPlan.objects.get_or_create(store=store, channel=channel, name=name)
        before = None if created else audit.snapshot(plan, audited)
        for k, v in fields.items():
            setattr(plan, k, v)
        plan.full_clean()
        plan.save()
        audit.record(actor, plan, "create" if created else "update", before,
                     audit.snapshot(plan, audited), store=store, via=via)  # fmt: skip
    return plan
