"""The one function pages, reports, alerts, the API and the CLI call for numbers."""

from datetime import date, time, timedelta
from decimal import Decimal

from shopops.analytics import cache
from shopops.analytics.catalog import finish, is_cost, lookup, resolve
from shopops.analytics.engines import ALIASES, ENGINES
from shopops.analytics.errors import CostsHidden
from shopops.analytics.families import family_of, unsupported
from shopops.analytics.reference import period_start
from shopops.analytics.request import Request, validate
from shopops.core.access import can_see_costs
from shopops.core.numbers import add_months, relative_change

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


def refuse_mixed_currencies(keys, stores, dims) -> None:
    """A money metric (or one computed from money: AOV, ROI, shares) over stores of more than
    one currency, not split by store, would add pounds to yuan: refused, naming them."""
    currencies = {}
    for s in stores:
        currencies.setdefault(s.currency, []).append(s.code)
    if len(currencies) < 2 or "store" in dims:
        return
    _, base = resolve(keys)
    if not any(lookup(k).unit == "money" for k in base):
        return
    from shopops.analytics.errors import MixedCurrencies

    named = "、".join(
        f"{', '.join(codes)} ({currency})" for currency, codes in sorted(currencies.items())
    )
    raise MixedCurrencies(
        f"店铺 {named} 币种不同：请加 --dim store（API: dim=store）分店铺查看，"
        f"金额不会跨币种相加 / stores {named} have different currencies: add --dim store "
        "(dim=store) to see them per store; amounts are never added across currencies"
    )


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
) -> list[dict]:
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
    request = Request(
        stores=stores,
        start=start,
        end=end,
        grain=grain,
        dims=dims,
        filters=tuple(sorted((d, tuple(sorted(map(str, v)))) for d, v in filters.items())),
        until=until,
    )
    refuse_mixed_currencies(keys, stores, dims)
    if until is not None:
        _, base = resolve(keys)
        daily = sorted(k for k in base if family_of(k) not in ("orders", "lines"))
        if daily:
            raise ValueError(f"until: order metrics only; {', '.join(daily)} are daily facts")
    rows = _rows(keys, request, engine, use_cache)
    if compare:
        length = (end - start).days + 1
        back = Request(
            stores=stores,
            start=shift(start, compare, grain, length),
            end=shift(end, compare, grain, length),
            grain=grain,
            dims=dims,
            filters=request.filters,
            until=until,
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
    return rows


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
