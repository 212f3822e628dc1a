"""The one function pages, reports, alerts, the API and the CLI call for numbers."""

from datetime import date, time, timedelta
from decimal import Decimal

from shopops.analytics import cache
from shopops.analytics.catalog import finish, is_cost, lookup, resolve
from shopops.analytics.conversion import plan as plan_conversion
from shopops.analytics.engines import ALIASES, ENGINES
from shopops.analytics.errors import CostsHidden
from shopops.analytics.families import family_of, unsupported
from shopops.analytics.reference import period_start
from shopops.analytics.request import Request, validate
from shopops.core.access import can_see_costs
from shopops.core.numbers import CENT, add_months, quantize, relative_change

COMPARES = ("prev", "wow", "yoy")


# --- Who may receive which metric -----------------------------------------------------------
# A `viewer` is the person the numbers are for: a user (cost metrics only when their role has
# the view_costs permission, core.roles), or None for no person (the worker making reports,
# the CLI run by whoever operates the server, computations whose numbers are not shown as
# such). Every caller that answers a person passes that person.


def hidden_costs(keys, viewer) -> list[str]:
    """The metrics among `keys` that `viewer` may not receive: cost metrics and those derived
    from a cost (gross_margin), for a viewer without the cost permission."""
    if viewer is None or can_see_costs(viewer):
        return []
    return [key for key in keys if is_cost(key)]


class Rows(list):
    """The rows `metrics` answers, and the currency their money is in: `currency` when every
    row's money is in one (the stores' own, or the reporting currency a conversion added
    them up in), else per store (`by_store`, for rows split by store). `conversion` names
    the rates a converted answer used."""

    currency: str | None = None
    by_store: dict[str, str]
    conversion = None

    def currency_of(self, row: dict) -> str | None:
        return self.by_store.get(row.get("store"), self.currency)


def _currency_of(stores, conversion) -> str | None:
    if conversion is not None:
        return conversion.currency
    found = {s.currency for s in stores}
    return found.pop() if len(found) == 1 else None


def refuse_hidden_costs(keys, viewer) -> None:
    """CostsHidden when `viewer` may not receive one of `keys` (UnknownMetric for a key
    that is no metric): the check `metrics` makes, for callers that read a cost metric
    another way (an explanation, a goal on it)."""
    hidden = hidden_costs(keys, viewer)
    if hidden:
        raise CostsHidden(hidden)


def period_label(day: date, grain: str) -> str:
    if grain in ("day", "week"):
        return day.isoformat()
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return "all"


def periods(start: date, end: date, grain: str) -> list[date]:
    starts, day = [], start
    while day <= end:
        first = period_start(day, grain, start)
        if not starts or starts[-1] != first:
            starts.append(first)
        day += timedelta(days=1)
    return starts


def shift(day: date, mode: str, grain: str, length: int) -> date:
    """The day a row is compared with: `prev` the previous period of the grain (yesterday,
    last week, last month, last quarter; for a whole range the range just before it), `wow`
    seven days earlier, `yoy` the same date a year earlier (52 weeks for weekly rows, so that
    weeks stay Monday to Sunday)."""
    if mode == "wow" or (mode == "prev" and grain == "week"):
        return day - timedelta(days=7)
    if mode == "yoy":
        return day - timedelta(days=364) if grain == "week" else add_months(day, -12)
    if grain == "day":
        return day - timedelta(days=1)
    if grain == "month":
        return add_months(day, -1)
    if grain == "quarter":
        return add_months(day, -3)
    return day - timedelta(days=length)


def _base_values(request: Request, base: set[str], engine: str, use_cache: bool) -> dict:
    if not use_cache:
        return ENGINES[engine](request, base)
    key = cache.key(engine, request, base)
    found = cache.get(key)
    if found is None:
        found = ENGINES[engine](request, base)
        cache.put(key, found)
    return found


