"""Why a number moved: factor decomposition, dimension drill-down and anomaly baselines.

Factor decomposition uses the Shapley value: the change of a product of factors is split
into one contribution per factor, averaging each factor's marginal effect over every order
in which the factors could change. Unlike a log (LMDI) split it is defined when a factor is
zero or changes sign, and computed in exact fractions its contributions add up exactly to
the total change. Rounded to cents by the largest remainder (`core.numbers`), the shown
parts still add up to the shown total.

The drill-down follows Adtributor (Bhagwan et al., NSDI 2014): for each dimension, the
elements are ranked by surprise (Jensen-Shannon divergence between their expected and
actual shares) and taken until they explain most of the change (explanatory power); the
dimensions are ranked by the surprise of what they selected.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from math import factorial
from statistics import median

from shopops.analytics import display
from shopops.core.numbers import ratio, relative_change, round_parts


def _fraction(value) -> Fraction:
    return Fraction(Decimal(value)) if not isinstance(value, Fraction) else value


def shapley(before: dict, after: dict) -> dict[str, Fraction]:
    """Exact contributions of each factor to the change of their product."""
    names = list(before)
    a = {k: _fraction(before[k]) for k in names}
    b = {k: _fraction(after[k]) for k in names}
    n = len(names)

    def product(changed: frozenset) -> Fraction:
        out = Fraction(1)
        for k in names:
            out *= b[k] if k in changed else a[k]
        return out

    out = {}
    for name in names:
        others = [k for k in names if k != name]
        total = Fraction(0)
        for size in range(n):
            weight = Fraction(factorial(size) * factorial(n - size - 1), factorial(n))
            for subset in combinations(others, size):
                s = frozenset(subset)
                total += weight * (product(s | {name}) - product(s))
        out[name] = total
    return out


def to_cents(parts: dict[str, Fraction], total: Fraction) -> dict[str, Decimal]:
    """Contributions in cents whose sum is the total rounded half-up to cents exactly, by the
    largest remainder (`numbers.round_parts`); `total` is the exact sum of the parts."""
    if sum(parts.values(), Fraction(0)) != total:
        raise ValueError("the contributions do not add up to the total")
    return dict(zip(parts, round_parts(parts.values()), strict=True))


# --- Adtributor ---------------------------------------------------------------------------

EP_ELEMENT = 0.1  # an element must explain at least this share of the change
EP_SET = 0.67  # stop once the chosen elements explain this much


def _js(p: float, q: float) -> float:
    """One element's term of the Jensen-Shannon divergence between shares p and q."""
    m = (p + q) / 2
    out = 0.0
    if p > 0:
        out += 0.5 * p * math.log(p / m)
    if q > 0:
        out += 0.5 * q * math.log(q / m)
    return out


@dataclass
class Slice:
    dimension: str
    element: str
    expected: Decimal
    actual: Decimal
    explanatory_power: float
    surprise: float


def attribute(dimension: str, expected: dict, actual: dict) -> tuple[float, list[Slice]]:
    """(the dimension's surprise, the smallest set of its elements explaining the change)."""
    keys = set(expected) | set(actual)
    e = {k: Decimal(expected.get(k) or 0) for k in keys}
    a = {k: Decimal(actual.get(k) or 0) for k in keys}
    total_e, total_a = sum(e.values(), Decimal(0)), sum(a.values(), Decimal(0))
    change = total_a - total_e
    if not change:
        return 0.0, []
    slices = []
    for k in keys:
        p = float(e[k] / total_e) if total_e else 0.0
        q = float(a[k] / total_a) if total_a else 0.0
        slices.append(Slice(dimension, k, e[k], a[k], float((a[k] - e[k]) / change), _js(p, q)))
    slices.sort(key=lambda s: (-s.surprise, -abs(s.explanatory_power), s.element))
    chosen, explained = [], 0.0
    for s in slices:
        if s.explanatory_power >= EP_ELEMENT:
            chosen.append(s)
            explained += s.explanatory_power
            if explained >= EP_SET:
                break
    if explained < EP_SET:
        return 0.0, []
    return sum(s.surprise for s in chosen), chosen


