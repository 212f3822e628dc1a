"""The number rules: splits add up exactly with the residue where the rule says, ratios and
changes are None without a denominator and rounded once, percentiles are nearest rank,
months clamp to the month's end."""

import calendar
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from math import floor

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shopops.core import numbers
from shopops.core.numbers import (
    CENT,
    add_months,
    percentile,
    ratio,
    relative_change,
    round_parts,
    split,
)

money = st.decimals(min_value=0, max_value=10**7, places=2)
signed_money = st.decimals(min_value=-(10**7), max_value=10**7, places=2)
weight = st.one_of(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.integers(min_value=0, max_value=10**6),
    st.fractions(min_value=0, max_value=10**3, max_denominator=997),
)
weights = st.lists(weight, min_size=1, max_size=12)


def _exact_shares(total, ws) -> list[Fraction]:
    """Brute force: the exact shares in cents, equal ones when the weights sum to zero."""
    fs = [Fraction(w) for w in ws]
    if sum(fs) <= 0:
        fs = [Fraction(1)] * len(fs)
    return [Fraction(total) * 100 * w / sum(fs) for w in fs]


def _assert_residue_rule(parts: list[Decimal], shares: list[Fraction]) -> None:
    """Each part is its share rounded down or one cent more; the cents more went to the
    largest remainders, ties to the earliest."""
    cents = [int(p * 100) for p in parts]
    floors = [floor(s) for s in shares]
    extra = [c - f for c, f in zip(cents, floors, strict=True)]
    assert set(extra) <= {0, 1}
    remainders = [s - f for s, f in zip(shares, floors, strict=True)]
    for i, got in enumerate(extra):
        for j, other in enumerate(extra):
            if got and not other:
                assert remainders[i] > remainders[j] or (
                    remainders[i] == remainders[j] and i < j
                ), (i, j, remainders)


# --- splitting ----------------------------------------------------------------------------


@given(money, weights)
def test_split_adds_up_exactly_and_never_goes_negative(total, ws):
    parts = split(total, ws)
    assert len(parts) == len(ws)
    assert sum(parts, Decimal(0)) == total
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(CENT) and p.as_tuple().exponent == -2 for p in parts)


@given(money, weights)
def test_split_residue_goes_to_the_largest_remainders_earliest_first(total, ws):
    _assert_residue_rule(split(total, ws), _exact_shares(total, ws))


@given(signed_money, st.lists(st.integers(-100, 1000), min_size=1, max_size=8))
def test_split_of_any_sign_adds_up_and_follows_the_rule(total, ws):
    parts = split(total, ws)
    assert sum(parts, Decimal(0)) == total
    _assert_residue_rule(parts, _exact_shares(total, ws))


@given(money, weights, st.integers(0, 12))
def test_zero_weights_get_nothing(total, ws, position):
    ws = [*ws[:position], 0, *ws[position:]]
    assume(sum(Fraction(w) for w in ws) > 0)
    parts = split(total, ws)
    assert parts[min(position, len(ws) - 1)] == 0
    assert sum(parts, Decimal(0)) == total


@given(money, weight)
def test_one_weight_takes_everything(total, w):
    assert split(total, [w]) == [total]


@given(money, st.integers(1, 12))
def test_all_zero_weights_share_equally_earliest_first(total, n):
    parts = split(total, [0] * n)
    assert sum(parts, Decimal(0)) == total
    assert max(parts) - min(parts) <= CENT
    assert parts == sorted(parts, reverse=True)  # the extra cents go to the first lines


