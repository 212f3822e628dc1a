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
from shopops.core.numbers import relative_change, round_parts


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


@dataclass
class Factors:
    """GMV = visitors x conversion x AOV of one period, in exact fractions."""

    gmv: Fraction
    visitors: Fraction
    cvr: Fraction
    aov: Fraction

    @classmethod
    def of(cls, gmv, visitors, buyers) -> "Factors | None":
        """None without visitors: the identity needs traffic facts for the period."""
        gmv, visitors, buyers = _fraction(gmv), Fraction(int(visitors)), Fraction(int(buyers))
        if not visitors:
            return None
        cvr = buyers / visitors
        aov = gmv / buyers if buyers else Fraction(0)
        return cls(gmv, visitors, cvr, aov)


def decompose_gmv(before: Factors, after: Factors) -> dict:
    """{factor: contribution to the GMV change (exact)}, adding up to after.gmv - before.gmv."""
    keys = ("visitors", "cvr", "aov")
    return shapley({k: getattr(before, k) for k in keys}, {k: getattr(after, k) for k in keys})


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


def weekday_spread(series: dict, day, weeks: int) -> float | None:
    """The metric's ordinary day-to-day variation before `day`: over the `weeks` weeks before
    it, the median of |value / median of the other same-weekday values - 1|, all weekdays
    pooled (7 x weeks values, so steadier than one weekday's eight). `series` is {date:
    value}; None when too little is known."""
    from datetime import timedelta

    window = [day - timedelta(days=i) for i in range(1, 7 * weeks + 1)]
    residuals = []
    for x in window:
        value = series.get(x)
        same = [
            float(series[y])
            for y in window
            if y != x and y.weekday() == x.weekday() and series.get(y) is not None
        ]
        if value is None or len(same) < 3:
            continue
        mid = median(same)
        if mid:
            residuals.append(abs(float(value) / mid - 1))
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


def explain_gmv(store, day, base_day) -> dict:
    """GMV's change from base_day to day (each a day or a (start, end) pair): Shapley
    contributions of visitors, conversion and AOV, the sources behind the visitors, the ad
    plans behind paid traffic, the categories and provinces behind the sales; and the
    sentence in 中文 and English."""
    from shopops.analytics.queries import metrics

    keys = ["gmv", "visitors", "buyers", "cvr", "aov"]
    (now,) = metrics(keys, store, *span(day), "none")
    (then,) = metrics(keys, store, *span(base_day), "none")
    out = {
        "metric": "gmv",
        "day": _label(day),
        "base_day": _label(base_day),
        "change": relative_change(now["gmv"], then["gmv"]),
        "before": then["gmv"],
        "after": now["gmv"],
        "contributions": None,
        "drill_down": [],
    }
    a = Factors.of(then["gmv"], then["visitors"], then["buyers"])
    b = Factors.of(now["gmv"], now["visitors"], now["buyers"])
    factor_changes = {}
    if a and b:
        parts = decompose_gmv(a, b)
        out["contributions"] = to_cents(parts, b.gmv - a.gmv)
        factor_changes = {
            "visitors": relative_change(b.visitors, a.visitors),
            "cvr": relative_change(b.cvr, a.cvr),
            "aov": relative_change(b.aov, a.aov),
        }
    out["factor_changes"] = factor_changes
    drills = {}
    # Visitors split by source, additively: the sources' changes add up to the visitors'.
    before_sources = by_dimension(store, "visitors", "source", base_day)
    after_sources = by_dimension(store, "visitors", "source", day)
    out["visitor_sources"] = {
        source: int(after_sources.get(source, 0)) - int(before_sources.get(source, 0))
        for source in sorted(set(before_sources) | set(after_sources))
    }
    drills["visitors:source"] = (before_sources, after_sources)
    for metric, dimension in [("ad_cost", "plan"), *SALES_DRILLS]:
        drills[f"{metric}:{dimension}"] = (
            by_dimension(store, metric, dimension, base_day),
            by_dimension(store, metric, dimension, day),
        )
    out["drill_down"] = _drill_json(drill_down(drills))
    out["zh"], out["en"] = _sentence(out)
    return out


def _sentence(result: dict) -> tuple[str, str]:
    """e.g. 销售额环比 -12.3%：访客数 -15.1%（付费流量 -38.0%，计划「春季上新」花费 -100.0%），
    转化率 +2.0%，客单价 +1.1%"""
    changes = result["factor_changes"]
    drills = {d["dimension"]: d["elements"] for d in result["drill_down"]}
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
    head_zh = f"销售额环比 {display.change(result['change'])}"
    head_en = f"GMV {display.change(result['change'])} vs {result['base_day']}"
    if not changes:
        return head_zh + "（无访客数据，无法分解）", head_en + " (no traffic data to decompose)"
    visitors_zh = f"访客数 {display.change(changes['visitors'])}"
    visitors_en = f"visitors {display.change(changes['visitors'])}"
    if causes_zh:
        visitors_zh += "（" + "，".join(causes_zh) + "）"
        visitors_en += " (" + ", ".join(causes_en) + ")"
    cvr, aov = display.change(changes["cvr"]), display.change(changes["aov"])
    zh = f"{head_zh}：{visitors_zh}，转化率 {cvr}，客单价 {aov}"
    en = f"{head_en}: {visitors_en}, conversion {cvr}, AOV {aov}"
    for key in ("gmv:category", "gmv:province"):
        for e in drills.get(key, [])[:1]:
            zh += f"；{e['element']} {display.change(e['change'])}"
            en += f"; {e['element']} {display.change(e['change'])}"
    return zh, en


def as_json(value):
    """A diagnosis with exact decimals as strings, ready for JSON."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
