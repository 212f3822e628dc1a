"""Natural-key upserts, one batch at a time: insert what is new, update what changed and
count what is identical, so re-importing a file changes nothing."""

from collections import Counter
from decimal import Decimal

from django.db.models import F

from shopops.catalog.models import Product, Sku
from shopops.core.numbers import line_amount as derived_amount
from shopops.core.numbers import split
from shopops.customers.models import Customer
from shopops.ingest.bulk import update, upsert
from shopops.ingest.errors import RowError
from shopops.inventory import locks
from shopops.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from shopops.marketing.models import AdFact, TrafficFact
from shopops.orders.models import Order, OrderLine, Shipment, ShipmentEvent
from shopops.planning.models import Task

ZERO = Decimal("0")


def _derive_status(r: dict) -> str:
    get = r.get
    if status := get("status"):
        return status
    # The latest step the times show, in this order.
    if get("cancelled_at"):
        return "cancelled"
    if get("completed_at"):
        return "completed"
    if get("delivered_at"):
        return "delivered"
    if get("shipped_at"):
        return "shipped"
    if get("paid_at"):
        return "paid"
    return "pending_payment"


def write_orders(store, records: list[dict], counts: Counter, ctx) -> None:
    customers = {}
    for r in records:
        get = r.get
        if customer := get("customer_id"):
            values = {}
            if name := get("_customer_name"):
                values["name"] = name
            if phone := get("_receiver_phone"):
                values["phone"] = phone
            if province := get("province"):
                values["province"] = province
            customers[(customer,)] = values
    customer_pks = upsert(
        Customer,
        store,
        customers,
        ("platform_id",),
        ctx.run.side,
        run=ctx.run,
        cached=("name", "phone", "province"),
    )
    keyed = {}
    for r in records:
        get = r.get
        customer = get("customer_id")
        keyed[(r["order_id"],)] = {
            "customer_id": customer_pks[(customer,)] if customer else None,
            "status": get("status") or _derive_status(r),
            "channel": get("channel") or "",
            "created_at": r["created_at"],
            "paid_at": r["paid_at"],
            "shipped_at": get("shipped_at"),
            "delivered_at": get("delivered_at"),
            "completed_at": get("completed_at"),
            "cancelled_at": get("cancelled_at"),
            "goods_amount": get("goods_amount") or ZERO,
            "discount_amount": get("discount_amount") or ZERO,
            "shipping_fee": get("shipping_fee") or ZERO,
            "paid_amount": r["paid_amount"],
            "refunded_amount": get("refunded_amount") or ZERO,
            "province": get("province") or "",
            "city": get("city") or "",
            "receiver_name": get("_receiver_name", ""),
            "receiver_phone": get("_receiver_phone", ""),
            "receiver_address": get("_receiver_address", ""),
            "buyer_message": get("buyer_message") or "",
        }
    order_pks = upsert(Order, store, keyed, ("order_id",), counts, run=ctx.run)
    paid = {order_pks[key]: values["paid_amount"] for key, values in keyed.items()}
    lines = [dict(line, order_id=r["order_id"]) for r in records for line in r.get("_lines", ())]
    if lines:
        _write_lines(store, lines, ctx.run.side, {k[0]: pk for k, pk in order_pks.items()}, ctx)
        allocate(store, paid)


def write_order_lines(store, records: list[dict], counts: Counter, ctx) -> None:
    ids = {r["order_id"] for r in records}
    orders = {
        order_id: (pk, paid)
        for pk, order_id, paid in Order.objects.filter(store=store, order_id__in=ids).values_list(
            "pk", "order_id", "paid_amount"
        )
    }
    for r in records:
        if r["order_id"] not in orders:
            raise RowError(
                "order_id",
                f"order {r['order_id']} is not in this store; import the orders first",
                line=r.get("_line"),
            )
    _write_lines(store, records, counts, {k: v[0] for k, v in orders.items()}, ctx)
    allocate(store, {pk: paid for pk, paid in orders.values()})


