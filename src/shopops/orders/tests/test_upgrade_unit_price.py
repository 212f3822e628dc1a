"""Upgrading keeps every row: a database at orders/0002 (unit prices of 2 decimals) migrated
to 0003 (4 decimals) has the same order lines, amounts and prices after."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("orders", "0002_holds_events_intake_fulfilment")]
AFTER = [("orders", "0003_unit_price_four_decimals")]


def test_order_lines_survive_the_widening_of_unit_price():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Store = old.get_model("core", "Store")
    Order = old.get_model("orders", "Order")
    OrderLine = old.get_model("orders", "OrderLine")
    store = Store.objects.create(code="up", name="升级", platform="tmall")
    order = Order.objects.create(
        store=store, order_id="U1", created_at=timezone.now(), paid_amount=Decimal("21.98")
    )
    for no, price in enumerate(("9.99", "11.99"), start=1):
        OrderLine.objects.create(
            store=store,
            order=order,
            line_no=no,
            sku_code=f"S{no}",
            quantity=1,
            unit_price=Decimal(price),
            line_amount=Decimal(price),
            allocated_amount=Decimal(price),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("orders", "OrderLine")
    rows = list(
        new.objects.filter(order__order_id="U1")
        .order_by("line_no")
        .values_list("unit_price", "line_amount", "allocated_amount")
    )
    assert rows == [
        (Decimal("9.99"), Decimal("9.99"), Decimal("9.99")),
        (Decimal("11.99"), Decimal("11.99"), Decimal("11.99")),
    ]
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
