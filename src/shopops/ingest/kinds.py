"""The canonical ShopOps formats: for each kind its columns, required first, and the
parsing of a row of strings into typed values. Every input format is mapped onto these,
so validation is written once."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from shopops.core import bounds
from shopops.ingest.errors import RowError
from shopops.ingest.values import to_date, to_datetime, to_decimal, to_int
from shopops.planning import template2


@dataclass
class Context:
    zone: ZoneInfo
    date_format: str | None = None
    datetime_format: str | None = None
    decimal_comma: bool = False
    currency: str = ""
    run: object = None  # bulk.RunState of the import, for the writers


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable
    required: bool = False
    doc: str = ""


def text(limit: int) -> Callable:
    def parse(value, column, ctx):
        if len(value) <= limit and "\x00" not in value:
            return value
        if len(value) > limit:
            raise RowError(column, f"longer than {limit} characters")
        raise RowError(column, "contains a NUL character")

    parse.limit = limit  # for the column-wise path (`ingest.columnar`)
    return parse


def money(value, column, ctx) -> Decimal:
    return to_decimal(value, column, decimal_comma=ctx.decimal_comma)


def cost(value, column, ctx) -> Decimal:
    # A UnitCostField: 16 digits, 4 decimals.
    return to_decimal(value, column, decimal_comma=ctx.decimal_comma, places=4, max_digits=16)


def weight(value, column, ctx) -> Decimal:
    # Sku.weight_kg is a DecimalField(9, 3).
    return to_decimal(value, column, decimal_comma=ctx.decimal_comma, places=3, max_digits=9)


def count(value, column, ctx) -> int:
    return to_int(value, column)


def moment(value, column, ctx):
    return to_datetime(value, column, ctx.zone, ctx.datetime_format)


def day(value, column, ctx):
    return to_date(value, column, ctx.date_format)


def choice(mapping: dict[str, str]) -> Callable:
    def parse(value, column, ctx):
        try:
            return mapping[value.lower()] if value.lower() in mapping else mapping[value]
        except KeyError:
            allowed = ", ".join(sorted({v for v in mapping.values()}))
            raise RowError(column, f"{value!r} is not one of: {allowed}") from None

    parse.mapping = mapping  # for the column-wise path (`ingest.columnar`)
    return parse


ORDER_STATUSES = {
    s: s
    for s in (
        "pending_payment",
        "paid",
        "audited",
        "allocated",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
        "refunded",
    )
}
ROLES = {
    "traffic": "traffic",
    "profit": "profit",
    "image": "image",
    "引流款": "traffic",
    "利润款": "profit",
    "形象款": "image",
}
PRODUCT_STATUSES = {
    "on_sale": "on_sale",
    "off_sale": "off_sale",
    "draft": "draft",
    "在售": "on_sale",
    "出售中": "on_sale",
    "下架": "off_sale",
    "仓库中": "off_sale",
    "草稿": "draft",
}
TRAFFIC_SOURCES = {
    "natural_search": "natural_search",
    "paid": "paid",
    "campaign": "campaign",
    "member": "member",
    "other": "other",
    # platform names seen in 生意参谋 / 京东商智 traffic reports
    "自然搜索": "natural_search",
    "搜索": "natural_search",
    "手淘搜索": "natural_search",
    "付费": "paid",
    "付费流量": "paid",
    "直通车": "paid",
    "钻展": "paid",
    "引力魔方": "paid",
    "淘宝客": "paid",
    "万相台": "paid",
    "京东快车": "paid",
    "信息流": "paid",
    "活动": "campaign",
    "聚划算": "campaign",
    "淘抢购": "campaign",
    "天天特卖": "campaign",
    "会员": "member",
    "会员运营": "member",
    "私域": "member",
    "老客": "member",
    "其他": "other",
    "其它": "other",
    "直接访问": "other",
    "站外": "other",
}


@dataclass(frozen=True, eq=False)
class Kind:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    check: Callable[[dict], None] = field(default=lambda record: None)
    # False for records that are not the metrics' facts (tasks): the lake and the metric
    # cache are left alone after such an import.
    facts: bool = True
    # Other header names the canonical format takes for a column (template 2's Chinese ones).
    aliases: dict[str, str] = field(default_factory=dict)

    @cached_property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def parse(self, raw: dict[str, str], ctx: Context) -> dict:
        """Typed record from a row of strings. Columns the file does not have are absent
        from the record (readers use .get); an empty value is None."""
        columns = self.by_name
        record = {}
        for name, value in raw.items():
            column = columns.get(name)
            if column is None:
                if name.startswith("_"):
                    record[name] = value  # adapter extras (receiver, lines …), already typed
            elif value == "":
                if column.required and name not in NULLABLE_REQUIRED:
                    raise RowError(name, "is empty")
                record[name] = None
            else:
                record[name] = column.parse(value, name, ctx)
        for name in self.required:
            if name not in record:
                raise RowError(name, "is missing")
        self.check(record)
        return record

    def natural_key(self, record: dict) -> tuple:
        if len(self.key) == 1:
            return (record.get(self.key[0]) or "",)
        return tuple(record.get(k) or "" for k in self.key)


# Template 2's words (planning.template2), as well as the statuses' own values.
TASK_STATUSES = {
    **{value: value for value in template2.STATUS_WORDS},
    **{word: value for value, word in template2.STATUS_WORDS.items()},
    **template2.STATUS_SYNONYMS,
}
TEMPLATE_2 = {**dict(template2.COLUMNS), **template2.HEADER_SYNONYMS}


# paid_at must be present as a column, but an empty value means "not paid".
NULLABLE_REQUIRED = {"paid_at"}


def _check_order(r: dict) -> None:
    if r["paid_at"] is None and r["paid_amount"]:
        raise RowError("paid_at", f"is empty but paid_amount is {r['paid_amount']}")
    if (r.get("refunded_amount") or 0) > r["paid_amount"]:
        raise RowError(
            "refunded_amount",
            f"{r['refunded_amount']} is more than paid_amount {r['paid_amount']}",
        )


def _check_line(r: dict) -> None:
    if r["quantity"] == 0:
        raise RowError("quantity", "must be at least 1")


def _check_stock(r: dict) -> None:
    safety, warning = r.get("safety_stock"), r.get("warning_stock")
    if safety is not None and warning is not None and warning < safety:
        raise RowError("warning_stock", f"{warning} is below safety_stock {safety}")


def _check_ads(r: dict) -> None:
    if r["clicks"] > r["impressions"]:
        raise RowError("clicks", f"{r['clicks']} is more than impressions {r['impressions']}")


def _check_task(r: dict) -> None:
    if r["due"] < r["start"]:
        raise RowError("due", f"{r['due']} is before the start {r['start']}")


def _check_traffic(r: dict) -> None:
    clicks, impressions = r.get("clicks"), r.get("impressions")
    if clicks is not None and impressions is not None and clicks > impressions:
        raise RowError("clicks", f"{clicks} is more than impressions {impressions}")


C = Column
KINDS: dict[str, Kind] = {
    "orders": Kind(
        "orders",
        (
            C("order_id", text(64), True, "platform order id, unique per store"),
            C("paid_amount", money, True, "what the buyer paid, after discounts, incl. shipping"),
            C("created_at", moment, True, "order creation time"),
            C("paid_at", moment, True, "payment time; empty = unpaid"),
            C("customer_id", text(128), doc="platform buyer id; empty = guest"),
            C("status", choice(ORDER_STATUSES), doc="default derived from the times"),
            C("goods_amount", money),
            C("discount_amount", money),
            C("shipping_fee", money),
            C("refunded_amount", money),
            C("channel", text(64)),
            C("province", text(64)),
            C("city", text(64)),
            C("shipped_at", moment),
            C("delivered_at", moment),
            C("completed_at", moment),
            C("cancelled_at", moment),
            C("buyer_message", text(bounds.TEXT_MAX_LENGTH)),  # as at intake
        ),
        key=("order_id",),
        check=_check_order,
    ),
    "order_lines": Kind(
        "order_lines",
        (
            C("order_id", text(64), True),
            C("sku", text(64), True),
            C("quantity", count, True),
            C("unit_price", cost, True),  # per-piece prices may have 4 decimals
            C("product_name", text(255)),
            C("category", text(100)),
            C("line_amount", money, doc="default quantity x unit_price"),
            C("unit_cost", cost, doc="cost at sale time"),
        ),
        key=("order_id", "_line_no"),
        check=_check_line,
    ),
    "products": Kind(
        "products",
        (
            C("sku", text(64), True),
            C("product_name", text(255), True),
            C("price", money, True),
            C("spu", text(64), doc="default: the sku"),
            C("category", text(100)),
            C("cost", cost),
            C("role", choice(ROLES), doc="traffic | profit | image"),
            C("status", choice(PRODUCT_STATUSES), doc="on_sale | off_sale | draft"),
            C("listed_at", moment),
            C("title", text(255)),
            C("barcode", text(64)),
            C("weight_kg", weight),
        ),
        key=("sku",),
    ),
    "stock": Kind(
        "stock",
        (
            C("sku", text(64), True),
            C("warehouse", text(64), True),
            C("on_hand", count, True),
            C("safety_stock", count),
            C("warning_stock", count),
        ),
        key=("sku", "warehouse"),
        check=_check_stock,
    ),
    "traffic": Kind(
        "traffic",
        (
            C("date", day, True),
            C("source", choice(TRAFFIC_SOURCES), True),
            C("visitors", count, True),
            C("sku", text(64)),
            C("impressions", count),
            C("page_views", count),
            C("clicks", count),
            C("add_to_cart", count),
            C("favorites", count),
        ),
        key=("date", "source", "sku"),
        check=_check_traffic,
    ),
    "ads": Kind(
        "ads",
        (
            C("date", day, True),
            C("channel", text(64), True),
            C("plan", text(200), True),
            C("impressions", count, True),
            C("clicks", count, True),
            C("cost", money, True),
            C("keyword", text(200)),
            C("orders", count),
            C("gmv", money),
        ),
        key=("date", "channel", "plan", "keyword"),
        check=_check_ads,
    ),
    "tracking": Kind(
        "tracking",
        (
            C("carrier", text(64), True, "as on the shipment, e.g. 顺丰"),
            C("tracking_no", text(64), True),
            C("at", moment, True, "time of the event"),
            C("status", text(32), True, "in_transit, delivered / 签收, returned …"),
            C("location", text(200)),
            C("description", text(500)),
        ),
        key=("carrier", "tracking_no", "at", "status"),
    ),
    "tasks": Kind(
        "tasks",
        (
            C("name", text(200), True, "任务名称; a task of that name is updated"),
            C("start", day, True, "起始时间"),
            C("due", day, True, "截止时间"),
            C("description", text(4000), doc="任务描述"),
            C("owner", text(150), doc="负责人: a username (or full name) of the store"),
            C("departments", text(200), doc="协作部门"),
            C("deliverable", text(300), doc="交付物"),
            C(
                "status",
                choice(TASK_STATUSES),
                doc="当前状态: " + " ".join(template2.STATUS_WORDS.values()),
            ),
            C("notes", text(4000), doc="备注"),
        ),
        key=("name",),
        check=_check_task,
        facts=False,
        aliases=TEMPLATE_2,
    ),
}