def _write_lines(store, records, counts, order_pks: dict[str, int], ctx):
    skus = {
        code: (pk, name, cost)
        for pk, code, name, cost in Sku.objects.filter(
            store=store, code__in={r["sku"] for r in records}
        ).values_list("pk", "code", "name", "cost")
    }
    keyed = {}
    for r in records:
        line_amount = r.get("line_amount")
        if line_amount is None:
            line_amount = derived_amount(r["quantity"], r["unit_price"], r.get("_discount"))
        sku = skus.get(r["sku"])
        unit_cost = r.get("unit_cost")
        keyed[(order_pks[r["order_id"]], r["_line_no"])] = {
            "sku_id": sku[0] if sku else None,
            "sku_code": r["sku"],
            "product_name": r.get("product_name") or (sku[1] if sku else ""),
            "category": r.get("category") or "",
            "quantity": r["quantity"],
            "unit_price": r["unit_price"],
            "line_amount": line_amount,
            "unit_cost": unit_cost if unit_cost is not None else (sku[2] if sku else None),
        }
    upsert(OrderLine, store, keyed, ("order_id", "line_no"), counts, run=ctx.run)


def allocate(store, paid_by_order: dict[int, Decimal]) -> None:
    """Set each line's share of its order's paid amount (METRICS.md line GMV)."""
    if not paid_by_order:
        return
    by_order: dict[int, list] = {}
    for row in (
        OrderLine.objects.filter(store=store, order_id__in=list(paid_by_order))
        .order_by("order_id", "line_no")
        .values_list("pk", "order_id", "line_amount", "allocated_amount")
    ):
        by_order.setdefault(row[1], []).append(row)
    changed = []
    for order_pk, lines in by_order.items():
        shares = split(paid_by_order[order_pk], [line[2] for line in lines])
        for (pk, _, _, current), share in zip(lines, shares, strict=True):
            if current != share:
                changed.append((pk, {"allocated_amount": share}))
    update(OrderLine, changed, ["allocated_amount"])


def write_products(store, records, counts, ctx):
    products = {}
    for r in records:
        values = {"name": r["product_name"]}
        for field in ("title", "category", "role", "status", "listed_at"):
            if r.get(field) is not None:
                values[field] = r[field]
        products[(r.get("spu") or r["sku"],)] = values
    product_pks = upsert(
        Product,
        store,
        products,
        ("spu",),
        run=ctx.run,
        cached=("name", "title", "category", "role", "status", "listed_at"),
    )
    skus = {}
    for r in records:
        values = {
            "product_id": product_pks[(r.get("spu") or r["sku"],)],
            "name": r["product_name"],
            "price": r["price"],
        }
        for field in ("cost", "barcode", "weight_kg", "status"):
            if r.get(field) is not None:
                values[field] = r[field]
        skus[(r["sku"],)] = values
    upsert(Sku, store, skus, ("code",), counts, run=ctx.run)


def write_stock(store, records, counts, ctx):
    skus = dict(
        Sku.objects.filter(store=store, code__in={r["sku"] for r in records}).values_list(
            "code", "pk"
        )
    )
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
        run=ctx.run,
        cached=(),
    )
    Warehouse.objects.filter(store=store, name="").update(name=F("code"))
    # Locked: orders allocate from these rows meanwhile, and the movement written below
    # must be the difference from what is on hand at commit.
    existing = {
        (sku_id, wh_id): (on_hand, reserved)
        for sku_id, wh_id, on_hand, reserved in locks.stock_rows(store, skus.values()).values_list(
            "sku_id", "warehouse_id", "on_hand", "reserved"
        )
    }
    keyed, before = {}, {}
    for r in records:
        key = (skus[r["sku"]], warehouses[(r["warehouse"],)])
        on_hand, reserved = existing.get(key, (0, 0))
        before[key] = on_hand
        if r["on_hand"] < reserved:
            raise RowError(
                "on_hand",
                f"{r['on_hand']} is below the {reserved} units reserved for open orders",
                line=r.get("_line"),
            )
        values = {"on_hand": r["on_hand"]}
        for field in ("safety_stock", "warning_stock"):
            if r.get(field) is not None:
                values[field] = r[field]
        keyed[key] = values
    upsert(StockLevel, store, keyed, ("sku_id", "warehouse_id"), counts, run=ctx.run)
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
    upsert(TrafficFact, store, keyed, ("date", "source", "sku_code"), counts, run=ctx.run)


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
    upsert(AdFact, store, keyed, ("date", "channel", "plan", "keyword"), counts, run=ctx.run)