def test_order_lines_examples():
    assert split(Decimal("100.00"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    # 10.00 over 1:2 is 3.333… and 6.666…: the larger remainder (the second) takes the cent.
    assert split(Decimal("10.00"), [Decimal("5.00"), Decimal("10.00")]) == [
        Decimal("3.33"),
        Decimal("6.67"),
    ]
    assert split(Decimal("0.01"), [3, 3, 3]) == [Decimal("0.01"), Decimal(0), Decimal(0)]
    assert split(Decimal("5.00"), []) == []


@given(st.integers(0, 10**6), st.lists(st.floats(0, 10**4), min_size=1, max_size=8))
def test_whole_counts_split_with_unit_one(total, ws):
    parts = split(total, ws, unit=Decimal(1))
    assert sum(parts) == total and all(p >= 0 and p == int(p) for p in parts)


@given(st.lists(st.fractions(min_value=-(10**4), max_value=10**4), min_size=1, max_size=8))
def test_round_parts_add_up_to_the_rounded_sum(values):
    parts = round_parts(values)
    with localcontext() as ctx:
        ctx.prec = 80
        exact_sum = sum(values, Fraction(0))
        wanted = (Decimal(exact_sum.numerator) / Decimal(exact_sum.denominator)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    assert sum(parts, Decimal(0)) == wanted
    _assert_residue_rule(parts, [Fraction(v) * 100 for v in values])


def test_round_parts_of_exact_cents_keep_them():
    values = [Decimal("1.25"), Decimal("-0.50"), Decimal("3")]
    assert round_parts(values) == [Decimal("1.25"), Decimal("-0.50"), Decimal("3.00")]


# --- ratios and relative changes ----------------------------------------------------------

number = st.one_of(
    st.integers(-(10**9), 10**9),
    st.decimals(min_value=-(10**9), max_value=10**9, places=4),
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**4),
)


def _reference(value: Fraction, places: Decimal, rounding=ROUND_HALF_UP) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 120  # far beyond the inputs' digits: one rounding, at `places`
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            places, rounding=rounding
        )


@given(st.one_of(st.none(), number))
def test_ratio_is_none_without_a_denominator(top):
    assert ratio(top, 0) is None
    assert ratio(top, Decimal("0.00")) is None
    assert ratio(top, None) is None
    assert ratio(None, 5) is None
    assert relative_change(top, 0) is None
    assert relative_change(top, None) is None
    assert relative_change(None, 5) is None


@given(number, number)
def test_ratio_rounds_once_half_up_to_six_places(top, bottom):
    assume(bottom != 0)
    exact = Fraction(top) / Fraction(bottom)
    got = ratio(top, bottom)
    assert got == _reference(exact, Decimal("0.000001"))
    assert str(got) == str(_reference(exact, Decimal("0.000001")))
    assert ratio(top, bottom, places=Decimal("0.0001"), rounding=ROUND_HALF_EVEN) == (
        _reference(exact, Decimal("0.0001"), ROUND_HALF_EVEN)
    )
    # Half-up is symmetric: a tie goes away from zero on both sides.
    assert ratio(-Fraction(top), bottom) == -got


@given(number, number)
def test_relative_change_is_against_the_size_of_then(now, then):
    assume(then != 0)
    exact = (Fraction(now) - Fraction(then)) / abs(Fraction(then))
    got = relative_change(now, then)
    assert got == _reference(exact, Decimal("0.000001"))
    # A rise is positive whatever the sign of the base.
    if Fraction(now) > Fraction(then):
        assert got >= 0
    elif Fraction(now) < Fraction(then):
        assert got <= 0


def test_ratio_examples():
    assert ratio(1, 3) == Decimal("0.333333")
    assert ratio(Decimal("0.0000005"), 1) == Decimal("0.000001")  # half-up, not to even
    assert ratio(Decimal("0.0000025"), 1) == Decimal("0.000003")
    assert ratio(Decimal("-0.0000025"), 1) == Decimal("-0.000003")
    assert ratio(1, 32, places=Decimal("0.0001")) == Decimal("0.0313")
    assert ratio(1, 32, places=Decimal("0.0001"), rounding=ROUND_HALF_EVEN) == Decimal("0.0312")
    assert ratio(0.1, 0.3) == Decimal("0.333333")  # a float is the decimal it prints as
    assert ratio(1, 3, places=None) == Decimal(1) / Decimal(3)
    assert relative_change(Decimal("-50"), Decimal("-100")) == Decimal("0.5")
    assert relative_change(150, 100) == Decimal("0.5")
    # A tiny fall keeps its sign when it rounds to zero, as Decimal.quantize does.
    assert str(relative_change(Decimal("99.99999"), 100)) == "-0.000000"
    with pytest.raises(ValueError):
        numbers.quantize(1, Decimal("0.1"), rounding="ROUND_CEILING")


# --- percentiles --------------------------------------------------------------------------


def _nearest_rank(values, q: Fraction):
    """Brute force: the smallest value with at least the share q of the values at or under
    it."""
    return min(v for v in values if Fraction(sum(1 for x in values if x <= v), len(values)) >= q)


@given(
    st.lists(st.integers(-1000, 1000) | st.floats(0, 10**4), min_size=1, max_size=60),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_percentile_is_the_nearest_rank(values, q):
    assert percentile(values, q) == _nearest_rank(values, q)


def test_percentile_examples():
    hours = [float(h) for h in range(1, 11)]
    assert percentile(hours, 0.9) == 9.0
    assert percentile(hours, 0.91) == 10.0
    assert percentile(hours, 0) == 1.0 and percentile(hours, 1) == 10.0
    assert percentile(list(range(1, 101)), 0.07) == 7  # 0.07 * 100 is 7, not 7.000…01
    assert percentile([], 0.5) is None
    with pytest.raises(ValueError):
        percentile([1], 1.5)


# --- months -------------------------------------------------------------------------------


def test_month_ends_clamp():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-600, 600))
def test_add_months_is_the_same_day_clamped(day, months):
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    assert add_months(day, months) == date(year, month + 1, min(day.day, last))
