"""Demand forecast per SKU, days of cover, stock-out date and reorder suggestions; the
flash-sale readiness check.

Daily units per SKU come from the metric catalog (`units` by SKU and day, the same numbers
as every report). statsforecast fits one model per SKU. Intermittent demand (average
interval between sales days above 1.32, Syntetos-Boylan) gets ADIDA: aggregation at the
mean interval between sales, then exponential smoothing. On a sale every 7th day it gave
0.284/day against the true 0.286, where Croston SBA gave 0.34-0.46 depending on where the
series starts. Other demand gets exponential smoothing with a weekly season; a SKU with
too little history its plain daily mean.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import F, Sum

from shopops.analytics.cache import versions
from shopops.analytics.request import local_window
from shopops.catalog.models import Sku
from shopops.inventory.models import PurchaseOrderLine, PurchaseStatus
from shopops.inventory.queries import sku_totals

HISTORY_DAYS = 90
HORIZON_DAYS = 28
REVIEW_DAYS = 14  # how often someone reorders: the order covers lead time plus this
INTERMITTENT_ADI = 1.32
MIN_HISTORY_FOR_MODEL = 14
DEFAULT_LEAD_DAYS = 7
READINESS_FACTOR = Decimal("1.2")
REVIEW_MULTIPLE = 3  # a suggestion above 3 x the year's largest 30 days is checked by hand


@dataclass
class SkuForecast:
    sku: str
    name: str
    model: str
    daily: Decimal  # forecast units per day over the horizon
    history_days: int  # days since the first (cleaned) sale, up to the window
    sold: int  # units sold in the history window, cleaned
    # Order lines left out of the demand (analytics.demand.Excluded), and the largest sale
    # of 30 days in the year before (the sanity bound of a suggestion).
    excluded: list = field(default_factory=list)
    largest_30: int = 0
    accuracy: object = None  # backtest.Accuracy of the SKU's model, when it could be tested


YEAR_DAYS = 365
SHORT = "too short"  # the model name of a SKU sold for fewer than MIN_HISTORY_FOR_MODEL days
NAIVE = "seasonal naive"  # the fallback of a SKU whose model lost to it in the backtest
MANUAL = "manual"  # a daily rate the team set (inventory.demand_overrides)


def _history(store, today: date, days: int, restored=None):
    """(cleaned daily units per SKU over the `days` days before today, as lists; the year's
    Demand, for the excluded lines and the 30-day bound)."""
    from shopops.analytics.demand import demand

    end = today - timedelta(days=1)
    year = demand(store, today - timedelta(days=max(days, YEAR_DAYS)), end, restored)
    start = today - timedelta(days=days)
    series = {
        sku: [units.get(start + timedelta(days=i), 0) for i in range(days)]
        for sku, units in year.units.items()
    }
    return {k: v for k, v in series.items() if any(v)}, year


def _adi(values: list[int]) -> float:
    """Average inter-demand interval: days per day with a sale."""
    nonzero = sum(1 for v in values if v > 0)
    return len(values) / nonzero if nonzero else math.inf


def _start(values: list[int]) -> int | None:
    """Where a SKU's series starts: its first sale in the window, so that a SKU listed
    mid-window is not judged on the days before it was on sale."""
    return next((i for i, v in enumerate(values) if v), None)


def _fit(series: dict[str, list[int]], today: date, horizon: int) -> dict[str, tuple[str, float]]:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, AutoETS

    out: dict[str, tuple[str, float]] = {}
    groups: dict[str, list[str]] = {"intermittent": [], "ets": []}
    for code, values in series.items():
        first = _start(values)
        if first is None:
            out[code] = ("none", 0.0)
            continue
        values = values[first:]
        if len(values) < MIN_HISTORY_FOR_MODEL:
            # Never a suggestion from a few days (one bulk day once made 1.7 million units).
            out[code] = (SHORT, 0.0)
        else:
            kind = "intermittent" if _adi(values) > INTERMITTENT_ADI else "ets"
            groups[kind].append(code)
    for kind, codes in groups.items():
        if not codes:
            continue
        frames = []
        for code in codes:
            values = series[code]
            first = _start(values)
            days = pd.date_range(
                end=pd.Timestamp(today - timedelta(days=1)), periods=len(values) - first, freq="D"
            )
            frames.append(pd.DataFrame({"unique_id": code, "ds": days, "y": values[first:]}))
        model = ADIDA() if kind == "intermittent" else AutoETS(season_length=7)
        fitted = StatsForecast(models=[model], freq="D", n_jobs=1).forecast(
            df=pd.concat(frames, ignore_index=True), h=horizon
        )
        column = next(c for c in fitted.columns if c not in ("unique_id", "ds"))
        for code, mean in fitted.groupby("unique_id")[column].mean().items():
            out[str(code)] = (
                "ADIDA" if kind == "intermittent" else "ETS (weekly)",
                max(float(mean), 0.0),
            )
    return out


def _keys(store, today: date, history_days: int, horizon: int) -> tuple[str, str]:
    """The key of the forecast of the store's current facts, and of its latest of the day."""
    version = versions([store.pk])[store.pk]
    return (
        f"forecast:v1:{store.pk}:{version}:{today}:{history_days}:{horizon}",
        f"forecast:latest:v1:{store.pk}:{today}:{history_days}:{horizon}",
    )