def drill_down(by_dimension: dict[str, tuple[dict, dict]]) -> list[tuple[str, float, list]]:
    """Dimensions ranked by surprise, each with its explaining elements."""
    ranked = []
    for dimension, (expected, actual) in by_dimension.items():
        surprise, chosen = attribute(dimension, expected, actual)
        if chosen:
            ranked.append((dimension, surprise, chosen))
    ranked.sort(key=lambda r: -r[1])
    return ranked


# --- Anomaly baseline ---------------------------------------------------------------------

ROBUST_Z = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
# The least spread the baseline assumes, as a share of its median, when neither the same
# weekday's history nor the store's ordinary day-to-day variation says more: 0.5%.
MIN_SPREAD = 0.005


def robust_score(value, history: list, spread: float | None = None) -> float | None:
    """Modified z-score of `value` against the same weekday of recent weeks (median, MAD);
    None with fewer than three past values. The MAD is at least `spread` (the store's usual
    relative variation, `weekday_spread`) times the median: eight values of one weekday can
    happen to agree closely, and a fixed floor (it was 5%) hid any move under about 26%."""
    past = [float(h) for h in history if h is not None]
    if len(past) < 3 or value is None:
        return None
    mid = median(past)
    mad = median(abs(h - mid) for h in past)
    mad = max(mad, abs(mid) * max(spread or 0.0, MIN_SPREAD), 1e-9)
    return 0.6745 * (float(value) - mid) / mad


LEVEL_DAYS = 7  # the recent level: the week before the day


def recent_level(series: dict, day, weeks: int) -> float:
    """Where the metric has run lately against its same-weekday medians of the `weeks` weeks
    before `day`: the median of value / median over its last LEVEL_DAYS known days (a week,
    unless days were left out: after an event's window, the days before it; 1.0 when fewer
    than three are known). The eight-week median lags a store that grows or
    shrinks by four weeks; the day is tested against that median times this level, so a
    drift is not a new anomaly every day and a spike still is. A shift that lasts is flagged
    until it is most of the week (its first three or four days)."""
    ratios = []
    for ratio_of_day in _vs_same_weekday(series, day, weeks):
        if ratio_of_day is not None:
            ratios.append(ratio_of_day)
            if len(ratios) == LEVEL_DAYS:
                break
    return median(ratios) if len(ratios) >= 3 else 1.0


def weekday_test(series: dict, day, value, weeks: int) -> tuple[float | None, float]:
    """(robust score, recent level) of `value` on `day` against the same weekday of the
    `weeks` weeks before it, at the store's recent level, with the MAD floored by the
    store's day-to-day spread: the daily report's statistical test, and the alerts'.
    `series` is {date: value} with the days a baseline leaves out already removed."""
    from datetime import timedelta

    history = [series.get(day - timedelta(weeks=k)) for k in range(1, weeks + 1)]
    level = recent_level(series, day, weeks)
    score = robust_score(float(value) / level, history, weekday_spread(series, day, weeks))
    return score, level


def _vs_same_weekday(series: dict, day, weeks: int):
    """For each day of the `weeks` weeks before `day`, newest first: its value / the median
    of the other same-weekday values of those weeks (None when it or they are not known)."""
    from datetime import timedelta

    window = [day - timedelta(days=i) for i in range(1, 7 * weeks + 1)]
    for x in window:
        value = series.get(x)
        same = [
            float(series[y])
            for y in window
            if y != x and y.weekday() == x.weekday() and series.get(y) is not None
        ]
        mid = median(same) if len(same) >= 3 else None
        yield float(value) / mid if value is not None and mid else None


def weekday_spread(series: dict, day, weeks: int) -> float | None:
    """The metric's ordinary day-to-day variation before `day`: over the `weeks` weeks before
    it, the median of |value / median of the other same-weekday values - 1|, all weekdays
    pooled (7 x weeks values, so steadier than one weekday's eight). `series` is {date:
    value}; None when too little is known."""
    residuals = [abs(r - 1) for r in _vs_same_weekday(series, day, weeks) if r is not None]
    return median(residuals) if len(residuals) >= 7 else None


# --- Explaining a change in words ---------------------------------------------------------

