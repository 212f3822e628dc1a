"""The metric catalog (METRICS.md): every metric defined once.

A metric is either a base aggregate over a fact table, computed by an engine, or derived
from other metrics (a ratio, a difference), computed here from the base values so that every
engine shares the same arithmetic. Ratios whose denominator is zero are None.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from shopops.core import numbers


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    unit: str  # money | count | ratio
    higher_is_better: bool
    formula: str
    source: str | None = None  # fact of a base metric: "orders"
    derive: Callable[[dict], Decimal | int | None] | None = None
    needs: tuple[str, ...] = ()
    cost: bool = False  # withheld from roles without the view_costs permission

    @property
    def label(self) -> str:
        """The label in the active language."""
        from django.utils.translation import get_language

        return self.zh if (get_language() or "zh-hans").startswith("zh") else self.en

    @property
    def is_base(self) -> bool:
        return self.derive is None


def ratio(numerator: str, denominator: str) -> Callable[[dict], Decimal | None]:
    def compute(values: dict) -> Decimal | None:
        return numbers.ratio(values.get(numerator), values.get(denominator))

    return compute


def difference(a: str, *subtracted: str) -> Callable[[dict], Decimal | None]:
    """a - b - …, undefined when any term is undefined (e.g. not available along a
    dimension)."""

    def compute(values: dict) -> Decimal | None:
        terms = [values.get(k) for k in (a, *subtracted)]
        if any(t is None for t in terms):
            return None
        return Decimal(terms[0]) - sum((Decimal(t) for t in terms[1:]), Decimal(0))

    return compute


M = Metric
# gross_profit = net_sales minus each of the others (METRICS.md).
GROSS_PROFIT_TERMS = (
    "net_sales",
    "cogs",
    "commission",
    "payment_fees",
    "shipping_cost",
    "packaging_cost",
    "ad_cost",
)
CATALOG: dict[str, Metric] = {
    m.key: m
    for m in (
        M(
            "gmv",
            "销售额",
            "GMV",
            "money",
            True,
            "sum of paid amount of paid orders",
            source="orders",
        ),
        M(
            "orders",
            "支付订单数",
            "Paid orders",
            "count",
            True,
            "count of paid orders",
            source="orders",
        ),
        M(
            "buyers",
            "支付买家数",
            "Buyers",
            "count",
            True,
            "distinct customers of paid orders; a guest order is its own buyer",
            source="orders",
        ),
        M(
            "refunds",
            "退款金额",
            "Refunds",
            "money",
            False,
            "sum of refunded amount of the period's paid orders",
            source="orders",
        ),
        M(
            "repeat_buyers",
            "复购买家数",
            "Repeat buyers",
            "count",
            True,
            "buyers with 2 or more paid orders in the period",
            source="orders",
        ),
        M(
            "units",
            "销售件数",
            "Units",
            "count",
            True,
            "sum of line quantities of paid orders",
            source="lines",
        ),
        M(
            "line_gmv",
            "商品销售额",
            "Line GMV",
            "money",
            True,
            "sum of line GMV (each line's share of its order's paid amount)",
            source="lines",
        ),
        M(
            "visitors",
            "访客数",
            "Visitors",
            "count",
            True,
            "sum of daily visitors from traffic facts",
            source="traffic",
        ),
        M(
            "page_views",
            "浏览量",
            "Page views",
            "count",
            True,
            "sum of page views",
            source="traffic",
        ),
        M(
            "add_to_cart",
            "加购件数",
            "Add to cart",
            "count",
            True,
            "sum of add-to-cart from traffic facts",
            source="traffic",
        ),
        M(
            "favorites",
            "收藏人数",
            "Favourites",
            "count",
            True,
            "sum of favourites from traffic facts",
            source="traffic",
        ),
        M(
            "cvr",
            "支付转化率",
            "Conversion rate",
            "ratio",
            True,
            "buyers / visitors",
            derive=ratio("buyers", "visitors"),
            needs=("buyers", "visitors"),
        ),
        M(
            "impressions",
            "展现量",
            "Impressions",
            "count",
            True,
            "sum of impressions from traffic facts",
            source="traffic",
        ),
        M(
            "clicks",
            "点击量",
            "Clicks",
            "count",
            True,
            "sum of clicks from traffic facts",
            source="traffic",
        ),
        M(
            "ctr",
            "点击率",
            "CTR",
            "ratio",
            True,
            "clicks / impressions (traffic facts)",
            derive=ratio("clicks", "impressions"),
            needs=("clicks", "impressions"),
        ),
        M(
            "ad_impressions",
            "推广展现量",
            "Ad impressions",
            "count",
            True,
            "sum of impressions from ad facts",
            source="ads",
        ),
        M(
            "ad_clicks",
            "推广点击量",
            "Ad clicks",
            "count",
            True,
            "sum of clicks from ad facts",
            source="ads",
        ),
        M(
            "ad_orders",
            "推广成交笔数",
            "Ad-attributed orders",
            "count",
            True,
            "sum of ad-attributed orders from ad facts",
            source="ads",
        ),
        M("ad_cost", "推广花费", "Ad cost", "money", False, "sum of ad cost", source="ads"),
        M(
            "ad_ctr",
            "推广点击率",
            "Ad CTR",
            "ratio",
            True,
            "ad clicks / ad impressions",
            derive=ratio("ad_clicks", "ad_impressions"),
            needs=("ad_clicks", "ad_impressions"),
        ),
        M(
            "ad_cvr",
            "推广转化率",
            "Ad conversion rate",
            "ratio",
            True,
            "ad-attributed orders / ad clicks",
            derive=ratio("ad_orders", "ad_clicks"),
            needs=("ad_orders", "ad_clicks"),
        ),
        M(
            "ad_gmv",
            "推广成交金额",
            "Ad-attributed GMV",
            "money",
            True,
            "sum of ad-attributed GMV",
            source="ads",
        ),
        M(
            "cpc",
            "平均点击花费",
            "CPC",
            "money",
            False,
            "ad_cost / ad clicks",
            derive=ratio("ad_cost", "ad_clicks"),
            needs=("ad_cost", "ad_clicks"),
        ),
        M(
            "roi",
            "投入产出比",
            "ROI",
            "ratio",
            True,
            "ad-attributed GMV / ad_cost",
            derive=ratio("ad_gmv", "ad_cost"),
            needs=("ad_gmv", "ad_cost"),
        ),
        M(
            "new_buyers",
            "新买家数",
            "New buyers",
            "count",
            True,
            "buyers whose first paid order ever in this store falls in the period",
            source="orders",
        ),
        M(
            "aov",
            "客单价",
            "AOV",
            "money",
            True,
            "gmv / buyers",
            derive=ratio("gmv", "buyers"),
            needs=("gmv", "buyers"),
        ),
        M(
            "order_value",
            "笔单价",
            "Order value",
            "money",
            True,
            "gmv / orders",
            derive=ratio("gmv", "orders"),
            needs=("gmv", "orders"),
        ),
        M(
            "net_sales",
            "净销售额",
            "Net sales",
            "money",
            True,
            "gmv - refunds",
            derive=difference("gmv", "refunds"),
            needs=("gmv", "refunds"),
        ),
        M(
            "refund_rate",
            "退款率",
            "Refund rate",
            "ratio",
            False,
            "refunds / gmv",
            derive=ratio("refunds", "gmv"),
            needs=("refunds", "gmv"),
        ),
        M(
            "repurchase_rate",
            "复购率",
            "Repurchase rate",
            "ratio",
            True,
            "buyers with 2 or more paid orders in the period / buyers",
            derive=ratio("repeat_buyers", "buyers"),
            needs=("repeat_buyers", "buyers"),
        ),
        M(
            "cogs",
            "商品成本",
            "COGS",
            "money",
            False,
            "sum over paid lines of quantity x unit cost at sale time",
            source="lines",
            cost=True,
        ),
        M(
            "commission",
            "平台佣金",
            "Platform commission",
            "money",
            False,
            "net sales x the store's commission rate (platforms return it on refunds)",
            source="orders",
            cost=True,
        ),
        M(
            "payment_fees",
            "支付手续费",
            "Payment fees",
            "money",
            False,
            "gmv x the store's payment fee rate (not returned on refunds)",
            source="orders",
            cost=True,
        ),
        M(
            "shipping_cost",
            "物流成本",
            "Shipping cost",
            "money",
            False,
            "paid orders x the store's shipping cost per order",
            source="orders",
            cost=True,
        ),
        M(
            "packaging_cost",
            "包装成本",
            "Packaging cost",
            "money",
            False,
            "paid orders x the store's packaging cost per order",
            source="orders",
            cost=True,
        ),
        M(
            "gross_profit",
            "毛利",
            "Gross profit",
            "money",
            True,
            "net_sales - cogs - commission - payment fees - shipping - packaging - ad_cost",
            derive=difference(*GROSS_PROFIT_TERMS),
            needs=GROSS_PROFIT_TERMS,
            cost=True,
        ),
        M(
            "gross_margin",
            "毛利率",
            "Gross margin",
            "ratio",
            True,
            "gross_profit / net_sales",
            derive=ratio("gross_profit", "net_sales"),
            needs=("gross_profit", "net_sales"),
            cost=True,
        ),
    )
}


class UnknownMetric(ValueError):
    pass


TRAFFIC_SOURCES = ("natural_search", "paid", "campaign", "member", "other")


def parametric(key: str) -> list[Metric]:
    """`topn_share:<n>` and `source_share:<source>`, with the base metrics they need."""
    name, _, param = key.partition(":")
    if name == "topn_share":
        if not (param.isascii() and param.isdigit() and 1 <= int(param) <= 1000):
            raise UnknownMetric(f"{key}: topn_share takes a count, e.g. topn_share:3")
        base = M(
            f"topn_gmv:{param}",
            f"TOP{param} 商品销售额",
            f"Top-{param} SKU GMV",
            "money",
            True,
            f"line GMV of the {param} SKUs with the highest line GMV",
            source="lines",
        )
        share = M(
            key,
            f"TOP{param} 商品销售额占比",
            f"Top-{param} SKU share",
            "ratio",
            True,
            f"line GMV of the {param} best SKUs / line GMV",
            derive=ratio(base.key, "line_gmv"),
            needs=(base.key, "line_gmv"),
        )
        return [base, share]
    if name == "source_share":
        if param not in TRAFFIC_SOURCES:
            raise UnknownMetric(f"{key}: source_share takes one of {', '.join(TRAFFIC_SOURCES)}")
        base = M(
            f"source_visitors:{param}",
            "来源访客数",
            f"Visitors from {param}",
            "count",
            True,
            f"visitors from {param}",
            source="traffic",
        )
        share = M(
            key,
            "流量占比",
            f"Share of visitors from {param}",
            "ratio",
            True,
            f"visitors from {param} / visitors",
            derive=ratio(base.key, "visitors"),
            needs=(base.key, "visitors"),
        )
        return [base, share]
    raise UnknownMetric(
        f"unknown metric {key!r}; one of {', '.join(CATALOG)}, "
        "topn_share:<n>, source_share:<source>"
    )


BASE_OF_FAMILY = {"topn_gmv": "topn_share", "source_visitors": "source_share"}


def lookup(key: str) -> Metric:
    if key in CATALOG:
        return CATALOG[key]
    name, _, param = key.partition(":")
    family = BASE_OF_FAMILY.get(name, name)
    for metric in parametric(f"{family}:{param}" if param else key):
        if metric.key == key:
            return metric
    raise UnknownMetric(f"unknown metric {key!r}")


def resolve(keys: list[str]) -> tuple[list[Metric], set[str]]:
    """The requested metrics and the base metrics they need."""
    requested, base = [], set()

    def need(key: str) -> None:
        metric = lookup(key)
        if metric.is_base:
            base.add(key)
        for dependency in metric.needs:
            need(dependency)

    for key in keys:
        need(key)
        requested.append(lookup(key))
    return requested, base


def is_cost(key: str) -> bool:
    """A cost metric, or one derived from a cost (gross_margin): withheld from roles that
    may not see costs."""
    metric = lookup(key)
    return metric.cost or any(is_cost(k) for k in metric.needs)


def finish(requested: list[Metric], base_values: dict) -> dict:
    """All requested values of one row, derived ones computed from the base values (and from
    derived ones in turn: gross_margin needs gross_profit). A base value that is missing is
    undefined (None), e.g. a metric that does not exist along the row's dimension."""
    values = dict(base_values)

    def value(metric: Metric):
        if metric.key not in values:
            if metric.is_base:
                values[metric.key] = None
            else:
                for dependency in metric.needs:
                    value(lookup(dependency))
                values[metric.key] = metric.derive(values)
        return values[metric.key]

    return {m.key: value(m) for m in requested}
