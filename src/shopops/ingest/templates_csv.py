"""Downloadable templates: the header of each canonical kind and one example row."""

import csv
import io

from shopops.core.spreadsheets import inert_row
from shopops.ingest.kinds import KINDS

EXAMPLES = {
    "tasks": {
        "name": "618 预热页面",
        "start": "2026-05-20",
        "due": "2026-05-28",
        "description": "主会场与分会场页面",
        "owner": "designer01",
        "departments": "设计部、运营部",
        "deliverable": "活动页面",
        "status": "进行中",
        "notes": "",
    },
    "orders": {
        "order_id": "2851234567890",
        "paid_amount": "178.80",
        "created_at": "2024-11-11 00:00:01",
        "paid_at": "2024-11-11 00:00:05",
        "customer_id": "tb_buyer_01",
        "status": "paid",
        "goods_amount": "188.00",
        "discount_amount": "20.00",
        "shipping_fee": "10.80",
        "refunded_amount": "0",
        "channel": "tmall",
        "province": "浙江省",
        "city": "杭州市",
    },
    "order_lines": {
        "order_id": "2851234567890",
        "sku": "CUP-500",
        "quantity": "2",
        "unit_price": "94.00",
        "product_name": "保温杯 500ml",
        "category": "杯具",
        "line_amount": "188.00",
        "unit_cost": "31.2000",
    },
    "products": {
        "sku": "CUP-500",
        "product_name": "保温杯 500ml",
        "price": "94.00",
        "spu": "CUP",
        "category": "杯具",
        "cost": "31.2000",
        "role": "traffic",
        "status": "on_sale",
        "listed_at": "2024-03-01 10:00:00",
        "barcode": "6901234567892",
        "weight_kg": "0.450",
    },
    "stock": {
        "sku": "CUP-500",
        "warehouse": "HZ01",
        "on_hand": "320",
        "safety_stock": "50",
        "warning_stock": "100",
    },
    "traffic": {
        "date": "2024-11-11",
        "source": "natural_search",
        "visitors": "12034",
        "impressions": "480000",
        "page_views": "35120",
        "clicks": "15211",
        "add_to_cart": "1820",
        "favorites": "640",
    },
    "ads": {
        "date": "2024-11-11",
        "channel": "直通车",
        "plan": "双11主推",
        "impressions": "90000",
        "clicks": "3100",
        "cost": "2480.00",
        "keyword": "",
        "orders": "96",
        "gmv": "16320.00",
    },
    "tracking": {
        "carrier": "顺丰",
        "tracking_no": "SF1234567890",
        "at": "2024-11-12 09:30:00",
        "status": "delivered",
        "location": "上海市浦东新区",
        "description": "已签收，签收人：本人",
    },
}


def template(kind: str) -> str:
    columns = KINDS[kind].column_names
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(inert_row(columns))
    writer.writerow(inert_row(EXAMPLES[kind].get(c, "") for c in columns))
    return out.getvalue()