SOURCE_LABELS = {
    "natural_search": ("自然搜索", "natural search"),
    "paid": ("付费流量", "paid traffic"),
    "campaign": ("活动流量", "campaign traffic"),
    "member": ("会员流量", "member traffic"),
    "other": ("其他流量", "other traffic"),
}
# Where the cause of a sales move is looked for besides traffic and ads.
SALES_DRILLS = [("gmv", "category"), ("gmv", "province")]


def span(period) -> tuple:
    """A day, or a (first day, last day) pair, as a (start, end) pair."""
    return tuple(period) if isinstance(period, list | tuple) else (period, period)


def _label(period) -> str:
    start, end = span(period)
    return start.isoformat() if start == end else f"{start.isoformat()}…{end.isoformat()}"


def by_dimension(store, metric: str, dimension: str, period) -> dict:
    from shopops.analytics.queries import metrics

    rows = metrics([metric], store, *span(period), "none", dims=[dimension])
    return {r[dimension]: r[metric] or 0 for r in rows if r[metric] is not None}


# Dimensions along which each additive metric is worth drilling into.
METRIC_DRILLS = {
    "gmv": ["category", "province", "channel"],
    "orders": ["category", "province", "channel"],
    "units": ["category", "sku"],
    "line_gmv": ["category", "sku"],
    "refunds": ["province", "channel"],
    "visitors": ["source"],
    "page_views": ["source"],
    "impressions": ["source"],
    "clicks": ["source"],
    "ad_cost": ["plan", "ad_channel"],
    "ad_clicks": ["plan", "ad_channel"],
    "ad_impressions": ["plan", "ad_channel"],
    "ad_gmv": ["plan", "ad_channel"],
}


def explain(store, metric: str, now, then) -> dict:
    """Why `metric` moved between two periods (each a day or a (start, end) pair): for GMV
    the factor decomposition and drill-down of `explain_gmv`; for another metric its change
    and the drill-down along the dimensions where it adds up."""
    from shopops.analytics.catalog import lookup
    from shopops.analytics.queries import metrics

    if metric == "gmv":
        return explain_gmv(store, now, then)
    label = lookup(metric)
    (a,) = metrics([metric], store, *span(then), "none")
    (b,) = metrics([metric], store, *span(now), "none")
    ranked = drill_down(
        {
            f"{metric}:{d}": (
                by_dimension(store, metric, d, then),
                by_dimension(store, metric, d, now),
            )
            for d in METRIC_DRILLS.get(metric, [])
        }
    )
    change = relative_change(b[metric], a[metric]) if None not in (a[metric], b[metric]) else None
    out = {
        "metric": metric,
        "day": _label(now),
        "base_day": _label(then),
        "change": change,
        "before": a[metric],
        "after": b[metric],
        "drill_down": _drill_json(ranked),
    }
    zh = f"{label.zh} {display.change(change)}（对比 {out['base_day']}）"
    en = f"{label.en} {display.change(change)} vs {out['base_day']}"
    for d in out["drill_down"][:1]:
        for e in d["elements"][:2]:
            zh += f"；{e['element']} {display.change(e['change'])}"
            en += f"; {e['element']} {display.change(e['change'])}"
    out["zh"], out["en"] = zh, en
    return out


def _drill_json(ranked) -> list[dict]:
    return [
        {
            "dimension": name,
            "surprise": round(surprise, 6),
            "elements": [
                {
                    "element": s.element,
                    "before": s.expected,
                    "after": s.actual,
                    "change": relative_change(s.actual, s.expected),
                    "explanatory_power": round(s.explanatory_power, 4),
                }
                for s in chosen
            ],
        }
        for name, surprise, chosen in ranked
    ]


