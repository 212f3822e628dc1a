"""Number rules every module shares: money split into cents, ratios and relative changes,
percentiles and month arithmetic. One definition each, so that a number reads the same on
every page, report, benchmark and API answer.

Arithmetic is exact: inputs become fractions (a Decimal, an int or a Fraction as it is, a
float as the decimal it prints as: 0.1 is 1/10) and are rounded once, at the end. Money
stays Decimal; nothing here rounds through a float.

- **Splitting** (`split`, `round_parts`): the residue rule is the largest remainder. Each
  exact share is rounded down (towards minus infinity) to the unit (a cent); the cents still
  missing to reach the total (the total rounded half-up to the unit) go one each to the
  shares with the largest remainders, ties to the earliest share. So the parts add up
  exactly to the total, no part is more than one unit from its exact share, and for a
  non-negative total and weights no part is negative. Weights whose sum is zero or less
  share equally.
- **Ratios** (`ratio`, `relative_change`): None when a side is None or the denominator is
  zero; rounded half-up (away from zero on a tie) to 6 places unless told otherwise.
- **Percentiles** (`percentile`): nearest rank, the smallest value at or under which at
  least the share q of the values lies (an observed value, never an interpolation).
- **Months** (`add_months`): `dateutil.relativedelta`, clamped to the month's end
  (Jan 31 + 1 month is Feb 28 or 29).
"""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import ceil, lcm

from dateutil.relativedelta import relativedelta

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.000001")  # ratios and relative changes (docs/metrics.md)


def _rational(value) -> tuple[int, int]:
    """(numerator, denominator > 0) of `value`, exactly; a float as the decimal it prints as."""
    if isinstance(value, int):
        return int(value), 1
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal | Fraction):
        value = Decimal(value)
    return value.as_integer_ratio()


def exact(value) -> Fraction:
    """`value` as an exact fraction; a float counts as the decimal it prints as."""
    return value if isinstance(value, Fraction) else Fraction(*_rational(value))


def _nearest(numerator: int, denominator: int, rounding: str = ROUND_HALF_UP) -> int:
    """numerator / denominator (denominator > 0) to the nearest integer: a tie away from zero
    (ROUND_HALF_UP, as Decimal's) or to the even neighbour (ROUND_HALF_EVEN)."""
    whole, rest = divmod(abs(numerator), denominator)
    if rounding == ROUND_HALF_UP:
        whole += 2 * rest >= denominator
    elif rounding == ROUND_HALF_EVEN:
        whole += 2 * rest > denominator or (2 * rest == denominator and whole % 2 == 1)
    else:
        raise ValueError(f"unsupported rounding {rounding}")
    return -whole if numerator < 0 else whole


def _to_places(numerator: int, denominator: int, places: Decimal, rounding: str) -> Decimal:
    pn, pd = places.as_integer_ratio()
    units = _nearest(numerator * pd, denominator * pn, rounding)
    out = (Decimal(units) * places).quantize(places)
    # A negative value keeps its sign when it rounds to zero, as Decimal.quantize does.
    return out.copy_negate() if numerator < 0 and not units else out


