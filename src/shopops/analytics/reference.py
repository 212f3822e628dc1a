"""The `sql` engine: the catalog's base metrics in plain Python over the Django ORM.

Slow and written to be obviously right, independently of the Ibis expressions, so that tests
can cross-check DuckDB and Spark against it. Same output: {(period start, dimension values):
{base key: value}}.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from shopops.analytics.families import family_of, unsupported
from shopops.analytics.order_costs import store_parameters
from shopops.analytics.request import FAMILY_DIMENSIONS, Request


def period_start(day: date, grain: str, start: date) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return start


def _groups(rows, request: Request, family: str) -> dict:
    columns = FAMILY_DIMENSIONS[family]
    filters = request.filter_map()
    groups = defaultdict(list)
    for row in rows:
        if all(row[columns[dim]] in values for dim, values in filters.items()):
            key = (
                period_start(row["day"], request.grain, request.start),
                tuple(row[columns[dim]] for dim in request.dims),
            )
            groups[key].append(row)
    return groups


def _facts(request: Request, base: set[str]) -> dict:
    from shopops.catalog.models import Sku
    from shopops.marketing.models import AdFact, TrafficFact
    from shopops.orders.models import Order, OrderLine

    params = {p[0]: p for p in store_parameters(request.stores)}
    zones = {s.pk: s.zone for s in request.stores}
    # Converting (analytics.conversion): every amount times its store's rate of its day.
    factors = request.conversion.factor_map() if request.conversion else None

    def rate(store_id, day) -> Decimal:
        return Decimal(1) if factors is None else factors[(store_id, day)]

    orders, first = {}, {}
    for o in Order.objects.filter(store_id__in=request.store_ids, paid_at__isnull=False):
        local = o.paid_at.astimezone(zones[o.store_id])
        day = local.date()
        buyer = o.customer_id or -o.pk
        first[buyer] = min(day, first.get(buyer, day))
        in_time = request.until is None or local.time().replace(tzinfo=None) < request.until
        if request.start <= day <= request.end and in_time:
            _, _, commission, fee, shipping, packaging = params[o.store_id]
            f = rate(o.store_id, day)
            paid, refunded = o.paid_amount * f, (o.refunded_amount or Decimal(0)) * f
            shipping, packaging = shipping * f, packaging * f
            orders[o.pk] = {
                "store_id": o.store_id,
                "id": o.pk,
                "buyer": buyer,
                "day": day,
                "channel": o.channel,
                "province": o.province,
                "gmv": paid,
                "refunds": refunded,
                "commission": (paid - refunded) * commission,
                "payment_fees": paid * fee,
                "shipping_cost": shipping,
                "packaging_cost": packaging,
            }
    lines = []
    if {family_of(k) for k in base} & {"lines"} or request.family_for_orders() == "order_lines":
        for line in OrderLine.objects.filter(store_id__in=request.store_ids):
            order = orders.get(line.order_id)
            if order is not None:
                f = rate(order["store_id"], order["day"])
                lines.append(
                    {
                        **order,
                        "sku_code": line.sku_code,
                        "category": line.category,
                        "units": line.quantity,
                        "line_gmv": line.allocated_amount * f,
                        "cogs": line.quantity * (line.unit_cost or Decimal(0)) * f,
                    }
                )
    categories = {
        (k.store_id, k.code): k.product.category
        for k in Sku.objects.filter(store_id__in=request.store_ids).select_related("product")
    }
    traffic = [
        {
            "store_id": t.store_id,
            "day": t.date,
            "source": t.source,
            "sku_code": t.sku_code,
            "category": categories.get((t.store_id, t.sku_code), "") if t.sku_code else "",
            "visitors": t.visitors,
            "page_views": t.page_views,
            "impressions": t.impressions,
            "clicks": t.clicks,
            "add_to_cart": t.add_to_cart,
            "favorites": t.favorites,
        }
        for t in TrafficFact.objects.filter(
            store_id__in=request.store_ids, date__range=(request.start, request.end)
        )
    ]
    ads = [
        {
            "store_id": a.store_id,
            "day": a.date,
            "channel": a.channel,
            "plan": a.plan,
            "keyword": a.keyword,
            "ad_impressions": a.impressions,
            "ad_clicks": a.clicks,
            "ad_orders": a.orders,
            "ad_cost": a.cost * rate(a.store_id, a.date),
            "ad_gmv": a.gmv * rate(a.store_id, a.date),
        }
        for a in AdFact.objects.filter(
            store_id__in=request.store_ids, date__range=(request.start, request.end)
        )
    ]
    return {"orders": orders, "first": first, "lines": lines, "traffic": traffic, "ads": ads}


def _order_values(rows, key, request: Request, first: dict) -> dict:
    by_buyer = defaultdict(set)
    sums = defaultdict(Decimal)
    money = ("gmv", "refunds", "commission", "payment_fees", "shipping_cost", "packaging_cost")
    for row in rows:
        by_buyer[row["buyer"]].add(row["id"])
        if "line_gmv" in row:  # order metrics along a line dimension: the lines' GMV
            sums["gmv"] += row["line_gmv"]
        else:
            for name in money:
                sums[name] += row[name]
    period = key[0]
    values = dict(sums)
    values["orders"] = sum(len(ids) for ids in by_buyer.values())
    values["buyers"] = len(by_buyer)
    values["repeat_buyers"] = sum(1 for ids in by_buyer.values() if len(ids) >= 2)
    values["new_buyers"] = sum(
        1
        for buyer in by_buyer
        if first[buyer] >= request.start
        and period_start(first[buyer], request.grain, request.start) == period
    )
    return values


def reference_base(request: Request, base: set[str]) -> dict:
    facts = _facts(request, base)
    out = defaultdict(dict)
    every = {family_of(k) for k in base}
    missing = set().union(*(unsupported(request, f, base) for f in every)) if every else set()
    families = {family_of(k) for k in base if k not in missing}
    if "orders" in families:
        family = request.family_for_orders()
        rows = facts["lines"] if family == "order_lines" else facts["orders"].values()
        for key, group in _groups(rows, request, family).items():
            out[key].update(_order_values(group, key, request, facts["first"]))
    if "lines" in families:
        for key, group in _groups(facts["lines"], request, "lines").items():
            values = out[key]
            values["units"] = sum(r["units"] for r in group)
            values["line_gmv"] = sum((r["line_gmv"] for r in group), Decimal(0))
            values["cogs"] = sum((r["cogs"] for r in group), Decimal(0))
            by_sku = defaultdict(Decimal)
            for r in group:
                by_sku[(r["store_id"], r["sku_code"])] += r["line_gmv"]
            ranked = sorted(by_sku.values(), reverse=True)
            for k in base:
                if k.startswith("topn_gmv:"):
                    values[k] = sum(ranked[: int(k.split(":")[1])], Decimal(0))
    if "traffic" in families:
        per_sku = bool(request.touched & {"sku", "category"})
        rows = [t for t in facts["traffic"] if bool(t["sku_code"]) == per_sku]
        for key, group in _groups(rows, request, "traffic").items():
            values = out[key]
            for name in ("visitors", "page_views", "impressions", "clicks", "add_to_cart",
                         "favorites"):  # fmt: skip
                values[name] = sum(r[name] for r in group)
            for k in base:
                if k.startswith("source_visitors:"):
                    source = k.split(":")[1]
                    values[k] = sum(r["visitors"] for r in group if r["source"] == source)
    if "ads" in families:
        for key, group in _groups(facts["ads"], request, "ads").items():
            values = out[key]
            for name in ("ad_impressions", "ad_clicks", "ad_orders"):
                values[name] = sum(r[name] for r in group)
            for name in ("ad_cost", "ad_gmv"):
                values[name] = sum((r[name] for r in group), Decimal(0))
    return {
        key: {k: v for k, v in values.items() if k in base and k not in missing}
        for key, values in out.items()
    }
