"""Reads of campaigns: where each stands, the year's calendar, targets against results, stock
readiness and a cart priced for the "try a cart" page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from shopops.campaigns import pricing, rules
from shopops.campaigns.models import Campaign, CampaignPhase, CampaignStatus, Phase
from shopops.catalog.models import Sku

DRAFT, UPCOMING, LIVE, FINISHED, CANCELLED = "draft", "upcoming", "live", "finished", "cancelled"


def campaigns_of(store):
    return Campaign.objects.filter(store=store).prefetch_related(
        Prefetch("phases", queryset=CampaignPhase.objects.order_by("start")), "targets"
    )


def span(campaign: Campaign) -> tuple[date, date] | None:
    phases = list(campaign.phases.all())
    if not phases:
        return None
    return min(p.start for p in phases), max(p.end for p in phases)


def phase(campaign: Campaign, which: str = Phase.MAIN) -> CampaignPhase | None:
    return next((p for p in campaign.phases.all() if p.phase == which), None)


def state(campaign: Campaign, today: date) -> str:
    """Draft and cancelled as set; a launched campaign is upcoming, live or finished by its
    dates in the store's calendar."""
    if campaign.status == CampaignStatus.CANCELLED:
        return CANCELLED
    if campaign.status == CampaignStatus.DRAFT:
        return DRAFT
    dates = span(campaign)
    if dates is None or today < dates[0]:
        return UPCOMING
    return LIVE if today <= dates[1] else FINISHED


STATE_LABELS = {
    DRAFT: "草稿",
    UPCOMING: "待开始",
    LIVE: "进行中",
    FINISHED: "已结束",
    CANCELLED: "已取消",
}
STATE_COLOURS = {DRAFT: "secondary", UPCOMING: "azure", LIVE: "green", FINISHED: "purple",
                 CANCELLED: "muted"}  # fmt: skip


def rows(store, today: date) -> list[dict]:
    out = []
    for c in campaigns_of(store):
        s = state(c, today)
        dates = span(c)
        out.append(
            {
                "campaign": c,
                "state": s,
                "state_label": STATE_LABELS[s],
                "colour": STATE_COLOURS[s],
                "start": dates[0] if dates else None,
                "end": dates[1] if dates else None,
                "main": phase(c),
            }
        )
    return out


def row_dict(r: dict) -> dict:
    c = r["campaign"]
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "status": c.status,
        "state": r["state"],
        "start": r["start"].isoformat() if r["start"] else None,
        "end": r["end"].isoformat() if r["end"] else None,
        "phases": [{"phase": p.phase, "start": p.start.isoformat(), "end": p.end.isoformat()}
                   for p in c.phases.all()],
        "targets": [{"metric": t.metric, "target": str(t.target)} for t in c.targets.all()],
    }  # fmt: skip


def calendar(listed: list[dict], year: int) -> list[dict]:
    """One bar per campaign phase in the year, placed in percent of the year's width."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = (last - first).days + 1
    out = []
    for r in listed:
        bars = []
        for p in r["campaign"].phases.all():
            start, end = max(p.start, first), min(p.end, last)
            if end < start:
                continue
            bars.append(
                {
                    "phase": p.phase,
                    "label": p.get_phase_display(),
                    "left": round(100 * (start - first).days / days, 2),
                    "width": max(round(100 * ((end - start).days + 1) / days, 2), 0.4),
                    "start": p.start,
                    "end": p.end,
                }
            )
        if bars:
            out.append({**r, "bars": bars})
    return out


def year_axis(year: int, today: date) -> dict:
    """The calendar's month marks and today's mark, in percent of the year's width."""
    first = date(year, 1, 1)
    days = (date(year, 12, 31) - first).days + 1

    def left(day: date) -> float:
        return round(100 * (day - first).days / days, 2)

    return {
        "months": [{"label": f"{m}月", "left": left(date(year, m, 1))} for m in range(1, 13)],
        "today": left(today) if today.year == year else None,
    }


@dataclass
class Progress:
    metric: str
    label: str
    target: Decimal
    actual: Decimal | None
    achievement: Decimal | None