def quantize(value, places: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`value` rounded once, exactly, to `places` (ROUND_HALF_UP or ROUND_HALF_EVEN)."""
    return _to_places(*_rational(value), places, rounding)


# --- splitting ----------------------------------------------------------------------------


def line_amount(quantity, unit_price, discount=0) -> Decimal:
    """A line's amount derived from its unit price (which may have up to 4 decimals, as
    wholesale per-piece prices do): quantity x price less discount, never below zero,
    rounded half-up to the cent like every stored amount."""
    amount = Decimal(quantity) * Decimal(unit_price) - Decimal(discount or 0)
    return quantize(max(amount, Decimal(0)), CENT)


def price_text(value) -> str:
    """A unit price as text: two decimals, more only where it has them (0.0010 is "0.001",
    59.0000 is "59.00")."""
    value = Decimal(value)
    if value == value.quantize(CENT):
        return str(value.quantize(CENT))
    return format(value.normalize(), "f")


def _largest_remainder(numerators: list[int], denominator: int) -> list[int]:
    """The residue rule. Exact amounts numerator / denominator (in units, denominator > 0)
    to whole units adding up to their sum rounded half-up: each rounded down, then one more
    unit to the largest remainders, ties to the earliest."""
    parts, remainders = [], []
    for n in numerators:
        whole, rest = divmod(n, denominator)  # floor: rest in [0, denominator)
        parts.append(whole)
        remainders.append(rest)
    left = _nearest(sum(numerators), denominator) - sum(parts)  # 0 <= left <= len(parts)
    for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
        parts[i] += 1
    return parts


def _in_units(parts: list[int], unit: Decimal) -> list[Decimal]:
    return [(Decimal(p) * unit).quantize(unit) for p in parts]


def round_parts(values: Iterable, unit: Decimal = CENT) -> list[Decimal]:
    """Exact `values` rounded to multiples of `unit` that add up to their sum rounded half-up
    to `unit`, by the largest remainder (the module's residue rule)."""
    ratios = [_rational(v) for v in values]
    un, ud = unit.as_integer_ratio()
    common = lcm(*(d for _, d in ratios)) if ratios else 1
    numerators = [n * (common // d) * ud for n, d in ratios]
    return _in_units(_largest_remainder(numerators, common * un), unit)


def split(total, weights: Sequence, unit: Decimal = CENT) -> list[Decimal]:
    """`total` split in proportion to `weights` into multiples of `unit` (cents; 1 for
    counts) adding up exactly to `total` (rounded half-up to `unit`); equal shares when the
    weights add up to zero or less. The residue rule is the module's (largest remainder,
    ties to the earliest)."""
    if not weights:
        return []
    ratios = [_rational(w) for w in weights]
    common = lcm(*(d for _, d in ratios))
    scaled = [n * (common // d) for n, d in ratios]  # integers in proportion to the weights
    whole = sum(scaled)
    if whole <= 0:
        scaled, whole = [1] * len(scaled), len(scaled)
    # share i in units = total / unit * scaled[i] / whole
    tn, td = _rational(total)
    un, ud = unit.as_integer_ratio()
    numerators = [tn * ud * w for w in scaled]
    return _in_units(_largest_remainder(numerators, td * un * whole), unit)


def split_cents(total: int, weights: list[int]) -> list[int]:
    """`split` for whole cents in integers (for the hot paths: imports, the promotion
    calculator): `total` cents by integer weights, by the module's residue rule; equal
    shares when the weights add up to zero or less."""
    if not weights:
        return []
    whole = sum(weights)
    if whole <= 0:
        weights, whole = [1] * len(weights), len(weights)
    parts, remainders = [], []
    for w in weights:
        part, rest = divmod(total * w, whole)
        parts.append(part)
        remainders.append(rest)
    left = total - sum(parts)
    if left:
        for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
            parts[i] += 1
    return parts


# --- ratios -------------------------------------------------------------------------------


def ratio(
    top, bottom, places: Decimal | None = RATIO_PLACES, rounding: str = ROUND_HALF_UP
) -> Decimal | None:
    """top / bottom rounded to `places` (None: unrounded, to Decimal's 28 digits); None when
    either side is None or bottom is zero."""
    if top is None or bottom is None:
        return None
    (a, b), (c, d) = _rational(top), _rational(bottom)
    if not c:
        return None
    numerator, denominator = a * d, b * c
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if places is None:
        return Decimal(numerator) / Decimal(denominator)
    return _to_places(numerator, denominator, places, rounding)


def relative_change(
    now, then, places: Decimal | None = RATIO_PLACES, rounding: str = ROUND_HALF_UP
) -> Decimal | None:
    """(now - then) / |then| rounded to `places`; None when either side is None or then is
    zero."""
    if now is None or then is None:
        return None
    (a, b), (c, d) = _rational(now), _rational(then)
    if not c:
        return None
    # (a/b - c/d) / |c/d| = (a*d - c*b) / (b * |c|)
    numerator, denominator = a * d - c * b, b * abs(c)
    if places is None:
        return Decimal(numerator) / Decimal(denominator)
    return _to_places(numerator, denominator, places, rounding)


# --- percentiles --------------------------------------------------------------------------


def percentile(values: Iterable, q):
    """Nearest rank: the smallest of `values` with at least the share `q` (0…1) of the values
    at or under it (q = 0 gives the smallest); None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    share = exact(q)
    if not 0 <= share <= 1:
        raise ValueError(f"percentile share {q} is not between 0 and 1")
    rank = ceil(share * len(ordered))
    return ordered[max(rank, 1) - 1]


# --- months -------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` months later (earlier when negative), clamped to the month's
    end: Jan 31 + 1 is Feb 28 (29), Mar 31 - 1 is Feb 28 (29)."""
    return day + relativedelta(months=months)
