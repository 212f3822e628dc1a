"""The UCI Online Retail export (../shared/data/online-retail/by-day, one CSV per day of
invoice lines) written as ShopOps' canonical files, to be imported as a store: the real
wholesale data of the replenishment tests and `bench replenish`.

- Each invoice is an order (paid when invoiced, in the store's zone: London), its lines
  the order's lines (unit prices keep their 4 places; amounts are cents, half-up).
- A cancellation invoice ("C…", negative quantities) refunds the earlier line of the same
  customer, SKU and quantity; an order whose lines are all cancelled is refunded whole.
- Every SKU becomes a product (its last unit price, to the cent) with 50 on hand.
"""

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from shopops.core.numbers import CENT, line_amount, quantize


def convert(by_day: Path, out: Path, skus: set[str] | None = None) -> dict[str, Path]:
    """Write orders.csv, order_lines.csv, products.csv and stock.csv into `out` from every
    day file of `by_day` (only the lines of `skus`, when given)."""
    invoices: dict[str, dict] = {}
    cancellations = []
    for path in sorted(Path(by_day).glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                code = r["StockCode"].strip()
                if skus is not None and code not in skus:
                    continue
                quantity = int(r["Quantity"])
                price = Decimal(r["UnitPrice"])
                customer = r["CustomerID"].split(".")[0].strip()
                if r["InvoiceNo"].startswith("C") or quantity < 0:
                    cancellations.append((customer, code, -quantity, r["InvoiceDate"]))
                    continue
                if quantity == 0 or price < 0:
                    continue
                order = invoices.setdefault(
                    r["InvoiceNo"],
                    {"at": r["InvoiceDate"], "customer": customer, "lines": []},
                )
                order["lines"].append(
                    {"sku": code, "quantity": quantity, "price": price,
                     "name": r["Description"].strip(), "refunded": False}
                )  # fmt: skip
    # A cancellation refunds the latest earlier line of the customer, SKU and quantity.
    by_key = defaultdict(list)
    for order in invoices.values():
        for line in order["lines"]:
            by_key[(order["customer"], line["sku"], line["quantity"])].append((order["at"], line))
    for customer, code, quantity, at in cancellations:
        earlier = [x for x in by_key.get((customer, code, quantity), []) if x[0] <= at]
        earlier = [x for x in earlier if not x[1]["refunded"]]
        if customer and earlier:
            max(earlier, key=lambda x: x[0])[1]["refunded"] = True
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / f"{k}.csv" for k in ("orders", "order_lines", "products", "stock")}
    prices: dict[str, tuple[str, Decimal]] = {}
    with (
        open(paths["orders"], "w", encoding="utf-8", newline="") as o,
        open(paths["order_lines"], "w", encoding="utf-8", newline="") as ln,
    ):
        orders, lines = csv.writer(o), csv.writer(ln)
        orders.writerow(["order_id", "paid_amount", "created_at", "paid_at", "customer_id",
                         "refunded_amount", "status"])  # fmt: skip
        lines.writerow(["order_id", "sku", "quantity", "unit_price", "product_name"])
        for invoice, order in sorted(invoices.items()):
            amounts = [line_amount(x["quantity"], x["price"]) for x in order["lines"]]
            paid = sum(amounts, Decimal(0))
            refunded = sum(
                (a for a, x in zip(amounts, order["lines"], strict=True) if x["refunded"]),
                Decimal(0),
            )
            whole = all(x["refunded"] for x in order["lines"])
            status = "refunded" if whole else ""
            orders.writerow([invoice, paid, order["at"], order["at"], order["customer"],
                             refunded, status])  # fmt: skip
            for x in order["lines"]:
                lines.writerow([invoice, x["sku"], x["quantity"], x["price"], x["name"]])
                prices[x["sku"]] = (x["name"] or x["sku"], x["price"])
    with open(paths["products"], "w", encoding="utf-8", newline="") as p:
        w = csv.writer(p)
        w.writerow(["sku", "product_name", "price"])
        for code, (name, price) in sorted(prices.items()):
            w.writerow([code, name, quantize(price, CENT)])
    with open(paths["stock"], "w", encoding="utf-8", newline="") as s:
        w = csv.writer(s)
        w.writerow(["sku", "warehouse", "on_hand"])
        for code in sorted(prices):
            w.writerow([code, "MAIN", 50])
    return paths