def latest_forecast(store, today: date | None = None) -> tuple[dict | None, bool]:
    """(forecast, fresh) as far as the cache has it, computing nothing: the forecast of the
    current facts (fresh), else the latest one made today before the facts changed, else
    None. Most changes are today's orders, which the history (ending yesterday) does not
    read, so the latest forecast is then the same as a new one would be."""
    today = today or datetime.now(store.zone).date()
    key, latest = _keys(store, today, HISTORY_DAYS, HORIZON_DAYS)
    found = cache.get(key)
    if found is not None:
        return found, True
    return cache.get(latest), False


def forecast(store, today: date | None = None, *, history_days=HISTORY_DAYS, horizon=HORIZON_DAYS):
    """{sku code: SkuForecast} for every SKU of the store, cached until the facts change."""
    today = today or datetime.now(store.zone).date()
    key, latest = _keys(store, today, history_days, horizon)
    found = cache.get(key)
    if found is not None:
        return found
    from shopops.analytics.demand import largest_30_days
    from shopops.inventory.demand_overrides import overrides

    told = overrides(store)
    restored = {code: set(o.restored) for code, o in told.items() if o.restored}
    series, year = _history(store, today, history_days, restored)
    fitted = _fit(series, today, horizon)
    tested = _backtest(store, today, series, fitted)
    for code, accuracy in tested.items():
        if code != "__all__" and accuracy.loses_to_naive:
            # The model did worse than "same weekday last week" over the last weeks: use
            # that instead, and say so.
            fitted[code] = (NAIVE, sum(series[code][-7:]) / 7)
    for code, o in told.items():
        if o.manual_daily is not None:
            fitted[code] = (MANUAL, float(o.manual_daily))  # the team's word
    excluded: dict[str, list] = {}
    for e in year.excluded:
        if e.day >= today - timedelta(days=history_days):
            excluded.setdefault(e.sku, []).append(e)
    result = {}
    for code, name in Sku.objects.filter(store=store).values_list("code", "product__name"):
        model, daily = fitted.get(code, ("none", 0.0))
        values = series.get(code, [])
        result[code] = SkuForecast(
            sku=code,
            name=name,
            model=model,
            daily=Decimal(str(round(daily, 3))),
            history_days=len(values) - _start(values) if any(values) else 0,
            sold=sum(values),
            excluded=excluded.get(code, []),
            accuracy=tested.get(code),
            largest_30=largest_30_days(year.units.get(code, {}), today - timedelta(days=1)),
        )
    cache.set(key, result, 24 * 3600)
    cache.set(latest, result, 24 * 3600)
    cache.set(f"{latest}:accuracy", tested.get("__all__"), 24 * 3600)
    return result


BACKTEST_SKUS = 200  # the best sellers: a backtest refits every model 8 times


def _backtest(store, today: date, series, fitted) -> dict:
    """The backtest of the day (cached for the day, not per facts version: eight weeks of
    accuracy do not move with one import, and it costs several fits per SKU)."""
    from shopops.inventory.backtest import backtest

    key = f"backtest:v1:{store.pk}:{today}:{HISTORY_DAYS}"
    found = cache.get(key)
    if found is None:
        top = sorted(series, key=lambda c: -sum(series[c]))[:BACKTEST_SKUS]
        found = backtest(
            {c: series[c] for c in top}, today, {c: fitted[c][0] for c in top if c in fitted}
        )
        cache.set(key, found, 24 * 3600)
    return found