def _in_order(value) -> tuple:
    """Dimension values in a stable order: numbers (store ids) as numbers (store 10 after
    store 9), everything else by its text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _rows(keys, request: Request, engine: str, use_cache: bool) -> list[dict]:
    requested, base = resolve(keys)
    computed = _base_values(request, base, engine, use_cache)
    families = {family_of(k) for k in base}
    missing = set().union(*(unsupported(request, f, base) for f in families))
    # A slice without rows has zero of every base measure (and so no ratios); a measure that
    # does not exist along the request's dimensions is None.
    zeros = {
        key: None if key in missing else (Decimal(0) if lookup(key).unit == "money" else 0)
        for key in base
    }
    codes = {int(s.pk): s.code for s in request.stores}
    if request.dims:
        slices = sorted(computed, key=lambda k: (k[0], tuple(map(_in_order, k[1]))))
    else:
        slices = [(p, ()) for p in periods(request.start, request.end, request.grain)]
    rows = []
    for first, dim_values in slices:
        row = {"period": period_label(first, request.grain), "_start": first}
        for dim, value in zip(request.dims, dim_values, strict=True):
            row[dim] = codes.get(value, value) if dim == "store" else value
        values = {**zeros, **computed.get((first, dim_values), {})}
        row.update(finish(requested, values))
        rows.append(row)
    return rows


def _to_cents(row: dict, keys, compare) -> None:
    """Converted money to the cent (half-up), as money is shown and stored: the exact sum of
    amount x rate has 8 places."""
    for key in keys:
        if lookup(key).unit == "money":
            for column in (key, f"{key}_{compare}") if compare else (key,):
                if row.get(column) is not None:
                    row[column] = quantize(row[column], CENT)


def metrics(
    keys: list[str],
    store,
    start: date,
    end: date,
    grain: str = "day",
    engine: str = "duckdb",
    dims=(),
    filters: dict | None = None,
    compare: str | None = None,
    use_cache: bool = True,
    viewer=None,
    until: time | None = None,
) -> Rows:
    """Rows of the store-local calendar, each {"period": …, dimension: value, metric: value}.

    Without dimensions every period is present (an empty day has 0 orders and no AOV); with
    dimensions, the slices that have data. `store` is a Store or a list of them (the numbers
    of several stores together, or per store with the `store` dimension). `filters` is
    {dimension: [values]}. `compare` adds `<metric>_<mode>` (the value in the compared
    period) and `<metric>_<mode>_change` (relative change, 6 places) to every row.
    `viewer`: the user the rows are for; a cost metric they may not see raises CostsHidden
    before anything is computed (None: no person, see `hidden_costs`). `until`: count only
    the orders of each day paid before this local time (order metrics only: traffic and ads
    are daily facts); the duckdb engine reads it live, the reference engine too, Spark
    cannot (its lake keeps days, not times).
    Money of stores in different currencies, not split by store, is converted to the
    reporting currency day by day (`analytics.conversion`; MixedCurrencies without the
    rates); the answer's `currency` says which currency its money is in.
    """
    refuse_hidden_costs(keys, viewer)
    stores = tuple(store) if isinstance(store, list | tuple) else (store,)
    if not stores:
        raise ValueError("no store")
    engine = ALIASES.get(engine, engine)
    if engine not in ENGINES:
        raise ValueError(f"engine: one of {', '.join(ENGINES)}")
    if end < start:
        raise ValueError("the period ends before it starts")
    if compare is not None and compare not in COMPARES:
        raise ValueError(f"compare: one of {', '.join(COMPARES)}")
    filters = filters or {}
    dims = tuple(dims)
    validate(grain, dims, list(filters.items()))
    if "store" in filters:
        raise ValueError("choose stores with the store parameter, not a filter")
    conversion = plan_conversion(keys, stores, start, end, dims)
    request = Request(
        stores=stores,
        start=start,
        end=end,
        grain=grain,
        dims=dims,
        filters=tuple(sorted((d, tuple(sorted(map(str, v)))) for d, v in filters.items())),
        until=until,
        conversion=conversion,
    )
    if until is not None:
        _, base = resolve(keys)
        daily = sorted(k for k in base if family_of(k) not in ("orders", "lines"))
        if daily:
            raise ValueError(f"until: order metrics only; {', '.join(daily)} are daily facts")
    rows = _rows(keys, request, engine, use_cache)
    if compare:
        length = (end - start).days + 1
        back_start, back_end = (
            shift(start, compare, grain, length),
            shift(end, compare, grain, length),
        )
        back = Request(
            stores=stores,
            start=back_start,
            end=back_end,
            grain=grain,
            dims=dims,
            filters=request.filters,
            until=until,
            conversion=plan_conversion(keys, stores, back_start, back_end, dims),
        )
        earlier = {
            (r["_start"], tuple(r[d] for d in dims)): r
            for r in _rows(keys, back, engine, use_cache)
        }
        for row in rows:
            first = max(row["_start"], start)
            then = shift(first, compare, grain, length)
            other = earlier.get(
                (period_start(then, grain, back.start), tuple(row[d] for d in dims)), {}
            )
            row[f"period_{compare}"] = period_label(period_start(then, grain, back.start), grain)
            for key in keys:
                row[f"{key}_{compare}"] = other.get(key)
                row[f"{key}_{compare}_change"] = relative_change(row[key], other.get(key))
    for row in rows:
        del row["_start"]
        if conversion is not None:
            _to_cents(row, keys, compare)
    out = Rows(rows)
    out.currency = _currency_of(stores, conversion)
    out.by_store = {s.code: s.currency for s in stores} if "store" in dims else {}
    out.conversion = conversion
    return out


def columns(keys: list[str], dims=(), compare: str | None = None) -> list[str]:
    """The column order of `metrics` rows, for tables and CSV."""
    out = ["period", *dims, *keys]
    if compare:
        out.append(f"period_{compare}")
        for key in keys:
            out += [f"{key}_{compare}", f"{key}_{compare}_change"]
    return out


def labels(keys: list[str]) -> dict[str, str]:
    """Each metric's label in the active language."""
    return {key: lookup(key).label for key in keys}