# The identities GMV is split by, by what the data has: with traffic, visitors x conversion
# x AOV; with buyer ids but no traffic, buyers x orders per buyer x order value; with neither,
# orders x AOV (each order is its own buyer, so AOV is the order value).
IDENTITIES = {
    "traffic": ("visitors", "cvr", "aov"),
    "buyers": ("buyers", "orders_per_buyer", "order_value"),
    "orders": ("orders", "aov"),
}
FACTOR_LABELS = {
    "visitors": ("访客数", "visitors"),
    "cvr": ("转化率", "conversion"),
    "aov": ("客单价", "AOV"),
    "buyers": ("支付买家数", "buyers"),
    "orders_per_buyer": ("人均订单数", "orders per buyer"),
    "order_value": ("笔单价", "order value"),
    "orders": ("支付订单数", "orders"),
}
# Dimensions GMV is split along, additively (each element's change; they add up to GMV's
# change). Category and SKU come from the order lines, kept only where the lines' GMV is
# the orders' GMV (every order's lines imported).
DRIVER_DIMENSIONS = ("province", "channel", "category", "sku")
LINE_DIMENSIONS = frozenset({"category", "sku"})
DRIVERS_SHOWN = 5
DRIVER_SHARE = Decimal("0.1")  # a slice named in a sentence is at least this of the rise or fall


def factor_values(row: dict, identity: str) -> dict[str, Fraction]:
    """The factors of one period's GMV under `identity`, exact; a factor over nothing is 0
    (a period without buyers has no AOV, and contributes its whole GMV through the count)."""
    gmv = _fraction(row["gmv"] or 0)
    visitors, buyers, orders = (
        Fraction(int(row.get(k) or 0)) for k in ("visitors", "buyers", "orders")
    )

    def per(a, b) -> Fraction:
        return a / b if b else Fraction(0)

    values = {
        "visitors": visitors,
        "cvr": per(buyers, visitors),
        "aov": per(gmv, buyers if identity != "orders" else orders),
        "buyers": buyers,
        "orders_per_buyer": per(orders, buyers),
        "order_value": per(gmv, orders),
        "orders": orders,
    }
    return {k: values[k] for k in IDENTITIES[identity]}


def identity_for(now: dict, then: dict, buyer_ids: bool) -> str:
    if now.get("visitors") and then.get("visitors"):
        return "traffic"
    return "buyers" if buyer_ids else "orders"


def holds(row: dict, identity: str) -> bool:
    """Whether the identity's factors multiply to the period's GMV (not when, say, a period
    has GMV but no buyer counted)."""
    product = Fraction(1)
    for value in factor_values(row, identity).values():
        product *= value
    return product == _fraction(row["gmv"] or 0)


def split_gmv(now: dict, then: dict, identity: str) -> tuple[dict, dict]:
    """(contributions of each factor to GMV's change, in exact fractions adding up to it;
    each factor's relative change)."""
    a, b = factor_values(then, identity), factor_values(now, identity)
    parts = shapley(a, b)
    return parts, {k: relative_change(b[k], a[k]) for k in a}


def drivers(before: dict, after: dict, change: Decimal) -> list[dict]:
    """The elements with the largest contributions (after - before) to `change`, largest
    first, and the rest as one "其他" element: they add up to the change exactly. `share` is
    of the net change (past 100% when others went against it); `side_share`, of an element
    that moved with the change, is of the sum of all such moves (of the rise, or the fall),
    so at most 100%: what the sentences show."""
    keys = set(before) | set(after)
    deltas = {k: Decimal(after.get(k) or 0) - Decimal(before.get(k) or 0) for k in keys}
    side = sum((d for d in deltas.values() if change and (d > 0) == (change > 0)), Decimal(0))

    def side_share(delta):
        return ratio(delta, side) if change and delta and (delta > 0) == (change > 0) else None

    ranked = sorted(deltas, key=lambda k: (-abs(deltas[k]), str(k)))
    shown = [k for k in ranked if deltas[k]][:DRIVERS_SHOWN]
    out = [
        {
            "element": k,
            "before": Decimal(before.get(k) or 0),
            "after": Decimal(after.get(k) or 0),
            "contribution": deltas[k],
            "share": ratio(deltas[k], change) if change else None,
            "side_share": side_share(deltas[k]),
            "change": relative_change(after.get(k) or 0, before.get(k) or 0),
        }
        for k in shown
    ]
    rest = sum((deltas[k] for k in ranked if k not in shown), Decimal(0))
    if rest:
        out.append(
            {
                "element": "",
                "other": True,
                "before": sum(
                    (Decimal(before.get(k) or 0) for k in keys if k not in shown), Decimal(0)
                ),
                "after": sum(
                    (Decimal(after.get(k) or 0) for k in keys if k not in shown), Decimal(0)
                ),
                "contribution": rest,
                "share": ratio(rest, change) if change else None,
                "side_share": side_share(rest),
                "change": None,
            }
        )
    return out


