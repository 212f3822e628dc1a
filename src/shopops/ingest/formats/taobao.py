"""Taobao/Tmall seller-centre exports: 订单报表 (orders) and 宝贝报表 (order lines).

Any subset of the columns that holds the required ones is accepted; other columns of the
40-odd in a full export are ignored.
"""

from decimal import Decimal, InvalidOperation

from shopops.ingest.formats.base import Adapter

ORDER_COLUMNS = {
    "订单编号": "order_id",
    "买家会员名": "customer_id",
    "买家应付货款": "goods_amount",
    "买家应付邮费": "shipping_fee",
    "总金额": "_total",
    "买家实际支付金额": "paid_amount",
    "订单状态": "_status",
    "收货地址": "_address",
    "订单创建时间": "created_at",
    "订单付款时间": "paid_at",
    "退款金额": "refunded_amount",
    "买家留言": "buyer_message",
    "收货人姓名": "_receiver_name",
    "联系手机": "_receiver_phone",
    "联系电话": "_receiver_phone",
    "物流单号": "_tracking_no",
    "物流公司": "_carrier",
    "店铺名称": "channel",
    "确认收货时间": "completed_at",
    "发货时间": "shipped_at",
}
LINE_COLUMNS = {
    "订单编号": "order_id",
    "商家编码": "sku",
    "外部系统编号": "sku",
    "标题": "product_name",
    "宝贝标题": "product_name",
    "价格": "unit_price",
    "购买数量": "quantity",
    "商品属性": "_props",
}
STATUS = {
    "等待买家付款": "pending_payment",
    "买家已付款，等待卖家发货": "paid",
    "买家已付款,等待卖家发货": "paid",
    "等待卖家发货": "paid",
    "卖家已发货，等待买家确认": "shipped",
    "卖家已发货,等待买家确认": "shipped",
    "交易成功": "completed",
    "交易关闭": "cancelled",
    "付款以后用户退款成功，交易自动关闭": "refunded",
}


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", "")) if value else None
    except InvalidOperation:
        return None  # the validator reports it with its column


class TaobaoAdapter(Adapter):
    name = "taobao"
    kinds = ("orders", "order_lines")

    def column_map(self):
        return ORDER_COLUMNS if self.kind.name == "orders" else LINE_COLUMNS

    def required_sources(self):
        if self.kind.name == "orders":
            return [
                ["订单编号"],
                ["买家实际支付金额", "总金额"],
                ["订单创建时间"],
                ["订单付款时间"],
            ]
        return [
            ["订单编号"],
            ["商家编码", "外部系统编号", "标题", "宝贝标题"],
            ["购买数量"],
            ["价格"],
        ]

    def convert(self, raw):
        if self.kind.name == "order_lines":
            if not raw.get("sku"):
                raw["sku"] = raw.get("product_name", "")[:64]
            return raw
        total = _decimal(raw.pop("_total", ""))
        paid = _decimal(raw.get("paid_amount", ""))
        refund = _decimal(raw.get("refunded_amount", "")) or Decimal(0)
        if paid is None and total is not None:
            raw["paid_amount"] = str(total)
        elif paid is not None and total is not None and refund > 0 and paid + refund == total:
            # Reduced reports (like the public Tmall sample) give 买家实际支付金额 net of the
            # refund; what the buyer paid at payment time is the total.
            raw["paid_amount"] = str(total)
        if not raw.get("paid_at"):
            raw["paid_amount"] = "0"  # unpaid orders carry 0.0 in these reports
        status = STATUS.get(raw.pop("_status", "").strip())
        if status:
            raw["status"] = status
        address = raw.pop("_address", "")
        if address:
            parts = address.split()
            raw.setdefault("province", parts[0])
            if len(parts) > 1:
                raw.setdefault("city", parts[1])
            if len(parts) > 2:
                raw["_receiver_address"] = address
        return raw
