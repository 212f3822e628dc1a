"""The overdue-shipment rule (orders.queries.is_overdue): paid and not shipped, past the
store's shipping promise. The overdue tab, its count and the red "ship by" of every row
read the one rule."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shopops.orders import queries
from shopops.orders.models import FulfilmentSettings, Order, OrderStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = datetime.now(UTC).replace(microsecond=0)
S = OrderStatus


@pytest.fixture
def orders(store_a):
    """Orders paid some hours before NOW, in several states; the promise is 24 hours."""
    FulfilmentSettings.objects.update_or_create(
        store=store_a, defaults={"shipping_promise_hours": 24}
    )
    made = {}
    for order_id, status, hours_ago in [
        ("PAID-25H", S.PAID, 25),  # overdue
        ("AUDITED-30H", S.AUDITED, 30),  # overdue
        ("ALLOCATED-48H", S.ALLOCATED, 48),  # overdue
        ("PAID-24H", S.PAID, 24),  # exactly at the deadline: not yet late
        ("PAID-23H", S.PAID, 23),  # in time
        ("SHIPPED-40H", S.SHIPPED, 40),  # shipped: never overdue
        ("CANCELLED-40H", S.CANCELLED, 40),
        ("UNPAID", S.PENDING_PAYMENT, None),
    ]:
        paid = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
        made[order_id] = Order.objects.create(
            store=store_a,
            order_id=order_id,
            status=status,
            created_at=paid or NOW - timedelta(hours=50),
            paid_at=paid,
            paid_amount=Decimal("10"),
        )
    return store_a


OVERDUE = {"PAID-25H", "AUDITED-30H", "ALLOCATED-48H"}


def test_the_rule(orders):
    assert set(queries.overdue(orders, now=NOW).values_list("order_id", flat=True)) == OVERDUE
    assert queries.counts(orders, now=NOW)["overdue"] == 3
    # An hour later the order paid 24 hours before NOW is late too.
    later = set(
        queries.overdue(orders, now=NOW + timedelta(hours=1)).values_list("order_id", flat=True)
    )
    assert later == OVERDUE | {"PAID-24H"}


def test_every_tab_flags_late_rows_by_the_same_rule(orders):
    for tab in queries.TABS:
        rows = queries.queue(orders, tab, now=NOW)
        assert {o.order_id for o in rows if o.late} == OVERDUE & {o.order_id for o in rows}
    assert {o.order_id for o in queries.queue(orders, "overdue", now=NOW)} == OVERDUE
    # The store's promise is part of the rule: 72 hours, and nothing is late yet.
    FulfilmentSettings.objects.filter(store=orders).update(shipping_promise_hours=72)
    assert not any(o.late for o in queries.queue(orders, "all", now=NOW))


def test_the_page_marks_the_late_rows(orders, as_role):
    page = as_role("warehouse").get("/orders/?tab=all").content.decode()

    def paid_cell(order_id):
        row = page.split(f'data-order="{order_id}"')[1].split("</tr>")[0]
        return row.split('<td class="small text-nowrap">')[1].split("</td>")[0]

    # The page's clock is a moment after NOW: the order paid 24 hours before NOW is late.
    for order_id in [*OVERDUE, "PAID-24H"]:
        assert '<div class="text-red">' in paid_cell(order_id), order_id
    assert '<div class="text-secondary">' in paid_cell("PAID-23H")
    assert "<div" not in paid_cell("UNPAID")  # no deadline without a payment
    assert '<div class="text-red">' not in paid_cell("SHIPPED-40H")