def splits(store, day, base_day):
    """(metric, dimension) -> (base period's values by element, period's): each asked of
    the engine once, however many parts of an explanation read it."""
    found: dict[tuple[str, str], tuple[dict, dict]] = {}

    def split(metric: str, dimension: str) -> tuple[dict, dict]:
        if (metric, dimension) not in found:
            found[metric, dimension] = (
                by_dimension(store, metric, dimension, base_day),
                by_dimension(store, metric, dimension, day),
            )
        return found[metric, dimension]

    return split


def gmv_drivers(split, then_gmv, now_gmv) -> dict[str, list[dict]]:
    """{dimension: drivers} along each dimension the data carries (more than one element,
    or one that is named), whose elements add up to both periods' GMV. `split`: `splits`."""
    change = Decimal(now_gmv or 0) - Decimal(then_gmv or 0)
    out = {}
    for dimension in DRIVER_DIMENSIONS:
        metric = "line_gmv" if dimension in LINE_DIMENSIONS else "gmv"
        before, after = split(metric, dimension)
        named = {k for k in set(before) | set(after) if k not in ("", None)}
        if len(set(before) | set(after)) < 2 or not named:
            continue  # the data does not carry this dimension, or it says nothing
        sums = (sum(before.values(), Decimal(0)), sum(after.values(), Decimal(0)))
        if sums != (Decimal(then_gmv or 0), Decimal(now_gmv or 0)):
            continue  # lines missing for some orders: it would not add up
        out[dimension] = drivers(before, after, change)
    return out


def explain_gmv(store, day, base_day, compared: tuple[str, str] | None = None) -> dict:
    """GMV's change from base_day to day (each a day or a (start, end) pair), explained by
    what the store's data has: the Shapley contributions of the identity's factors
    (`IDENTITIES`), the additive drivers along each dimension the data carries, the largest
    order and buyer (flagged past the share limit), the sources behind the visitors and the
    ad plans behind paid traffic; and the sentence in 中文 and English. The report, the
    explain page and API, and the downloads all use this one function. `compared` names the
    base in the sentence (「较去年同期（2025-11-05）」) when it is not the day before."""
    from shopops.analytics.concentration import (
        buyer_groups,
        concentrated,
        has_buyer_ids,
        suspect_clusters,
        top_order_and_buyer,
    )
    from shopops.analytics.queries import metrics

    keys = ["gmv", "visitors", "buyers", "orders", "cvr", "aov"]
    (now,) = metrics(keys, store, *span(day), "none")
    (then,) = metrics(keys, store, *span(base_day), "none")
    change = Decimal(now["gmv"] or 0) - Decimal(then["gmv"] or 0)
    buyer_ids = has_buyer_ids(store, span(day)) or has_buyer_ids(store, span(base_day))
    identity = identity_for(now, then, buyer_ids)
    if not (holds(now, identity) and holds(then, identity)):
        identity = "orders"  # counts that do not multiply out (no buyers, yet GMV)
    out = {
        "metric": "gmv",
        "day": _label(day),
        "base_day": _label(base_day),
        "change": relative_change(now["gmv"], then["gmv"]),
        "before": then["gmv"],
        "after": now["gmv"],
        "identity": identity,
        "contributions": None,
        "drill_down": [],
        "compared": list(compared) if compared else None,
    }
    parts, factor_changes = split_gmv(now, then, identity)
    out["contributions"] = to_cents(parts, _fraction(change))
    out["factor_changes"] = factor_changes
    split = splits(store, day, base_day)
    out["drivers"] = gmv_drivers(split, then["gmv"], now["gmv"])
    if buyer_ids:  # new and returning buyers' contributions (guests apart)
        before, after = buyer_groups(store, span(base_day)), buyer_groups(store, span(day))
        out["drivers"]["buyer_type"] = drivers(before, after, change)
    found = top_order_and_buyer(store, span(day), now["gmv"], change)
    out["top_order"], out["top_buyer"] = found["order"], found["buyer"]
    out["concentrated"] = [kind for kind, _item in concentrated(found)]
    out["suspect"] = suspect_clusters(store, span(day))
    before_sources, after_sources = split("visitors", "source")
    out["visitor_sources"] = {
        source: int(after_sources.get(source, 0)) - int(before_sources.get(source, 0))
        for source in sorted(set(before_sources) | set(after_sources))
    }
    drills = {
        f"{metric}:{dimension}": split(metric, dimension)
        for metric, dimension in [("visitors", "source"), ("ad_cost", "plan"), *SALES_DRILLS]
    }
    out["drill_down"] = _drill_json(drill_down(drills))
    out["zh"], out["en"] = _sentence(out, store.currency)
    return out


