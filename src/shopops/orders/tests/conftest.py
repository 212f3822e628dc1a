import json
from decimal import Decimal

import pytest

from shopops.catalog.models import Product, Sku
from shopops.inventory import services as stock
from shopops.inventory.models import Warehouse


@pytest.fixture
def shelf(store_a):
    """Store A with SKUs CUP (10 on hand in HZ) and LID (3 on hand in HZ, 2 in GZ)."""
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯", category="杯具")
    cup = Sku.objects.create(
        store=store_a, product=product, code="CUP", price=Decimal("99"), cost=Decimal("30")
    )
    lid = Sku.objects.create(store=store_a, product=product, code="LID", price=Decimal("9.9"))
    hz = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    gz = Warehouse.objects.create(store=store_a, code="GZ", name="广州仓")
    stock.receive(None, store_a, cup, hz, 10, reason="opening")
    stock.receive(None, store_a, lid, hz, 3, reason="opening")
    stock.receive(None, store_a, lid, gz, 2, reason="opening")
    return {"store": store_a, "CUP": cup, "LID": lid, "HZ": hz, "GZ": gz}


def order_payload(order_id="T1", lines=(("CUP", 1, "99.00"),), paid=True, **extra):
    body = {
        "store": "alpha",
        "order_id": order_id,
        "created_at": "2026-11-11T00:00:01+08:00",
        "paid_at": "2026-11-11T00:00:05+08:00" if paid else None,
        "customer_id": "buyer-1",
        "paid_amount": str(sum(Decimal(p) * q for _s, q, p in lines)),
        "lines": [{"sku": s, "quantity": q, "unit_price": p} for s, q, p in lines],
        "shipping_address": {
            "name": "张三",
            "phone": "13800138000",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文三路 1 号",
        },
    }
    body.update(extra)
    return body


@pytest.fixture
def post():
    def _post(client, url, body):
        return client.post(url, json.dumps(body), content_type="application/json")

    return _post
