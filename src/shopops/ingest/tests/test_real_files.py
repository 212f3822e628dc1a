"""The public real exports import without a rejected row, and the counts and paid totals the
import produces equal those computed straight from the files."""

import csv
from collections import defaultdict
from decimal import Decimal

import pytest
from conftest import SHOPIFY_EXPORT, TMALL_REPORT

from shopops.core import services
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order, OrderLine

pytestmark = pytest.mark.postgres


def _paid(qs):
    orders = list(qs.filter(paid_at__isnull=False).values_list("paid_amount", "refunded_amount"))
    return len(orders), sum(p for p, _ in orders), sum(r for _, r in orders)


def test_tmall_order_report(shop, shared_file):
    TMALL = shared_file(TMALL_REPORT)
    with open(TMALL, encoding="utf-8", newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    paid_rows = [r for r in rows if r["订单付款时间"].strip()]
    # In this reduced report 买家实际支付金额 is net of refunds (it + 退款金额 = 总金额), so
    # what the buyer paid at payment time is 总金额.
    assert all(
        Decimal(r["买家实际支付金额"]) + Decimal(r["退款金额"]) == Decimal(r["总金额"])
        for r in paid_rows
    )
    expected_gmv = sum(Decimal(r["总金额"]) for r in paid_rows)
    expected_refunds = sum(Decimal(r["退款金额"]) for r in paid_rows)

    result = run_import(store=shop, kind="orders", path=TMALL, fmt="taobao")
    assert (result.rejected, result.inserted) == (0, len(rows))
    count, gmv, refunds = _paid(Order.objects.filter(store=shop))
    assert (count, gmv, refunds) == (len(paid_rows), expected_gmv, expected_refunds)
    assert (count, gmv) == (24087, Decimal("2474823.07"))

    again = run_import(store=shop, kind="orders", path=TMALL, fmt="taobao")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))


def test_shopify_orders_export(db, shared_file):
    SHOPIFY = shared_file(SHOPIFY_EXPORT)
    store = services.create_store(
        None,
        code="dev",
        name="Dev store",
        platform="shopify",
        currency="INR",
        timezone="Asia/Kolkata",
    )
    with open(SHOPIFY, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    firsts = [r for r in rows if r["Financial Status"]]
    lines = defaultdict(list)
    for r in rows:
        lines[r["Name"]].append(r)

    result = run_import(store=store, kind="orders", path=SHOPIFY, fmt="shopify")
    assert (result.rejected, result.inserted) == (0, len(firsts))
    count, gmv, _ = _paid(Order.objects.filter(store=store))
    assert count == len(firsts) == 51
    assert gmv == sum(Decimal(r["Total"]) for r in firsts) == Decimal("590683.29")
    assert OrderLine.objects.filter(store=store).count() == len(rows) == 121
    # Lines carry their order's paid amount exactly (line GMV, METRICS.md).
    for order in Order.objects.filter(store=store).prefetch_related("lines"):
        assert sum(x.allocated_amount for x in order.lines.all()) == order.paid_amount
        assert order.lines.count() == len(lines[order.order_id])
    # "2025-12-06 10:37:30 -0500" keeps its own offset.
    order = Order.objects.get(store=store, order_id="#1050")
    assert order.created_at.isoformat() == "2025-12-06T15:37:30+00:00"

    again = run_import(store=store, kind="orders", path=SHOPIFY, fmt="shopify")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(firsts))


def test_shopify_currency_must_match_the_store(shop, shared_file):
    SHOPIFY = shared_file(SHOPIFY_EXPORT)
    from shopops.ingest.errors import ImportFailed

    with pytest.raises(ImportFailed, match=r"orders_export_1.csv, line 2, column Currency: INR"):
        run_import(store=shop, kind="orders", path=SHOPIFY, fmt="shopify")
    assert not Order.objects.exists()