BUYER_TYPES = {
    "new": ("新买家", "new buyers"),
    "returning": ("老买家", "returning buyers"),
    "guest": ("未识别买家", "guests"),
}


def element_label(dimension: str, element) -> tuple[str, str]:
    if dimension == "source":
        return SOURCE_LABELS.get(element, (element, element))
    if dimension == "buyer_type":
        return BUYER_TYPES.get(element, (element, element))
    return str(element) or "（空）", str(element) or "(blank)"


def _sentence(result: dict, currency: str | None = None) -> tuple[str, str]:
    """e.g. 销售额环比 +59.6%：支付订单数 +72.3%，客单价 -7.4%；贡献最大：广东省 +¥18,020.00
    （占增长 46.1%，+35.0%）、江苏省 …；最大单笔订单 …"""
    changes = result["factor_changes"]
    drills = {d["dimension"]: d["elements"] for d in result["drill_down"]}
    compared_zh, compared_en = result.get("compared") or ("环比", f"vs {result['base_day']}")
    head_zh = f"销售额{compared_zh} {display.change(result['change'])}"
    head_en = f"GMV {display.change(result['change'])} {compared_en}"
    factors_zh, factors_en = [], []
    for key in IDENTITIES[result["identity"]]:
        zh, en = FACTOR_LABELS[key]
        factors_zh.append(f"{zh} {display.change(changes[key])}")
        factors_en.append(f"{en} {display.change(changes[key])}")
    if result["identity"] == "traffic":
        causes_zh, causes_en = [], []
        for e in drills.get("visitors:source", [])[:2]:
            zh, en = SOURCE_LABELS.get(e["element"], (e["element"], e["element"]))
            causes_zh.append(f"{zh} {display.change(e['change'])}")
            causes_en.append(f"{en} {display.change(e['change'])}")
        for e in drills.get("ad_cost:plan", [])[:1]:
            if e["after"] == 0:
                causes_zh.append(f"计划「{e['element']}」花费降至 0")
                causes_en.append(f"plan “{e['element']}” spend fell to 0")
            else:
                causes_zh.append(f"计划「{e['element']}」花费 {display.change(e['change'])}")
                causes_en.append(f"plan “{e['element']}” spend {display.change(e['change'])}")
        if causes_zh:
            factors_zh[0] += "（" + "，".join(causes_zh) + "）"
            factors_en[0] += " (" + ", ".join(causes_en) + ")"
    zh = f"{head_zh}：" + "，".join(factors_zh)
    en = f"{head_en}: " + ", ".join(factors_en)
    named = _largest_drivers(result.get("drivers") or {})
    rise = Decimal(result["after"] or 0) >= Decimal(result["before"] or 0)
    if named:
        zh += "；贡献最大：" + "、".join(
            f"{element_label(d, e['element'])[0]} {_signed(e['contribution'], currency)}"
            f"（{side_text(e, rise)[0]}）"
            for d, e in named
        )
        en += "; largest contributions: " + ", ".join(
            f"{element_label(d, e['element'])[1]} {_signed(e['contribution'], currency)}"
            f" ({side_text(e, rise)[1]})"
            for d, e in named
        )
    else:
        broad = _broadest(result.get("drivers") or {})
        if broad:  # no slice is DRIVER_SHARE of the move: say it is spread out
            d, e = broad
            (dim_zh, dim_en), (name_zh, name_en) = (
                DIMENSION_LABELS[d],
                element_label(d, e["element"]),
            )
            side_zh, side_en = side_text(e, rise)
            zh += f"；变化分散：最大的{dim_zh}{name_zh}也只{side_zh.split('，')[0]}"
            en += (
                f"; a broad move: the largest {dim_en}, {name_en}, is only {side_en.split(',')[0]}"
            )
    for kind in result.get("concentrated") or []:
        item = result["top_order"] if kind == "order" else result["top_buyer"]
        of_change = item["share_of_change"]
        if kind == "order":
            zh += f"；单笔订单 {item['order_id']} 占销售额 {display.percent(item['share'])}"
            en += f"; one order, {item['order_id']}, is {display.percent(item['share'])} of GMV"
        else:
            zh += (
                f"；买家 {item['buyer']}（{item['orders']} 单）占销售额 "
                f"{display.percent(item['share'])}"
            )
            en += (
                f"; one buyer, {item['buyer']} ({item['orders']} orders), is "
                f"{display.percent(item['share'])} of GMV"
            )
        if of_change is not None:
            zh += f"、增长的 {display.percent(of_change)}"
            en += f" and {display.percent(of_change)} of the rise"
    for cluster in (result.get("suspect") or [])[:1]:
        ids = cluster["orders"]
        listed = "、".join(ids[:5]) + ("…" if len(ids) > 5 else "")
        by_zh = {"phone": "同一手机号", "address": "同一收货地址", "amount": "同一金额"}[
            cluster["by"]
        ]
        by_en = {"phone": "one phone", "address": "one address", "amount": "one amount"}[
            cluster["by"]
        ]
        zh += (
            f"；疑似刷单，请核查：{len(ids)} 笔新买家订单{by_zh}，"
            f"{cluster['first']}–{cluster['last']}（{listed}）"
        )
        en += (
            f"; possible fake orders to check: {len(ids)} orders of new buyers, {by_en}, "
            f"{cluster['first']}–{cluster['last']} ({', '.join(ids[:5])}"
            + ("…)" if len(ids) > 5 else ")")
        )
    return zh, en


