"""The Shopify admin "Export orders" CSV: one row per line item; the order's own fields are
filled on its first row only."""

from shopops.ingest.errors import RowError
from shopops.ingest.formats.base import Adapter

ORDER_FIELDS = {
    "Name": "order_id",
    "Email": "customer_id",
    "Financial Status": "_financial",
    "Paid at": "paid_at",
    "Fulfillment Status": "_fulfillment",
    "Fulfilled at": "shipped_at",
    "Currency": "_currency",
    "Subtotal": "goods_amount",
    "Shipping": "shipping_fee",
    "Total": "paid_amount",
    "Discount Amount": "discount_amount",
    "Created at": "created_at",
    "Cancelled at": "cancelled_at",
    "Refunded Amount": "refunded_amount",
    "Shipping Province": "province",
    "Shipping City": "city",
    "Shipping Name": "_receiver_name",
    "Shipping Phone": "_receiver_phone",
    "Shipping Address1": "_receiver_address",
    "Notes": "buyer_message",
    "Source": "channel",
    "Lineitem quantity": "_qty",
    "Lineitem name": "_name",
    "Lineitem price": "_price",
    "Lineitem sku": "_sku",
    "Lineitem discount": "_discount",
    "Vendor": "_vendor",
}
PAID = {"paid", "partially_paid", "partially_refunded", "refunded"}
STATUS = {
    "pending": "pending_payment",
    "authorized": "pending_payment",
    "paid": "paid",
    "partially_paid": "paid",
    "partially_refunded": "paid",
    "refunded": "refunded",
    "voided": "cancelled",
    "expired": "cancelled",
}


class ShopifyOrdersAdapter(Adapter):
    name = "shopify"
    kinds = ("orders",)

    def column_map(self):
        return ORDER_FIELDS

    def required_sources(self):
        return [
            ["Name"],
            ["Total"],
            ["Created at"],
            ["Financial Status"],
            ["Lineitem quantity"],
            ["Lineitem price"],
        ]

    def records(self):
        group = None  # (first line, first row, order dict, [line dicts])
        for line, row, raw in self.rows():
            if isinstance(raw, RowError):
                yield line, row, raw
                continue
            if group is not None and raw.get("order_id") != group[2]["order_id"]:
                yield self._finish(group)
                group = None
            item = {
                "_line": line,
                "sku": raw.get("_sku") or raw.get("_name", "")[:64],
                "quantity": raw.get("_qty", ""),
                "unit_price": raw.get("_price", ""),
                "product_name": raw.get("_name", ""),
                "category": raw.get("_vendor", ""),
                "_discount": raw.get("_discount", ""),
            }
            if group is None:
                group = (line, row, raw, [item])
            else:
                group[3].append(item)
        if group is not None:
            yield self._finish(group)

    def _finish(self, group):
        line, row, raw, items = group
        try:
            return line, row, self._order(raw, items)
        except RowError as exc:
            return line, row, exc

    def _order(self, raw, items):
        if not raw.get("_financial"):
            raise RowError("Financial Status", "is empty on the order's first row")
        currency = raw.pop("_currency", "")
        if currency and self.ctx.currency and currency != self.ctx.currency:
            raise RowError(
                "Currency", f"{currency} is not the store's currency {self.ctx.currency}"
            )
        financial = raw.pop("_financial").lower()
        if financial in PAID and not raw.get("paid_at"):
            # Exports of manual and test payments leave "Paid at" empty; the order was paid
            # when it was placed.
            raw["paid_at"] = raw.get("created_at", "")
        if financial not in PAID:
            raw["paid_at"] = ""
            raw["paid_amount"] = "0"
        status = STATUS.get(financial, "")
        if raw.get("cancelled_at"):
            status = "cancelled"
        elif status == "paid" and raw.pop("_fulfillment", "").lower() == "fulfilled":
            status = "shipped"
        raw.pop("_fulfillment", None)
        if status:
            raw["status"] = status
        for key in [
            k for k in raw if k in ("_qty", "_name", "_price", "_sku", "_discount", "_vendor")
        ]:
            raw.pop(key)
        raw["_lines"] = items
        return raw
