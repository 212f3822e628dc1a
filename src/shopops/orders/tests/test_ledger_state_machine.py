"""Property: any sequence of intakes, payments, audits, shipments, cancellations, refunds,
receipts, adjustments, stock-takes and transfers keeps every stock row with on hand >= 0
and reserved <= on hand, its ledger adding up to both, and every paid order either holding
its stock or queued as stock short."""

import contextlib
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shopops.catalog.models import Product, Sku
from shopops.core import services as core
from shopops.inventory import services as stock
from shopops.inventory.models import StockLevel, Warehouse
from shopops.orders import intake, services, states
from shopops.orders.models import HoldReason, Order

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SKUS = ("A", "B", "C")
WAREHOUSES = ("W1", "W2")
_stores = itertools.count()
ACTED = (ValidationError, states.IllegalTransition)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def store(self):
        n = next(_stores)
        self.store = core.create_store(None, via="test", code=f"p{n}", name=f"P{n}", platform="own")
        product = Product.objects.create(store=self.store, spu="P", name="P")
        self.skus = {
            c: Sku.objects.create(store=self.store, product=product, code=c, price=Decimal("10"))
            for c in SKUS
        }
        self.whs = {
            c: Warehouse.objects.create(store=self.store, code=c, name=c) for c in WAREHOUSES
        }
        self.orders: list[str] = []

    @rule(
        lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=3),
        paid=st.booleans(),
    )
    def post_order(self, lines, paid):
        order_id = f"O{len(self.orders)}"
        body = {
            "order_id": order_id,
            "created_at": "2026-11-11T00:00:00+08:00",
            "paid_at": "2026-11-11T00:00:01+08:00" if paid else None,
            "paid_amount": str(Decimal(10) * sum(q for _s, q in lines)),
            "customer_id": order_id,
            "lines": [{"sku": s, "quantity": q, "unit_price": "10.00"} for s, q in lines],
            "shipping_address": {"name": "n", "phone": "1", "province": "p", "address": "a"},
        }
        answer = intake.receive(None, self.store, body)
        assert answer.status_code in (201, 202)
        self.orders.append(order_id)

    def _order(self, i):
        if not self.orders:
            return None
        return Order.objects.get(store=self.store, order_id=self.orders[i % len(self.orders)])

    @rule(i=st.integers(0, 50))
    def pay(self, i):
        order = self._order(i)
        if order is not None:
            with contextlib.suppress(ACTED):
                services.pay(None, order, order.created_at)

    @rule(i=st.integers(0, 50))
    def audit_and_ship(self, i):
        order = self._order(i)
        if order is None:
            return
        try:
            services.review_order(None, order)
            services.ship(None, order, carrier="SF", tracking_no=f"T{order.pk}")
        except ACTED:
            pass

    @rule(i=st.integers(0, 50))
    def cancel(self, i):
        order = self._order(i)
        if order is not None:
            with contextlib.suppress(ACTED):
                services.cancel(None, order, reason="test")

    @rule(i=st.integers(0, 50), whole=st.booleans(), restock=st.booleans())
    def refund(self, i, whole, restock):
        order = self._order(i)
        if order is None:
            return
        left = order.paid_amount - order.refunded_amount
        amount = left if whole else (left / 2).quantize(Decimal("0.01"))
        with contextlib.suppress(ACTED):
            services.refund(None, order, amount=amount, reason="test", restock=restock)

    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), n=st.integers(1, 6))
    def receive(self, sku, wh, n):
        stock.receive(None, self.store, self.skus[sku], self.whs[wh], n)
        services.retry_stock_short(self.store)

    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), d=st.integers(-6, 6))
    def adjust(self, sku, wh, d):
        with contextlib.suppress(ValidationError):
            stock.adjust(None, self.store, self.skus[sku], self.whs[wh], d, reason="count")

    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), n=st.integers(0, 8))
    def stocktake(self, sku, wh, n):
        with contextlib.suppress(ValidationError):
            stock.stocktake(None, self.store, self.skus[sku], self.whs[wh], n)

    @rule(sku=st.sampled_from(SKUS), n=st.integers(1, 5))
    def transfer(self, sku, n):
        with contextlib.suppress(ValidationError):
            stock.transfer(None, self.store, self.skus[sku], self.whs["W1"], self.whs["W2"], n)

    @invariant()
    def stock_is_sound(self):
        if not hasattr(self, "store"):
            return
        for on_hand, reserved in StockLevel.objects.filter(store=self.store).values_list(
            "on_hand", "reserved"
        ):
            assert on_hand >= 0 and 0 <= reserved <= on_hand
        assert stock.reconcile(self.store) == []

    @invariant()
    def paid_orders_hold_stock_or_wait(self):
        if not hasattr(self, "store"):
            return
        for order in Order.objects.filter(store=self.store, status__in=states.OPEN):
            short = order.holds.filter(reason=HoldReason.STOCK_SHORT, resolved_at=None).exists()
            assert services.is_reserved(order) != short, order.order_id


LedgerMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None, derandomize=True
)


def test_ledger_and_state_machine(db):
    LedgerMachine.TestCase().runTest()
