"""Every decomposition of GMV's change adds up exactly to the change (issue 20): the
factors of each identity (traffic, buyers, orders), in exact fractions and in cents, and
the drivers along a dimension, for any two periods."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shopops.analytics.diagnosis import IDENTITIES, drivers, holds, split_gmv, to_cents

cents = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100)


@st.composite
def period(draw):
    orders = draw(st.integers(min_value=0, max_value=5000))
    buyers = draw(st.integers(min_value=1, max_value=orders)) if orders else 0
    visitors = draw(st.integers(min_value=0, max_value=10**6))
    gmv = draw(cents) if orders else Decimal(0)
    return {"gmv": gmv, "orders": orders, "buyers": buyers, "visitors": visitors}


@given(period(), period(), st.sampled_from(sorted(IDENTITIES)))
def test_factor_contributions_add_up_to_the_change(then, now, identity):
    if identity == "traffic" and not (then["visitors"] and now["visitors"]):
        return  # the traffic identity is used only with visitors on both sides
    if identity == "orders":  # no buyer ids: every order its own buyer
        then, now = {**then, "buyers": then["orders"]}, {**now, "buyers": now["orders"]}
    assert holds(then, identity) and holds(now, identity)
    parts, changes = split_gmv(now, then, identity)
    change = Fraction(now["gmv"]) - Fraction(then["gmv"])
    assert sum(parts.values(), Fraction(0)) == change
    shown = to_cents(parts, change)
    assert sum(shown.values(), Decimal(0)) == now["gmv"] - then["gmv"]
    assert set(changes) == set(IDENTITIES[identity])


@given(
    st.dictionaries(st.sampled_from("ABCDEFGHIJ"), cents, max_size=10),
    st.dictionaries(st.sampled_from("ABCDEFGHIJ"), cents, max_size=10),
)
def test_drivers_add_up_to_the_change(before, after):
    change = sum(after.values(), Decimal(0)) - sum(before.values(), Decimal(0))
    found = drivers(before, after, change)
    assert sum((e["contribution"] for e in found), Decimal(0)) == change
    named = [e for e in found if not e.get("other")]
    assert [abs(e["contribution"]) for e in named] == sorted(
        (abs(e["contribution"]) for e in named), reverse=True
    )
