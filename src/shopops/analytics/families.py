"""The catalog's base keys by family (what each family's aggregate computes), and which
keys a request's dimensions and filters leave undefined. Plain Python: the API and the
reference engine use these without importing Ibis."""

from shopops.analytics.request import ORDER_KEYS_PER_LINE, Request

ORDER_KEYS = {
    "gmv",
    "orders",
    "buyers",
    "refunds",
    "repeat_buyers",
    "new_buyers",
    "commission",
    "payment_fees",
    "shipping_cost",
    "packaging_cost",
}
LINE_KEYS = {"units", "line_gmv", "cogs"}
TRAFFIC_KEYS = {"visitors", "page_views", "impressions", "clicks", "add_to_cart", "favorites"}
AD_KEYS = {"ad_impressions", "ad_clicks", "ad_orders", "ad_cost", "ad_gmv"}


def family_of(key: str) -> str:
    if key in ORDER_KEYS:
        return "orders"
    if key in LINE_KEYS or key.startswith("topn_gmv:"):
        return "lines"
    if key in TRAFFIC_KEYS or key.startswith("source_visitors:"):
        return "traffic"
    if key in AD_KEYS:
        return "ads"
    raise KeyError(key)


def column_to_key(column: str) -> str:
    if column.startswith("topn_"):
        return "topn_gmv:" + column[5:]
    if column.startswith("src_"):
        return "source_visitors:" + column[4:]
    return column


def unsupported(request: Request, family: str, base: set[str]) -> set[str]:
    """Base keys of a family that are undefined for this request's dimensions and filters."""
    keys = {k for k in base if family_of(k) == family}
    if family == "orders":
        if not request.supports(request.family_for_orders()):
            return keys
        if request.family_for_orders() == "order_lines":
            return keys - ORDER_KEYS_PER_LINE
        return set()
    return set() if request.supports(family) else keys