def progress(campaign: Campaign, *, engine: str = "duckdb", viewer=None) -> list[Progress]:
    """Each target against the main phase's result, from the metric catalog."""
    from shopops.analytics.catalog import lookup
    from shopops.analytics.queries import metrics
    from shopops.core.numbers import ratio

    main = phase(campaign)
    targets = list(campaign.targets.all())
    if main is None or not targets:
        return []
    keys = [t.metric for t in targets]
    (row,) = metrics(keys, campaign.store, main.start, main.end, grain="none", engine=engine,
                     viewer=viewer) or [{}]  # fmt: skip
    out = []
    for t in targets:
        actual = row.get(t.metric)
        actual = None if actual is None else Decimal(actual)
        achievement = ratio(actual, t.target, Decimal("0.0001"))
        out.append(Progress(t.metric, lookup(t.metric).zh, t.target, actual, achievement))
    return out


def readiness(campaign: Campaign):
    """备货检查: each campaign SKU's stock against its forecast over the campaign x uplift."""
    from shopops.inventory.replenishment import readiness as ready

    dates = span(campaign)
    codes = list(campaign.skus.values_list("sku__code", flat=True))
    promo_codes = [c for c in _flash_codes(campaign) if c not in codes]
    if dates is None or not (codes or promo_codes):
        return []
    return ready(campaign.store, [*codes, *promo_codes], dates[0], dates[1], campaign.uplift)


def _flash_codes(campaign: Campaign) -> list[str]:
    out = []
    for r in campaign.rules.filter(kind="flash_sale"):
        out += [
            str(i.get("sku", "")).strip() for i in r.params.get("items", []) if isinstance(i, dict)
        ]
    return out


def parse_cart(store, text: str) -> tuple[list[pricing.Line], list[str]]:
    """Lines of "SKU quantity" (one per line; the quantity defaults to 1) at the SKUs' list
    prices; the errors name the line and why."""
    wanted, errors = [], []
    for n, raw in enumerate(text.splitlines(), start=1):
        parts = raw.replace(",", " ").replace("×", " ").split()
        if not parts:
            continue
        code, qty = parts[0], parts[1] if len(parts) > 1 else "1"
        if not qty.isdigit() or int(qty) < 1:
            errors.append(f"line {n}: the quantity {qty!r} is not a whole number of at least 1")
            continue
        wanted.append((n, code, int(qty)))
    known = {s.code: s for s in Sku.objects.filter(store=store, code__in=[c for _, c, _ in wanted])}
    lines = []
    for n, code, qty in wanted:
        sku = known.get(code)
        if sku is None:
            errors.append(f"line {n}: no SKU {code} in {store.code}")
            continue
        lines.append(pricing.Line(code, qty, int(sku.price * 100)))
    if not lines and not errors:
        errors.append("the cart is empty: one SKU code and quantity per line")
    return lines, errors


def price_cart(campaign: Campaign, lines: list[pricing.Line], day: date | None) -> pricing.Priced:
    return pricing.price(rules.promotion(campaign), lines, pricing.Buyer(day=day))


def terms(rule) -> str:
    """A rule's parameters in the planner's words (满300减30；每满100减15，最多减40 …)."""
    p = rule.params or {}
    scope = p.get("skus") or []
    where = f"（仅 {', '.join(scope)}）" if scope else ""
    kind = rule.kind
    if kind == "full_reduction":
        tiers = [f"满{t.get('threshold')}减{t.get('off')}" for t in p.get("tiers", [])]
        text = ("每" + tiers[0]) if p.get("repeat") and tiers else "；".join(tiers)
        if p.get("cap"):
            text += f"，最多减{p['cap']}"
        return text + where
    if kind == "item_discount":
        return (
            "；".join(f"满{t.get('units')}件{_zhe(t.get('rate'))}" for t in p.get("tiers", []))
            + where
        )
    if kind == "flash_sale":
        out = []
        for i in p.get("items", []):
            text = f"{i.get('sku')} 秒杀价 {i.get('price')}"
            if i.get("cap") not in (None, ""):
                text += f"，限量 {i['cap']}"
            if i.get("limit") not in (None, ""):
                text += f"，每人限购 {i['limit']}"
            out.append(text)
        return "；".join(out)
    if kind == "coupon":
        text = f"满{p.get('threshold') or 0}减{p.get('amount')}"
        if p.get("valid_from") or p.get("valid_to"):
            text += f"，{p.get('valid_from') or '…'} 至 {p.get('valid_to') or '…'}"
        if p.get("quantity") not in (None, ""):
            text += f"，共 {p['quantity']} 张"
        return text + where
    return f"满{p.get('threshold') or 0}送 {p.get('sku')} × {p.get('quantity') or 1}" + where


def _zhe(rate) -> str:
    try:
        return f"{(Decimal(str(rate)) * 10).normalize():f}折"
    except ArithmeticError:
        return str(rate)
