"""The demo store looks like a real shop: seasonality with peaks, returning buyers, traffic
consistent with orders, lines that add up, a ledger that adds up, and the same data for
the same seed."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from conftest import kept_for_module

from shopops.core import services
from shopops.devtools import demo_data
from shopops.inventory.models import StockLevel, StockMovement
from shopops.marketing.models import AdFact, TrafficFact
from shopops.orders.models import Order, OrderLine
from shopops.service.models import Review

END = date(2025, 11, 30)


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    # One load for the module's tests; each test's changes roll back to it.
    with kept_for_module(django_db_blocker):
        store = services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
        made = demo_data.load(
            store, seed=7, months=2, end=END, target_orders=4000, progress=lambda m: None
        )
        yield store, made


@pytest.fixture
def demo(loaded_once, db):
    return loaded_once


def test_shape_of_the_demo_store(demo):
    store, made = demo
    assert made["from"] == "2025-10-01" and made["to"] == "2025-11-30"
    assert made["skus"] >= 200
    paid = Order.objects.filter(store=store, paid_at__isnull=False)
    by_day = defaultdict(Decimal)
    buyers_by_day = defaultdict(set)
    orders_per_customer = Counter()
    for order in paid:
        day = order.paid_at.astimezone(store.zone).date()
        by_day[day] += order.paid_amount
        buyers_by_day[day].add(order.customer_id or f"guest{order.pk}")
        if order.customer_id:
            orders_per_customer[order.customer_id] += 1
    assert max(by_day, key=by_day.get) == date(2025, 11, 11)  # 双11 is the peak
    assert by_day[date(2025, 11, 11)] > 4 * by_day[date(2025, 10, 15)]
    returning = sum(1 for n in orders_per_customer.values() if n >= 2)
    assert 0.05 < returning / len(orders_per_customer) < 0.5
    # Traffic is consistent with orders: the sources' visitors convert into the day's buyers.
    visitors = defaultdict(int)
    for fact in TrafficFact.objects.filter(store=store, sku_code=""):
        visitors[fact.date] += fact.visitors
    for day, buyers in buyers_by_day.items():
        assert 0.01 < len(buyers) / visitors[day] < 0.12, day
    # Lines carry their order's paid amount exactly.
    line_sums = defaultdict(Decimal)
    for order_id, amount in OrderLine.objects.filter(store=store).values_list(
        "order_id", "allocated_amount"
    ):
        line_sums[order_id] += amount
    assert all(line_sums[o.pk] == o.paid_amount for o in paid)
    refunded = paid.filter(refunded_amount__gt=0).count()
    assert 0.02 < refunded / paid.count() < 0.12
    assert Review.objects.filter(store=store).exists()
    assert {r for r in Review.objects.values_list("rating", flat=True)} == {1, 2, 3, 4, 5}
    roles = set(OrderLine.objects.filter(store=store).values_list("sku__product__role", flat=True))
    assert roles == {"traffic", "profit", "image"}
    ads = AdFact.objects.filter(store=store)
    assert sum(a.gmv for a in ads) / sum(a.cost for a in ads) > 1
    for level in StockLevel.objects.filter(store=store)[:50]:
        moved = StockMovement.objects.filter(sku=level.sku, warehouse=level.warehouse)
        assert sum(m.quantity for m in moved) == level.on_hand


def test_same_seed_same_data(demo):
    store, _ = demo

    def fingerprint():
        return (
            list(
                Order.objects.filter(store=store)
                .order_by("order_id")
                .values_list("order_id", "paid_amount", "paid_at", "status")
            ),
            list(
                TrafficFact.objects.filter(store=store)
                .order_by("date", "source")
                .values_list("date", "source", "visitors")
            ),
        )

    first = fingerprint()
    demo_data.load(store, seed=7, months=2, end=END, target_orders=4000, progress=lambda m: None)
    assert fingerprint() == first


def test_demo_fulfilment_gives_the_queues_work(demo):
    from datetime import timedelta

    from django.utils import timezone

    from shopops.devtools.demo import demo_fulfilment
    from shopops.inventory.models import Allocation
    from shopops.inventory.services import reconcile
    from shopops.orders.models import IntakeReceipt, OrderHold

    store, _made = demo
    started = timezone.now()
    posted = demo_fulfilment(store)
    # What it returns is what it posted through channel intake: one receipt and one order
    # each, every one accepted.
    receipts = {r.order_id: r for r in IntakeReceipt.objects.filter(store=store)}
    assert posted == len(receipts) > 0
    assert all(r.status_code in (201, 202) for r in receipts.values())
    orders = Order.objects.filter(store=store, order_id__in=receipts).prefetch_related("lines")
    assert orders.count() == posted
    for order in orders:
        # Today's open orders: paid within the last two hours, not shipped or cancelled.
        assert started - timedelta(hours=2) < order.paid_at <= timezone.now(), order.order_id
        assert order.shipped_at is None and order.cancelled_at is None, order.order_id
        # All-or-none: every line fully reserved, or none of them and the order waits for
        # stock (库存不足); the intake answer says the same.
        lines = list(order.lines.all())
        assert lines, order.order_id
        reserved = [
            sum(
                a.quantity
                for a in Allocation.objects.filter(line=line, released_at=None, shipped_at=None)
            )
            for line in lines
        ]
        short = order.holds.filter(reason="stock_short", resolved_at=None).exists()
        whole = all(n == line.quantity for n, line in zip(reserved, lines, strict=True))
        assert (whole, short) in ((True, False), (False, True)), (order.order_id, reserved)
        if short:
            assert not any(reserved), order.order_id
        assert receipts[order.order_id].body["allocated"] is whole, order.order_id
    assert demo_fulfilment(store) == 0  # once per store
    assert IntakeReceipt.objects.filter(store=store).count() == posted
    held = sorted(
        OrderHold.objects.filter(store=store, resolved_at=None).values_list(
            "order__order_id", "reason"
        )
    )
    assert held == [
        ("DEMO-007", "buyer_message"),
        ("DEMO-008", "address_incomplete"),
        ("DEMO-010", "stock_short"),
        ("DEMO-011", "stock_short"),
    ]
    assert reconcile(store) == []
