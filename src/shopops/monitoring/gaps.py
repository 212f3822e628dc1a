"""A day's gap to its target, explained: GMV's split by the factors of its identity
(visitors x conversion x AOV, or what the data has) against what the plan implies, where
the plan is the factors' own goals for the day, else the store's usual mix for that weekday
(its usual conversion and AOV, and the traffic the target needs at them)."""

from decimal import Decimal
from fractions import Fraction
from statistics import median

from shopops.analytics import display
from shopops.analytics.diagnosis import (
    FACTOR_LABELS,
    IDENTITIES,
    factor_values,
    holds,
    identity_for,
    shapley,
    to_cents,
)
from shopops.core.numbers import relative_change

# The goal metric of each factor (None: no catalog metric is that factor).
FACTOR_GOALS = {
    "traffic": {"visitors": "visitors", "cvr": "cvr", "aov": "aov"},
    "buyers": {"buyers": "buyers", "orders_per_buyer": None, "order_value": "order_value"},
    "orders": {"orders": "orders", "aov": "order_value"},
}
RESIDUAL_SHOWN = Decimal("0.01")  # factor goals that miss the GMV goal by 1% or more say so


def plan_factors(identity: str, target, goals: dict, history: list[dict]) -> dict | None:
    """{factor: (value the plan implies, basis)}: a factor's own goal ("goal"), else its
    median over the same weekday of the last weeks ("usual"); the count (the first factor)
    without a goal is what the target needs at the others ("needed"). None when the usual
    mix is unknown."""
    names = IDENTITIES[identity]
    usual = {}
    past = [factor_values(r, identity) for r in history if r.get("gmv") is not None]
    for name in names:
        values = [p[name] for p in past if p[name]]
        usual[name] = Fraction(median(values)) if len(values) >= 3 else None
    out = {}
    for name in names[1:]:
        key = FACTOR_GOALS[identity][name]
        if key and goals.get(key):
            out[name] = (Fraction(Decimal(goals[key])), "goal")
        elif usual[name]:
            out[name] = (usual[name], "usual")
        else:
            return None
    count = FACTOR_GOALS[identity][names[0]]
    if count and goals.get(count):
        out = {names[0]: (Fraction(Decimal(goals[count])), "goal"), **out}
    else:
        rest = Fraction(1)
        for value, _ in out.values():
            rest *= value
        out = {names[0]: (Fraction(Decimal(target)) / rest, "needed"), **out}
    return out


def explain_gmv_gap(row: dict, target, goals: dict, history: list[dict], buyer_ids: bool,
                    currency: str | None) -> dict:  # fmt: skip
    """The gap of the day's GMV (`row`: gmv, visitors, buyers, orders) to `target`, split by
    factor against the plan (`plan_factors`); the contributions and the rest (factor goals
    that do not multiply to the GMV goal) add up to the gap to the cent."""
    gmv, target = Decimal(row["gmv"] or 0), Decimal(target)
    gap = gmv - target
    identity = identity_for(row, row, buyer_ids)
    if not holds(row, identity):
        identity = "orders"
    plan = plan_factors(identity, target, goals, history)
    out = {
        "base": "target",
        "target": target,
        "actual": gmv,
        "gap": gap,
        "gap_share": relative_change(gmv, target),
        "identity": identity,
        "plan": None,
        "contributions": None,
        "rest": None,
    }
    if plan:
        now = factor_values(row, identity)
        planned = {k: v for k, (v, _) in plan.items()}
        parts = shapley(planned, now)
        product = Fraction(1)
        for value in planned.values():
            product *= value
        rest = product - Fraction(target)
        cents = to_cents({**parts, "rest": rest}, Fraction(gmv) - Fraction(target))
        out["rest"] = cents.pop("rest")
        out["contributions"] = cents
        out["plan"] = {
            k: {
                "value": Decimal(v.numerator) / Decimal(v.denominator),
                "basis": basis,
                "actual": Decimal(now[k].numerator) / Decimal(now[k].denominator),
                "change": relative_change(now[k], v),
            }
            for k, (v, basis) in plan.items()
        }
    out["zh"], out["en"] = _sentence(out, currency)
    return out


