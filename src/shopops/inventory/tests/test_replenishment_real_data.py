"""Replenishment on the real UCI Online Retail data (issue 22's acceptance): the SKUs of the
year's five largest single order lines, imported as a store with their whole year. As of the
day after each of those lines, the SKU's suggestion is at most its largest 30 days of sales
in the year before, or flagged for review, and the line's order is listed as left out."""

import csv
from datetime import datetime, timedelta

import pytest

from shopops.core import services
from shopops.devtools.online_retail import convert
from shopops.ingest.pipeline import run_import
from shopops.inventory import replenishment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _largest_lines(by_day, n=5):
    lines = []
    for path in sorted(by_day.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                quantity = int(r["Quantity"])
                if quantity > 0 and not r["InvoiceNo"].startswith("C"):
                    day = datetime.fromisoformat(r["InvoiceDate"]).date()
                    lines.append((quantity, r["InvoiceNo"], r["StockCode"].strip(), day))
    return sorted(lines, reverse=True)[:n]


def test_the_years_largest_orders_make_no_giant_suggestions(shared_file, tmp_path):
    by_day = shared_file(("online-retail", "by-day"))
    largest = _largest_lines(by_day)
    assert largest[0][:3] == (80995, "581483", "23843")  # 纸鹤: the 1.7 million
    store = services.create_store(
        None, code="uk", name="UK", platform="own", currency="GBP", timezone="Europe/London"
    )
    paths = convert(by_day, tmp_path, skus={code for _q, _i, code, _d in largest})
    for kind in ("products", "stock", "orders", "order_lines"):
        done = run_import(store=store, kind=kind, path=paths[kind])
        assert done.rejected == 0, (kind, done.rejects[:3])
    for quantity, invoice, code, day in largest:
        rows = {s.sku: s for s in replenishment.suggestions(store, day + timedelta(days=1))}
        row = rows[code]
        assert row.suggested <= row.largest_30 or row.review, (code, row)
        assert invoice in [e.order_id for e in row.excluded], (code, row.excluded)
        if quantity > 50_000:  # the paper birds and storage jars: no giant order
            assert row.suggested < 1000, (code, row.suggested)