def write_tracking(store, records, counts, ctx):
    """Carriers' tracking events onto shipments already made; a delivered event delivers the
    order (the same path as POST /api/v1/shipments/events)."""
    from shopops.orders.tracking import record_events

    by_shipment: dict[tuple, list] = {}
    for r in records:
        by_shipment.setdefault((r["carrier"], r["tracking_no"]), []).append(r)
    known = set(
        Shipment.objects.filter(
            store=store, tracking_no__in={k[1] for k in by_shipment}
        ).values_list("carrier", "tracking_no")
    )
    for key, rows in by_shipment.items():
        if key not in known:
            raise RowError(
                "tracking_no",
                f"no shipment {key[0]} {key[1]} in this store; ship the order first",
                line=rows[0].get("_line"),
            )
        added = record_events(None, store, key[0], key[1], rows, via="import")
        counts["inserted"] += added
        counts["unchanged"] += len(rows) - added


def write_tasks(store, records, counts, ctx):
    """Template 2's rows as tasks (planning.work, its rules and history): a task of the same
    name is updated, an owner is a username (or the full name) of someone who works on the
    store. A row the planning rules refuse is named by its line."""
    from django.core.exceptions import ValidationError

    from shopops.core.queries import store_people
    from shopops.planning import template2, work
    from shopops.planning.models import TaskStatus

    people = {}
    for user in store_people(store):
        people[user.username] = user
        people.setdefault(user.get_full_name().strip() or user.username, user)
    names = [r["name"] for r in records]
    existing = {t.name: t for t in Task.objects.filter(store=store, name__in=names)}
    for r in records:
        owner = None
        if r.get("owner"):
            owner = people.get(r["owner"])
            if owner is None:
                raise RowError("owner", f"{r['owner']!r} does not work on this store", r["_line"])
        fields = {k: r.get(k) or "" for k in template2.FIELDS}
        fields.update(start=r["start"], due=r["due"], owner=owner,
                      status=r.get("status") or TaskStatus.TODO)  # fmt: skip
        task = existing.get(r["name"])
        try:
            if task is None:
                existing[r["name"]] = work.create_task(None, store, force=True, via="import",
                                                       **fields)  # fmt: skip
                counts["inserted"] += 1
            elif all(getattr(task, k) == v for k, v in fields.items()):
                counts["unchanged"] += 1
            else:
                work.change_task(None, task, force=True, via="import", **fields)
                counts["updated"] += 1
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise RowError(field, messages[0], r["_line"]) from None


WRITERS = {
    "orders": write_orders,
    "order_lines": write_order_lines,
    "products": write_products,
    "stock": write_stock,
    "traffic": write_traffic,
    "ads": write_ads,
    "tracking": write_tracking,
    "tasks": write_tasks,
}


# The tables each kind writes to, for the statistics refresh in the pipeline.
TOUCHED = {
    "orders": (Customer, Order, OrderLine),
    "order_lines": (OrderLine,),
    "products": (Product, Sku),
    "stock": (Warehouse, StockLevel, StockMovement),
    "traffic": (TrafficFact,),
    "ads": (AdFact,),
    "tracking": (ShipmentEvent,),
    "tasks": (Task,),
}