def overall_accuracy(store, today: date | None = None):
    """The backtest over every tested SKU of the latest forecast made today, or None."""
    today = today or datetime.now(store.zone).date()
    _key, latest = _keys(store, today, HISTORY_DAYS, HORIZON_DAYS)
    return cache.get(f"{latest}:accuracy")


@dataclass
class Suggestion:
    sku: str
    name: str
    model: str
    daily: Decimal
    available: int
    on_order: int
    safety: int
    lead_days: int
    days_of_cover: Decimal | None
    stockout_on: date | None
    reorder_point: int
    suggested: int
    supplier_id: int | None
    # More than REVIEW_MULTIPLE x the largest 30 days of the year before: to check by hand,
    # never ticked for a purchase order by default.
    review: bool = False
    largest_30: int = 0
    excluded: list = field(default_factory=list)
    accuracy: object = None  # backtest.Accuracy of the SKU's model


def _stock(store, as_of: date | None = None) -> dict[str, tuple[int, int]]:
    """{SKU code: (available, safety stock)} over all warehouses; with `as_of`, available
    at the start of that local day: today's levels less the ledger's movements since."""
    from shopops.inventory.models import StockMovement

    out = {
        r["sku__code"]: (r["on_hand"] - r["reserved"], r["safety_stock"]) for r in sku_totals(store)
    }
    if as_of is None or as_of >= datetime.now(store.zone).date():
        return out
    since, _ = local_window(store, as_of, as_of)
    moved = (
        StockMovement.objects.filter(store=store, at__gte=since)
        .values("sku__code")
        .annotate(n=Sum(F("quantity") - F("reserved_delta")))
    )
    for r in moved:
        available, safety = out.get(r["sku__code"], (0, 0))
        out[r["sku__code"]] = (available - r["n"], safety)
    return out


def on_order(store) -> dict[str, int]:
    """Units ordered from suppliers and not received yet, per SKU."""
    return {
        r["sku__code"]: r["n"]
        for r in PurchaseOrderLine.objects.filter(
            store=store, order__status__in=(PurchaseStatus.ORDERED, PurchaseStatus.PARTIAL)
        )
        .values("sku__code")
        .annotate(n=Sum(F("quantity") - F("received")))
    }


def suggestions(store, today: date | None = None, *, fc: dict | None = None) -> list[Suggestion]:
    """Per SKU: days of cover, the predicted stock-out date and what to order now.

    Reorder point = forecast over the lead time + safety stock. When available + on order
    falls to it, order enough for the lead time plus a review period, on top of safety.
    `fc`: the forecast to plan with (default: the forecast of today's facts)."""
    today = today or datetime.now(store.zone).date()
    fc = forecast(store, today) if fc is None else fc
    stock = _stock(store, today)
    ordered = on_order(store)
    skus = {s.code: s for s in Sku.objects.filter(store=store).select_related("product__supplier")}
    out = []
    for code, f in fc.items():
        available, safety = stock.get(code, (0, 0))
        if code not in stock and f.daily == 0:
            continue  # neither stocked nor selling: nothing to plan
        supplier = skus[code].product.supplier
        lead = supplier.lead_time_days if supplier else DEFAULT_LEAD_DAYS
        incoming = ordered.get(code, 0)
        cover = None
        stockout = None
        if f.daily > 0:
            cover = (Decimal(max(available, 0)) / f.daily).quantize(Decimal("0.1"))
            stockout = today + timedelta(days=int(cover))
        point = math.ceil(f.daily * lead) + safety
        position = available + incoming
        suggested = 0
        if f.daily > 0 and position <= point:
            need = f.daily * (lead + REVIEW_DAYS) + safety - position
            suggested = max(0, int(need.to_integral_value(rounding=ROUND_HALF_UP)))
        review = suggested > 0 and suggested > REVIEW_MULTIPLE * f.largest_30
        out.append(
            Suggestion(
                review=review,
                largest_30=f.largest_30,
                excluded=list(f.excluded),
                accuracy=f.accuracy,
                sku=code,
                name=f.name,
                model=f.model,
                daily=f.daily,
                available=available,
                on_order=incoming,
                safety=safety,
                lead_days=lead,
                days_of_cover=cover,
                stockout_on=stockout,
                reorder_point=point,
                suggested=suggested,
                supplier_id=supplier.pk if supplier else None,
            )
        )
    # Most urgent first: no cover soonest, then the biggest orders.
    out.sort(key=lambda s: (s.days_of_cover is None, s.days_of_cover or 0, -s.suggested))
    return out


