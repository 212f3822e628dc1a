"""Natural-key upserts, one batch at a time: insert what is new, update what changed and
count what is identical, so re-importing a file changes nothing."""

from collections import Counter
from decimal import ROUND_DOWN, Decimal

from django.db.models import Model

from shopops.catalog.models import Product, Sku
from shopops.customers.models import Customer
from shopops.ingest.errors import RowError
from shopops.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from shopops.marketing.models import AdFact, TrafficFact
from shopops.orders.models import Order, OrderLine

ZERO = Decimal("0")
CENT = Decimal("0.01")


def _diff(obj: Model, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def upsert(
    model,
    store,
    keyed: dict[tuple, dict],
    key_fields: tuple[str, ...],
    counts: Counter,
    count: bool = True,
) -> dict[tuple, Model]:
    """Upsert rows given as {natural key: field values}; returns the objects by key."""
    if not keyed:
        return {}
    first = key_fields[0]
    lookup = {f"{first}__in": {k[0] for k in keyed}}
    if len(key_fields) > 1:
        lookup[f"{key_fields[1]}__in"] = {k[1] for k in keyed}
    existing = {
        tuple(getattr(o, f) for f in key_fields): o
        for o in model.objects.filter(store=store, **lookup)
    }
    new, changed, out = [], [], {}
    fields = set()
    for key, values in keyed.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(store=store, **dict(zip(key_fields, key, strict=True)), **values)
            new.append(obj)
        elif _diff(obj, values):
            changed.append(obj)
            fields.update(values)
        elif count:
            counts["unchanged"] += 1
        out[key] = obj
    if new:
        model.objects.bulk_create(new, batch_size=500)  # SQLite and PostgreSQL return the ids
    if changed:
        model.objects.bulk_update(changed, sorted(fields), batch_size=500)
    if count:
        counts["inserted"] += len(new)
        counts["updated"] += len(changed)
    return out


def _derive_status(r: dict) -> str:
    if r.get("status"):
        return r["status"]
    for field, status in (
        ("cancelled_at", "cancelled"),
        ("completed_at", "completed"),
        ("delivered_at", "delivered"),
        ("shipped_at", "shipped"),
        ("paid_at", "paid"),
    ):
        if r.get(field):
            return status
    return "pending_payment"


def write_orders(store, records: list[dict], counts: Counter, ctx) -> None:
    customers = {}
    for r in records:
        if r.get("customer_id"):
            values = {}
            for source, target in (("_customer_name", "name"), ("_receiver_phone", "phone")):
                if r.get(source):
                    values[target] = r[source]
            if r.get("province"):
                values["province"] = r["province"]
            customers[(r["customer_id"],)] = values
    by_customer = upsert(Customer, store, customers, ("platform_id",), Counter(), count=False)
    keyed = {}
    for r in records:
        customer = by_customer.get((r["customer_id"],)) if r.get("customer_id") else None
        keyed[(r["order_id"],)] = {
            "customer": customer,
            "status": _derive_status(r),
            "channel": r.get("channel") or "",
            "created_at": r["created_at"],
            "paid_at": r["paid_at"],
            "shipped_at": r.get("shipped_at"),
            "delivered_at": r.get("delivered_at"),
            "completed_at": r.get("completed_at"),
            "cancelled_at": r.get("cancelled_at"),
            "goods_amount": r.get("goods_amount") or ZERO,
            "discount_amount": r.get("discount_amount") or ZERO,
            "shipping_fee": r.get("shipping_fee") or ZERO,
            "paid_amount": r["paid_amount"],
            "refunded_amount": r.get("refunded_amount") or ZERO,
            "province": r.get("province") or "",
            "city": r.get("city") or "",
            "receiver_name": r.get("_receiver_name", ""),
            "receiver_phone": r.get("_receiver_phone", ""),
            "receiver_address": r.get("_receiver_address", ""),
            "buyer_message": r.get("buyer_message") or "",
        }
    orders = upsert(Order, store, keyed, ("order_id",), counts)
    lines = [dict(line, order_id=r["order_id"]) for r in records for line in r.get("_lines", ())]
    if lines:
        _write_lines(store, lines, counts, orders, count=False)
    allocate(store, [o for o in orders.values()])


def write_order_lines(store, records: list[dict], counts: Counter, ctx) -> None:
    ids = {r["order_id"] for r in records}
    orders = {(o.order_id,): o for o in Order.objects.filter(store=store, order_id__in=ids)}
    for r in records:
        if (r["order_id"],) not in orders:
            raise RowError(
                "order_id",
                f"order {r['order_id']} is not in this store; import the orders first",
                line=r.get("_line"),
            )
    _write_lines(store, records, counts, orders, count=True)
    allocate(store, list(orders.values()))


def _write_lines(store, records, counts, orders, count):
    skus = {
        s.code: s for s in Sku.objects.filter(store=store, code__in={r["sku"] for r in records})
    }
    keyed = {}
    for r in records:
        order = orders[(r["order_id"],)]
        line_amount = r.get("line_amount")
        if line_amount is None:
            discount = r.get("_discount") or ZERO
            line_amount = max(r["quantity"] * r["unit_price"] - discount, ZERO)
        sku = skus.get(r["sku"])
        keyed[(order.pk, r["_line_no"])] = {
            "sku": sku,
            "sku_code": r["sku"],
            "product_name": r.get("product_name") or (sku.name if sku else ""),
            "category": r.get("category") or "",
            "quantity": r["quantity"],
            "unit_price": r["unit_price"],
            "line_amount": line_amount,
            "unit_cost": r.get("unit_cost")
            if r.get("unit_cost") is not None
            else (sku.cost if sku else None),
        }
    _upsert_lines(store, keyed, counts, count)


def _upsert_lines(store, keyed, counts, count):
    existing = {
        (line.order_id, line.line_no): line
        for line in OrderLine.objects.filter(store=store, order_id__in={k[0] for k in keyed})
    }
    new, changed, fields = [], [], set()
    for (order_pk, line_no), values in keyed.items():
        line = existing.get((order_pk, line_no))
        if line is None:
            new.append(OrderLine(store=store, order_id=order_pk, line_no=line_no, **values))
        elif _diff(line, values):
            changed.append(line)
            fields.update(values)
        elif count:
            counts["unchanged"] += 1
    OrderLine.objects.bulk_create(new, batch_size=500)
    if changed:
        OrderLine.objects.bulk_update(changed, sorted(fields), batch_size=500)
    if count:
        counts["inserted"] += len(new)
        counts["updated"] += len(changed)


def split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `weights`, in cents that add up exactly (largest
    remainder); equal shares when all weights are zero."""
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
    left = int((total - sum(parts)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[:left]:
        parts[i] += CENT
    return parts


def allocate(store, orders: list[Order]) -> None:
    """Set each line's share of its order's paid amount (METRICS.md line GMV)."""
    if not orders:
        return
    by_order: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(store=store, order__in=[o.pk for o in orders]).order_by(
        "order_id", "line_no"
    ):
        by_order.setdefault(line.order_id, []).append(line)
    changed = []
    for order in orders:
        lines = by_order.get(order.pk, [])
        shares = split(order.paid_amount, [line.line_amount for line in lines])
        for line, share in zip(lines, shares, strict=True):
            if line.allocated_amount != share:
                line.allocated_amount = share
                changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ["allocated_amount"], batch_size=500)


def write_products(store, records, counts, ctx):
    products = {}
    for r in records:
        spu = r.get("spu") or r["sku"]
        values = {"name": r["product_name"]}
        for field in ("title", "category", "role", "status", "listed_at"):
            if r.get(field) is not None:
                values[field] = r[field]
        products[(spu,)] = values
    by_spu = upsert(Product, store, products, ("spu",), Counter(), count=False)
    skus = {}
    for r in records:
        values = {
            "product": by_spu[(r.get("spu") or r["sku"],)],
            "name": r["product_name"],
            "price": r["price"],
        }
        for field in ("cost", "barcode", "weight_kg", "status"):
            if r.get(field) is not None:
                values[field] = r[field]
        skus[(r["sku"],)] = values
    upsert(Sku, store, skus, ("code",), counts)


def write_stock(store, records, counts, ctx):
    skus = {
        s.code: s for s in Sku.objects.filter(store=store, code__in={r["sku"] for r in records})
    }
    for r in records:
        if r["sku"] not in skus:
            raise RowError(
                "sku",
                f"SKU {r['sku']} is not in this store; import products first",
                line=r.get("_line"),
            )
    warehouses = upsert(
        Warehouse,
        store,
        {(r["warehouse"],): {} for r in records},
        ("code",),
        Counter(),
        count=False,
    )
    for wh in warehouses.values():
        if not wh.name:
            Warehouse.objects.filter(pk=wh.pk).update(name=wh.code)
    keyed, before = {}, {}
    existing = {
        (lv.sku_id, lv.warehouse_id): lv
        for lv in StockLevel.objects.filter(store=store, sku__in=skus.values())
    }
    for r in records:
        sku, wh = skus[r["sku"]], warehouses[(r["warehouse"],)]
        level = existing.get((sku.pk, wh.pk))
        before[(sku.pk, wh.pk)] = level.on_hand if level else 0
        if level is not None and r["on_hand"] < level.reserved:
            raise RowError(
                "on_hand",
                f"{r['on_hand']} is below the {level.reserved} units reserved for open orders",
                line=r.get("_line"),
            )
        values = {"on_hand": r["on_hand"]}
        for field in ("safety_stock", "warning_stock"):
            if r.get(field) is not None:
                values[field] = r[field]
        keyed[(sku.pk, wh.pk)] = values
    upsert(StockLevel, store, keyed, ("sku_id", "warehouse_id"), counts)
    # Every change of on-hand is a ledger movement, so the ledger always adds up.
    moves = [
        StockMovement(
            store=store,
            sku_id=k[0],
            warehouse_id=k[1],
            kind=MovementKind.IMPORT,
            quantity=v["on_hand"] - before[k],
            on_hand_after=v["on_hand"],
            reason="stock import",
        )
        for k, v in keyed.items()
        if v["on_hand"] != before[k]
    ]
    StockMovement.objects.bulk_create(moves, batch_size=500)


def write_traffic(store, records, counts, ctx):
    keyed = {}
    for r in records:
        values = {"visitors": r["visitors"]}
        for field in ("impressions", "page_views", "clicks", "add_to_cart", "favorites"):
            values[field] = r.get(field) or 0
        keyed[(r["date"], r["source"], r.get("sku") or "")] = values
    upsert(TrafficFact, store, keyed, ("date", "source", "sku_code"), counts)


def write_ads(store, records, counts, ctx):
    keyed = {}
    for r in records:
        keyed[(r["date"], r["channel"], r["plan"], r.get("keyword") or "")] = {
            "impressions": r["impressions"],
            "clicks": r["clicks"],
            "cost": r["cost"],
            "orders": r.get("orders") or 0,
            "gmv": r.get("gmv") or ZERO,
        }
    upsert(AdFact, store, keyed, ("date", "channel", "plan", "keyword"), counts)


WRITERS = {
    "orders": write_orders,
    "order_lines": write_order_lines,
    "products": write_products,
    "stock": write_stock,
    "traffic": write_traffic,
    "ads": write_ads,
}
