"""The catalog's base metrics as Ibis expressions, one aggregate per fact family.

The same expressions run on DuckDB (over the live database) and on Spark (over the Parquet
lake): an engine only supplies the source relations, with the columns documented in
`sources.py`. Every aggregate runs in the backend and returns one small row per period and
dimension values; nothing per order comes back to Python.
"""

from datetime import date

import ibis
from ibis import _

from shopops.analytics.request import FAMILY_DIMENSIONS, Request

EXACT = "decimal(24, 6)"
# Converted money (analytics.conversion): an amount of 2 places x a rate of 6 is exact in 8
# places; a unit cost of 4 in 10. The precisions keep every product below 38 digits, where
# Spark would start dropping places (DuckDB keeps them anyway).
CONVERTED = {"unit_cost": "decimal(24, 10)"}
AMOUNT = "decimal(27, 8)"
# Both factors of amount x rate as one type (Ibis wants one), small enough that Spark keeps
# all 12 places of the product: stored amounts have 12 whole digits at most (MoneyField).
TIMES = "decimal(18, 6)"
RATE = "decimal(10, 6)"  # a store's commission or fee rate: 0…1 in 4 places


def period_of(day, grain: str, start: date):
    if grain == "day":
        return day
    if grain == "none":
        return ibis.literal(start)
    return day.truncate({"week": "W", "month": "M", "quarter": "Q"}[grain])


def _in_range(table, request: Request):
    return table.filter(
        table.store_id.isin(request.store_ids),
        table.day >= request.start,
        table.day <= request.end,
    )


def _order_lines(src, request: Request):
    """Order lines of the period's paid orders, each with its order's store, day, buyer,
    channel and province: joined here, or read as exported by a lake that has them."""
    if hasattr(src, "order_lines"):
        return _in_range(src.order_lines(), request)
    orders = _in_range(src.orders(), request)
    lines = src.lines()
    return lines.join(orders, lines.order_id == orders.id)


def converted(src, rel, request: Request, columns):
    """`rel` (with store_id and day) with its money `columns` in the reporting currency,
    each row at its store's rate of its day (`src.rates()`), when the request converts."""
    if request.conversion is None:
        return rel
    rates = src.rates()
    joined = rel.join(rates, ["store_id", "day"])
    present = [c for c in columns if c in joined.columns]
    return joined.mutate(
        **{
            c: (joined[c].cast(TIMES) * joined.factor.cast(TIMES)).cast(CONVERTED.get(c, AMOUNT))
            for c in present
        }
    ).drop("factor")


def _filtered(table, request: Request, family: str):
    columns = FAMILY_DIMENSIONS[family]
    for dim, values in request.filters:
        table = table.filter(table[columns[dim]].isin(values))
    return table


def _keys(request: Request, family: str) -> list:
    columns = FAMILY_DIMENSIONS[family]
    return ["period", *(columns[d] for d in request.dims)]


def order_metrics(src, request: Request, base: set[str]):
    """gmv, orders, buyers, repeat and new buyers, refunds and order costs, computed per
    buyer first so that a buyer counts once per period and slice."""
    family = request.family_for_orders()
    if family == "order_lines":
        rel = converted(src, _order_lines(src, request), request, ("line_gmv",))
        measures = {"n": _.order_id.nunique(), "gmv": _.line_gmv.sum()}
    else:
        money = ("paid_amount", "refunded_amount", "shipping_cost", "packaging_cost")
        rel = converted(src, _in_range(src.orders(), request), request, money)
        # amount x rate, exact: 2 (or 8, converted) places x 4.
        amount = EXACT if request.conversion is None else AMOUNT
        every = {
            "gmv": _.paid_amount.sum(),
            "refunds": _.refunded_amount.sum(),
            "commission": (
                (_.paid_amount - _.refunded_amount).cast(amount) * _.commission_rate.cast(RATE)
            ).sum(),
            "payment_fees": (_.paid_amount.cast(amount) * _.payment_fee_rate.cast(RATE)).sum(),
            "shipping_cost": _.shipping_cost.sum(),
            "packaging_cost": _.packaging_cost.sum(),
        }
        measures = {"n": _.count(), **{k: v for k, v in every.items() if k in base}}
    per_order_measures = measures
    rel = _filtered(rel, request, family)
    rel = rel.mutate(period=period_of(rel.day, request.grain, request.start))
    keys = _keys(request, family)
    per_buyer = rel.group_by([*keys, "buyer"]).aggregate(**per_order_measures)
    totals = {
        "orders": _.n.sum(),
        "buyers": _.count(),
        "repeat_buyers": (_.n >= 2).ifelse(1, 0).sum(),
        **{name: _[name].sum() for name in per_order_measures if name != "n"},
    }
    if "new_buyers" in base:
        first = src.first_days()
        joined = per_buyer.left_join(first, per_buyer.buyer == first.buyer)
        # New: the buyer's first paid order ever falls in this (clipped) period.
        per_buyer = joined.mutate(
            is_new=(
                (joined.first >= request.start)
                & (period_of(joined.first, request.grain, request.start) == joined.period)
            ).ifelse(1, 0)
        )
        totals["new_buyers"] = _.is_new.sum()
    return per_buyer.group_by(keys).aggregate(**totals)


