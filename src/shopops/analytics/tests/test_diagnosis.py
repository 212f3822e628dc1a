"""Decomposition adds up exactly; the drill-down finds the injected cause; a regular weekly
dip is no anomaly."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shopops.analytics.diagnosis import (
    attribute,
    drill_down,
    robust_score,
    shapley,
    split_gmv,
    to_cents,
)


def period(gmv, visitors, buyers) -> dict:
    return {"gmv": gmv, "visitors": visitors, "buyers": buyers, "orders": buyers}


def test_shapley_of_two_factors_is_the_textbook_split():
    # 10 x 5 -> 12 x 4: change -2; x: (2)(5+4)/2 = 9, y: (-1)(10+12)/2 = -11.
    parts = shapley({"x": 10, "y": 5}, {"x": 12, "y": 4})
    assert parts == {"x": Fraction(9), "y": Fraction(-11)}


def test_gmv_split_with_zero_and_negative_changes():
    before = period(Decimal("1000.00"), 100, 10)  # cvr 0.1, aov 100
    after = period(Decimal("0"), 80, 0)  # nobody bought: cvr 0, aov 0
    parts, _changes = split_gmv(after, before, "traffic")
    assert sum(parts.values()) == after["gmv"] - before["gmv"] == -1000
    cents = to_cents(parts, Fraction(after["gmv"] - before["gmv"]))
    assert sum(cents.values()) == Decimal("-1000.00")
    assert cents["visitors"] < 0 and cents["cvr"] < 0


money = st.decimals(min_value=0, max_value=10**6, places=2)
counts = st.integers(min_value=1, max_value=10**5)


@given(money, counts, st.integers(0, 10**4), money, counts, st.integers(0, 10**4))
def test_contributions_add_up_exactly_to_the_change(g1, v1, b1, g2, v2, b2):
    g1 = g1 if b1 else Decimal(0)  # no buyers, no sales
    g2 = g2 if b2 else Decimal(0)
    parts, _changes = split_gmv(period(g2, v2, b2), period(g1, v1, b1), "traffic")
    assert sum(parts.values()) == Fraction(g2) - Fraction(g1)
    cents = to_cents(parts, Fraction(g2) - Fraction(g1))
    assert sum(cents.values()) == (g2 - g1).quantize(Decimal("0.01"))


def test_adtributor_finds_the_collapsed_source_and_plan():
    # Paid traffic collapses; the other sources are as usual.
    sources = (
        {"natural_search": 5000, "paid": 3000, "campaign": 500, "member": 800},
        {"natural_search": 5050, "paid": 300, "campaign": 490, "member": 810},
    )
    plans = ({"春季上新": 2400, "爆款": 600}, {"春季上新": 0, "爆款": 590})
    provinces = ({"浙江": 4000, "广东": 5300}, {"浙江": 2800, "广东": 3850})
    ranked = drill_down({"source": sources, "plan": plans, "province": provinces})
    top = {d: [s.element for s in chosen] for d, _, chosen in ranked}
    assert top["source"] == ["paid"]
    assert top["plan"] == ["春季上新"]
    # Both provinces fell in proportion: no surprise there, so it ranks last.
    assert ranked[-1][0] == "province"
    assert ranked[0][0] in {"source", "plan"}


def test_nothing_changed_nothing_attributed():
    assert attribute("source", {"paid": 10}, {"paid": 10}) == (0.0, [])


def test_a_regular_monday_dip_is_no_anomaly_but_a_collapse_is():
    mondays = [7000, 7200, 6900, 7100, 7050]  # every Monday is lower than the week
    assert abs(robust_score(6950, mondays)) < 3.5
    assert robust_score(3000, mondays) < -3.5
    assert robust_score(6950, [7000, 7100]) is None  # too little history to judge


@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=4),
    st.lists(st.integers(-1000, 1000), min_size=4, max_size=4),
)
def test_shapley_adds_up_with_negative_and_zero_factors(before, after):
    names = [f"f{i}" for i in range(len(before))]
    a = dict(zip(names, before, strict=True))
    b = dict(zip(names, after[: len(names)], strict=True))
    parts = shapley(a, b)

    def product(values):
        out = Fraction(1)
        for v in values:
            out *= v
        return out

    assert sum(parts.values()) == product(b.values()) - product(a.values())