@dataclass
class Readiness:
    sku: str
    name: str
    expected: Decimal  # units expected over the campaign days
    needed: int  # READINESS_FACTOR × expected, rounded up
    available: int
    arriving: int  # on order and expected before the campaign starts
    short: int
    ready: bool


def readiness(store, sku_codes, start: date, end: date, uplift: Decimal = Decimal(1), *, fc=None):
    """秒杀/活动备货检查: each campaign SKU's stock against 1.2 × its forecast demand over the
    campaign days, the forecast multiplied by the expected uplift of the campaign."""
    fc = forecast(store) if fc is None else fc
    stock = _stock(store)
    days = (end - start).days + 1
    arriving: dict[str, int] = {}
    for code, n, expected in PurchaseOrderLine.objects.filter(
        store=store,
        sku__code__in=sku_codes,
        order__status__in=(PurchaseStatus.ORDERED, PurchaseStatus.PARTIAL),
    ).values_list("sku__code", F("quantity") - F("received"), "order__expected_at"):
        if expected is not None and expected < start:
            arriving[code] = arriving.get(code, 0) + n
    out = []
    for code in sku_codes:
        f = fc.get(code)
        if f is None:
            continue
        expected = (f.daily * days * uplift).quantize(Decimal("0.1"))
        needed = math.ceil(expected * READINESS_FACTOR)
        available = stock.get(code, (0, 0))[0]
        have = available + arriving.get(code, 0)
        out.append(
            Readiness(
                sku=code,
                name=f.name,
                expected=expected,
                needed=needed,
                available=available,
                arriving=arriving.get(code, 0),
                short=max(needed - have, 0),
                ready=have >= needed,
            )
        )
    return out


MODEL_LABELS = {
    "ETS (weekly)": ("ETS（周季节）", "ETS (weekly)"),
    "ADIDA": ("ADIDA（间歇需求）", "ADIDA (intermittent)"),
    SHORT: ("历史太短", "history too short"),
    NAIVE: ("季节朴素（模型回测不如它）", "seasonal naive (the model lost the backtest)"),
    MANUAL: ("人工设定", "set by hand"),
    "none": ("无销售", "no sales"),
}


def explain(s: Suggestion, zh: bool = True) -> str:
    """Where a suggestion comes from, in one line: the daily demand and its source (model,
    window, what was left out), lead time, review period, safety stock, on hand and on
    order, then the quantity."""
    model = MODEL_LABELS.get(s.model, (s.model, s.model))[0 if zh else 1]
    left = len(s.excluded)
    if zh:
        source = f"日均 {s.daily}（{model}，近 {HISTORY_DAYS} 天" + (
            f"，剔除 {left} 笔订单行）" if left else "）"
        )
        if not s.suggested:
            why = "无需下单" if s.daily else "无预测需求，不建议下单"
            return f"{source}；{why}"
        text = (
            f"{source} × (提前期 {s.lead_days} + 复盘 {REVIEW_DAYS} 天) + 安全库存 {s.safety}"
            f" − 可用 {s.available} − 在途 {s.on_order} = {s.suggested}"
        )
        return text + ("；超过过去一年最大 30 天销量的 3 倍，请核对" if s.review else "")
    source = f"{s.daily}/day ({model}, last {HISTORY_DAYS} days" + (
        f", {left} order lines left out)" if left else ")"
    )
    if not s.suggested:
        return f"{source}; nothing to order" if s.daily else f"{source}; no demand forecast"
    text = (
        f"{source} × ({s.lead_days} lead + {REVIEW_DAYS} review days) + {s.safety} safety"
        f" − {s.available} available − {s.on_order} on order = {s.suggested}"
    )
    return text + ("; over 3x the year's largest 30 days: check" if s.review else "")