def line_metrics(src, request: Request, base: set[str]):
    """units, line GMV, cogs and the top-N SKU GMV of each period and slice."""
    lines = converted(src, _order_lines(src, request), request, ("line_gmv", "unit_cost"))
    rel = _filtered(lines, request, "lines")
    rel = rel.mutate(period=period_of(rel.day, request.grain, request.start))
    keys = _keys(request, "lines")
    measures = {"units": rel.quantity.sum(), "line_gmv": rel.line_gmv.sum()}
    if "cogs" in base and request.conversion is None:
        measures["cogs"] = (rel.quantity.cast(EXACT) * rel.unit_cost.cast(EXACT)).sum()
    elif "cogs" in base:
        measures["cogs"] = (rel.quantity.cast("decimal(12, 0)") * rel.unit_cost).sum()
    totals = rel.group_by(keys).aggregate(**measures)
    tops = sorted({int(k.split(":")[1]) for k in base if k.startswith("topn_gmv:")})
    if not tops:
        return totals
    # A SKU is (store, code); ties do not matter, the n largest values sum the same.
    sku_keys = [*keys, *(c for c in ("store_id", "sku_code") if c not in keys)]
    by_sku = rel.group_by(sku_keys).aggregate(g=rel.line_gmv.sum())
    by_sku = by_sku.mutate(
        rank=ibis.row_number().over(group_by=[by_sku[k] for k in keys], order_by=ibis.desc("g"))
    )
    top = by_sku.group_by(keys).aggregate(
        **{f"topn_{n}": (by_sku["rank"] < n).ifelse(by_sku.g, 0).sum() for n in tops}
    )
    return totals.join(top, keys)


def traffic_metrics(src, request: Request, base: set[str]):
    """Visitors, page views, impressions, clicks, add-to-cart and favourites; per-source
    visitors for source_share.
    Store-level rows unless the request is by SKU or category, which reads the SKU rows."""
    traffic = _in_range(src.traffic(), request)
    per_sku = bool(request.touched & {"sku", "category"})
    traffic = traffic.filter(traffic.sku_code != "" if per_sku else traffic.sku_code == "")
    rel = _filtered(traffic, request, "traffic")
    rel = rel.mutate(period=period_of(rel.day, request.grain, request.start))
    sources = sorted(k.split(":")[1] for k in base if k.startswith("source_visitors:"))
    return rel.group_by(_keys(request, "traffic")).aggregate(
        visitors=rel.visitors.sum(),
        page_views=rel.page_views.sum(),
        impressions=rel.impressions.sum(),
        clicks=rel.clicks.sum(),
        add_to_cart=rel.add_to_cart.sum(),
        favorites=rel.favorites.sum(),
        **{f"src_{s}": (rel.source == s).ifelse(rel.visitors, 0).sum() for s in sources},
    )


def ad_metrics(src, request: Request, base: set[str]):
    ads = converted(src, _in_range(src.ads(), request), request, ("cost", "gmv"))
    ads = _filtered(ads, request, "ads")
    rel = ads.mutate(period=period_of(ads.day, request.grain, request.start))
    return rel.group_by(_keys(request, "ads")).aggregate(
        ad_impressions=rel.impressions.sum(),
        ad_clicks=rel.clicks.sum(),
        ad_orders=rel.orders.sum(),
        ad_cost=rel.cost.sum(),
        ad_gmv=rel.gmv.sum(),
    )


BUILDERS = {
    "orders": order_metrics,
    "lines": line_metrics,
    "traffic": traffic_metrics,
    "ads": ad_metrics,
}