BASIS = {
    "goal": ("较目标", "vs its goal"),
    "usual": ("较同日常态", "vs the usual weekday"),
    "needed": ("较所需", "vs what the target needs"),
}


def _factor_text(name: str, value, currency=None) -> str:
    if name == "cvr":
        return display.percent(value)
    if name in ("aov", "order_value"):
        return display.shown(value, "money", False, currency)
    if name == "orders_per_buyer":
        return f"{Decimal(value):.2f}"
    return f"{Decimal(value):,.0f}"


def _sentence(out: dict, currency) -> tuple[str, str]:
    gap = display.shown(abs(out["gap"]), "money", False, currency)
    sign = "+" if out["gap"] >= 0 else "-"
    zh = f"距目标 {sign}{gap}（{display.change(out['gap_share'])}）"
    en = f"{sign}{gap} ({display.change(out['gap_share'])}) against the target"
    if not out["plan"]:
        return zh, en
    parts_zh, parts_en, needed = [], [], None
    for name, p in out["plan"].items():
        label_zh, label_en = FACTOR_LABELS[name]
        basis_zh, basis_en = BASIS[p["basis"]]
        money = out["contributions"][name]
        amount = ("+" if money >= 0 else "-") + display.shown(abs(money), "money", False, currency)
        moved = display.change(p["change"])
        parts_zh.append(f"{label_zh}{basis_zh} {moved}（{amount}）")
        parts_en.append(f"{label_en} {moved} {basis_en} ({amount})")
        if p["basis"] == "needed":
            needed = name
    zh += "：" + "，".join(parts_zh)
    en += ": " + ", ".join(parts_en)
    if needed:
        others = [(n, p) for n, p in out["plan"].items() if n != needed]
        label_zh, label_en = FACTOR_LABELS[needed]
        value = _factor_text(needed, out["plan"][needed]["value"])
        mixed = len({p["basis"] for _, p in others}) > 1
        basis_of = {"usual": ("同日常态", "the usual"), "goal": ("目标", "the goal")}

        def named(n, p, lang):
            label = FACTOR_LABELS[n][lang]
            shown = _factor_text(n, p["value"], currency)
            if lang == 0:
                return f"{basis_of[p['basis']][0] if mixed else ''}{label} {shown}"
            return f"{basis_of[p['basis']][1] + ' ' if mixed else ''}{label} {shown}"

        common = basis_of[others[0][1]["basis"]] if others and not mixed else ("", "")
        zh += (
            f"；按{common[0]}{'的' if common[0] else ''}"
            + "、".join(named(n, p, 0) for n, p in others)
            + f"，目标需{label_zh} {value}"
        )
        en += (
            f"; at {common[1] + ' ' if common[1] else ''}"
            + " and ".join(named(n, p, 1) for n, p in others)
            + f", the target needs {value} {label_en}"
        )
    rest = out["rest"]
    if rest and abs(rest) >= abs(out["target"]) * RESIDUAL_SHOWN:
        amount = display.shown(abs(rest), "money", False, currency)
        side_zh, side_en = ("高", "over") if rest > 0 else ("低", "under")
        zh += f"；分项目标相乘比销售额目标{side_zh} {amount}"
        en += f"; the factor goals multiply to {amount} {side_en} the GMV goal"
    return zh, en


def gap_text(key: str, actual, target, currency) -> tuple[str, str]:
    """A metric's gap to its target in words: 距目标 -12.0%（目标 5,400，实际 4,750）."""
    moved = display.change(relative_change(actual, target))
    shown_target = display.metric_shown(target, key, currency)
    shown_actual = display.metric_shown(actual, key, currency)
    return (
        f"距目标 {moved}（目标 {shown_target}，实际 {shown_actual}）",
        f"{moved} against the target ({shown_target}, actual {shown_actual})",
    )
