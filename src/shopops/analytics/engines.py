"""Engines computing the base metrics of the catalog per period.

Each engine reads three small row sets at the grain of a store-local day:
  orders:  (day, buyer, orders, gmv, refunds)      per day and buyer
  lines:   (day, sku, units, line_gmv)             per day and SKU
  traffic: (day, source, visitors, page_views, impressions, clicks)   per day and source
  ads:     (day, impressions, clicks, cost, gmv)   per day
and `fold` turns them into periods, so that the period arithmetic (a buyer counted once per
period, top-N SKUs per period) is written once.

`duckdb`: Ibis expressions on DuckDB over the live database attached read-only.
`sql`: a plain reference implementation in Python over the Django ORM, slow and obviously
right, used to cross-check the others in tests.

A period is the store-local calendar: the local date of an order's payment time; weeks start
on Monday; quarters are Q1..Q4.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import ibis

from shopops.analytics.duckdb_engine import connect, sql_literal

GRAINS = ("day", "week", "month", "quarter", "none")
ORDER_KEYS = {"gmv", "orders", "buyers", "refunds", "repeat_buyers", "new_buyers"}
LINE_KEYS = {"units", "line_gmv"}
TRAFFIC_KEYS = {"visitors", "page_views", "impressions", "clicks"}
AD_KEYS = {"ad_impressions", "ad_clicks", "ad_cost", "ad_gmv"}


def period_label(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return "all"


def _wants(base: set[str], plain: set[str], prefix: str) -> bool:
    return bool(base & plain) or any(k.startswith(prefix) for k in base)


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value  # pandas Timestamp


def fold(
    grain: str,
    base: set[str],
    orders=(),
    lines=(),
    traffic=(),
    ads=(),
    first_days: dict | None = None,
) -> dict:
    """{period: {base metric: value}} from the per-day row sets."""
    out: dict = defaultdict(dict)
    buyers: dict = defaultdict(lambda: defaultdict(int))
    for day, buyer, n, gmv, refunds in orders:
        values = out[period_label(_day(day), grain)]
        values["gmv"] = values.get("gmv", Decimal(0)) + Decimal(gmv)
        values["refunds"] = values.get("refunds", Decimal(0)) + Decimal(refunds)
        values["orders"] = values.get("orders", 0) + int(n)
        buyers[period_label(_day(day), grain)][buyer] += int(n)
    for label, counts in buyers.items():
        out[label]["buyers"] = len(counts)
        out[label]["repeat_buyers"] = sum(1 for n in counts.values() if n >= 2)
        if first_days is not None:
            out[label]["new_buyers"] = sum(
                1 for b in counts if period_label(_day(first_days[b]), grain) == label
            )
    sku_gmv: dict = defaultdict(lambda: defaultdict(Decimal))
    for day, sku, units, line_gmv in lines:
        label = period_label(_day(day), grain)
        values = out[label]
        values["units"] = values.get("units", 0) + int(units)
        values["line_gmv"] = values.get("line_gmv", Decimal(0)) + Decimal(line_gmv)
        sku_gmv[label][sku] += Decimal(line_gmv)
    for key in base:
        if key.startswith("topn_gmv:"):
            n = int(key.split(":")[1])
            for label, by_sku in sku_gmv.items():
                # Ties do not matter: the sum of the n largest values is the same.
                out[label][key] = sum(sorted(by_sku.values(), reverse=True)[:n], Decimal(0))
    for day, source, visitors, page_views, impressions, clicks in traffic:
        values = out[period_label(_day(day), grain)]
        values["visitors"] = values.get("visitors", 0) + int(visitors)
        values["page_views"] = values.get("page_views", 0) + int(page_views)
        values["impressions"] = values.get("impressions", 0) + int(impressions)
        values["clicks"] = values.get("clicks", 0) + int(clicks)
        key = f"source_visitors:{source}"
        values[key] = values.get(key, 0) + int(visitors)
    for day, impressions, clicks, cost, gmv in ads:
        values = out[period_label(_day(day), grain)]
        values["ad_impressions"] = values.get("ad_impressions", 0) + int(impressions)
        values["ad_clicks"] = values.get("ad_clicks", 0) + int(clicks)
        values["ad_cost"] = values.get("ad_cost", Decimal(0)) + Decimal(cost)
        values["ad_gmv"] = values.get("ad_gmv", Decimal(0)) + Decimal(gmv)
    return dict(out)


def _buyer(paid):
    """A buyer identity where a guest order (no customer) is a buyer of its own."""
    return ibis.coalesce("c" + paid.customer_id.cast("string"), "g" + paid.id.cast("string"))


def duckdb_base(store, start: date, end: date, grain: str, base: set[str]) -> dict:
    con = connect()
    backend = ibis.duckdb.from_connection(con)
    zone, store_id = sql_literal(store.timezone), int(store.pk)
    # Local payment day per order; a guest order (no customer) is a buyer of its own.
    # The zone is a quoted literal of a validated time zone name, the store id an int.
    paid_sql = f"""
        SELECT id, customer_id, paid_amount, refunded_amount,
               CAST(timezone({zone}, paid_at::TIMESTAMPTZ) AS DATE) AS day
        FROM oltp.orders_order
        WHERE store_id = {store_id} AND paid_at IS NOT NULL
    """  # noqa: S608
    rows: dict = {}

    def in_period(table):
        return table.filter((table.day >= start) & (table.day <= end))

    everything = backend.sql(paid_sql)
    everything = everything.mutate(buyer=_buyer(everything))
    paid = in_period(everything)
    if "new_buyers" in base:
        # First paid order ever of each buyer, before the period too (a guest: that order).
        rows["first_days"] = dict(
            everything.group_by("buyer")
            .aggregate(first=everything.day.min())
            .execute()
            .itertuples(index=False)
        )
    if base & ORDER_KEYS:
        rows["orders"] = (
            paid.group_by(["day", "buyer"])
            .aggregate(
                n=paid.count(),
                gmv=paid.paid_amount.cast("decimal(18,2)").sum(),
                refunds=paid.refunded_amount.cast("decimal(18,2)").sum(),
            )
            .execute()
            .itertuples(index=False)
        )
    if _wants(base, LINE_KEYS, "topn_gmv:"):
        line_sql = f"SELECT * FROM oltp.orders_orderline WHERE store_id = {store_id}"  # noqa: S608
        line = backend.sql(line_sql).select("order_id", "sku_code", "quantity", "allocated_amount")
        joined = line.join(paid, line.order_id == paid.id)
        rows["lines"] = (
            joined.group_by(["day", "sku_code"])
            .aggregate(
                units=joined.quantity.sum(), gmv=joined.allocated_amount.cast("decimal(18,2)").sum()
            )
            .execute()
            .itertuples(index=False)
        )
    if _wants(base, TRAFFIC_KEYS, "source_visitors:"):
        fact_sql = f"SELECT * FROM oltp.marketing_trafficfact WHERE store_id = {store_id}"  # noqa: S608
        fact = backend.sql(fact_sql)
        fact = in_period(fact.filter(fact.sku_code == "").rename(day="date"))
        rows["traffic"] = (
            fact.group_by(["day", "source"])
            .aggregate(
                visitors=fact.visitors.sum(),
                page_views=fact.page_views.sum(),
                impressions=fact.impressions.sum(),
                clicks=fact.clicks.sum(),
            )
            .execute()
            .itertuples(index=False)
        )
    if base & AD_KEYS:
        ad_sql = f"SELECT * FROM oltp.marketing_adfact WHERE store_id = {store_id}"  # noqa: S608
        ad = in_period(backend.sql(ad_sql).rename(day="date"))
        rows["ads"] = (
            ad.group_by("day")
            .aggregate(
                impressions=ad.impressions.sum(),
                clicks=ad.clicks.sum(),
                cost=ad.cost.cast("decimal(18,2)").sum(),
                gmv=ad.gmv.cast("decimal(18,2)").sum(),
            )
            .execute()
            .itertuples(index=False)
        )
    result = fold(grain, base, **rows)
    con.close()
    return result


def reference_base(store, start: date, end: date, grain: str, base: set[str]) -> dict:
    """The same numbers in plain Python over the ORM, for cross-checking."""
    from shopops.marketing.models import AdFact, TrafficFact
    from shopops.orders.models import Order, OrderLine

    def local(moment) -> date:
        return moment.astimezone(store.zone).date()

    orders, lines, traffic, first_days = [], [], [], {}
    paid_orders = Order.objects.filter(store=store, paid_at__isnull=False)
    for order in paid_orders if base & ORDER_KEYS else ():
        day = local(order.paid_at)
        buyer = f"c{order.customer_id}" if order.customer_id else f"g{order.pk}"
        first_days[buyer] = min(day, first_days.get(buyer, day))
        if start <= day <= end:
            orders.append((day, buyer, 1, order.paid_amount, order.refunded_amount))
    if _wants(base, LINE_KEYS, "topn_gmv:"):
        for line in OrderLine.objects.filter(
            store=store, order__paid_at__isnull=False
        ).select_related("order"):
            day = local(line.order.paid_at)
            if start <= day <= end:
                lines.append((day, line.sku_code, line.quantity, line.allocated_amount))
    for fact in TrafficFact.objects.filter(store=store, sku_code="", date__range=(start, end)):
        traffic.append(
            (fact.date, fact.source, fact.visitors, fact.page_views, fact.impressions, fact.clicks)
        )
    ads = [
        (a.date, a.impressions, a.clicks, a.cost, a.gmv)
        for a in AdFact.objects.filter(store=store, date__range=(start, end))
    ]
    return fold(
        grain,
        base,
        orders=orders,
        lines=lines,
        traffic=traffic,
        ads=ads,
        first_days=first_days if "new_buyers" in base else None,
    )


ENGINES = {"duckdb": duckdb_base, "sql": reference_base}
