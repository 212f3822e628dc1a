"""Many channels posting at once for the same few units: no oversell, nothing lost, no
duplicate. Each thread has its own database connection, as the web workers do."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel
from shopops.orders import intake
from shopops.orders.models import Order, OrderHold
from shopops.orders.tests.conftest import order_payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_concurrent_intakes_never_oversell(shelf):
    store = shelf["store"]
    # CUP: 10 on hand. 40 orders of one unit, each posted twice, from 12 threads at once.
    bodies = [order_payload(f"F{i}", customer_id=f"c{i}") for i in range(40)] * 2

    def call(body):
        try:
            return intake.receive(None, store, body).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(call, bodies))
    first, second = codes[:40], codes[40:]
    assert sorted(first + second).count(201) == 20  # 10 orders, each answered 201 twice
    assert codes.count(202) == 60
    assert Order.objects.filter(store=store).count() == 40
    level = StockLevel.objects.get(sku=shelf["CUP"], warehouse=shelf["HZ"])
    assert (level.on_hand, level.reserved) == (10, 10)
    assert OrderHold.objects.filter(reason="stock_short", resolved_at=None).count() == 30
    assert stock.reconcile(store) == []