def _signed(value, currency: str | None = None) -> str:
    value = Decimal(value)
    return ("+" if value >= 0 else "-") + display.shown(abs(value), "money", False, currency)


def side_text(element: dict, rise: bool) -> tuple[str, str]:
    """An element's share of the rise (or fall) and its own change: 占增长 46.1%，+35.0%."""
    share = display.percent(element["side_share"])
    moved = display.change(element["change"])
    side_zh, side_en = ("增长", "rise") if rise else ("下降", "fall")
    own_zh, own_en = (f"，{moved}", f", {moved}") if element.get("change") is not None else ("", "")
    return f"占{side_zh} {share}{own_zh}", f"{share} of the {side_en}{own_en}"


DIMENSION_LABELS = {
    "province": ("省份", "province"),
    "channel": ("渠道", "channel"),
    "category": ("类目", "category"),
    "sku": ("商品", "SKU"),
    "buyer_type": ("买家类型", "buyer type"),
}


def _broadest(by_dimension: dict) -> tuple[str, dict] | None:
    """The named element with the largest share of the move, over every dimension."""
    found = [
        (d, e)
        for d, elements in by_dimension.items()
        for e in elements
        if not e.get("other") and e.get("side_share") is not None and d in DIMENSION_LABELS
    ]
    return max(found, key=lambda x: Decimal(x[1]["side_share"]), default=None)


def _largest_drivers(by_dimension: dict) -> list[tuple[str, dict]]:
    """The two largest named contributions of the dimension whose two largest explain the
    most of the change, each at least DRIVER_SHARE of the rise (or fall): a tiny base's
    leap never leads."""
    best, best_share = [], Decimal(-1)
    for dimension, elements in by_dimension.items():
        # Drivers of the move, not the elements that went against it.
        named = [
            e
            for e in elements
            if not e.get("other") and Decimal(e.get("side_share") or 0) >= DRIVER_SHARE
        ][:2]
        share = sum((Decimal(e["side_share"]) for e in named), Decimal(0))
        if named and share > best_share:
            best, best_share = [(dimension, e) for e in named], share
    return best


def as_json(value):
    """A diagnosis with exact decimals as strings, ready for JSON."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
