"""How much of a period's GMV one order or one buyer made: the day a wholesale buyer, a group
purchase or a cluster of 刷单 orders makes is not the store's ordinary day, and the report
names the order instead of explaining the move away.

Read from the order facts through the ORM (the largest orders of a small window), like the
reference engine: the catalog has no per-order dimension, and these are a few rows.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from shopops.analytics.request import local_window
from shopops.core.access import mask_name
from shopops.core.numbers import ratio


def share_limit() -> Decimal:
    """One order or buyer above this share of GMV, or of its change, is flagged:
    SHOPOPS_CONCENTRATION_SHARE (0.3 unless the environment says otherwise)."""
    return settings.SHOPOPS_CONCENTRATION_SHARE


def _window(store, period) -> tuple[datetime, datetime]:
    return local_window(store, *period)


def top_order_and_buyer(store, period, gmv, change) -> dict:
    """The period's largest paid order and largest buyer (when buyers have ids), each with
    its share of GMV and of GMV's rise (None when GMV did not rise by at least the limit's
    share of the period's GMV): {"order": {...}, "buyer": {...} | None, "limit": share,
    "orders": count}."""
    from django.db.models import Count, Sum

    from shopops.orders.models import Order

    low, high = _window(store, period)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    limit = share_limit()
    out = {"order": None, "buyer": None, "limit": limit, "orders": paid.count()}
    # A share of the rise means something only when the rise does: at least the limit's
    # share of the day (half of a +2% day is one ordinary order).
    rise = change if change is not None and gmv and change >= Decimal(gmv) * limit else None
    top = paid.order_by("-paid_amount", "order_id").values("order_id", "paid_amount").first()
    if top is not None and gmv:
        out["order"] = {
            "order_id": top["order_id"],
            "amount": top["paid_amount"],
            "share": ratio(top["paid_amount"], gmv),
            "share_of_change": ratio(top["paid_amount"], rise) if rise else None,
        }
    buyer = (
        paid.filter(customer__isnull=False)
        .values("customer_id", "customer__platform_id")
        .annotate(amount=Sum("paid_amount"), orders=Count("id"))
        .order_by("-amount")
        .first()
    )
    if buyer is not None and gmv and buyer["orders"] > 1:
        out["buyer"] = {
            # Buyer ids are personal data in some exports (会员名): masked like a name.
            "buyer": mask_name(buyer["customer__platform_id"]),
            "orders": buyer["orders"],
            "amount": buyer["amount"],
            "share": ratio(buyer["amount"], gmv),
            "share_of_change": ratio(buyer["amount"], rise) if rise else None,
        }
    return out


MIN_ORDERS = 5  # on a day of fewer orders one of them is always a large share


def concentrated(found: dict) -> list[tuple[str, dict]]:
    """[("order"|"buyer", its facts)] passing the limit, of GMV or of its change, on a day
    of at least MIN_ORDERS orders."""
    limit = found["limit"]
    out = []
    if (found.get("orders") or 0) < MIN_ORDERS:
        return out
    for kind in ("order", "buyer"):
        item = found.get(kind)
        if item and any(
            share is not None and share > limit
            for share in (item["share"], item["share_of_change"])
        ):
            out.append((kind, item))
    return out


def has_buyer_ids(store, period) -> bool:
    """Whether the period's paid orders name their buyers (order-only exports often don't:
    then every order is its own buyer and repurchase cannot be known)."""
    from shopops.orders.models import Order

    low, high = _window(store, period)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    return paid.filter(customer__isnull=False).exists()


# A possible 刷单 pattern: orders of new (or guest) buyers that share a receiver phone or
# address, or an amount the store had not sold at in four weeks, paid within minutes.
CLUSTER_MINUTES = 15
CLUSTER_ORDERS = 3  # by phone or address
AMOUNT_ORDERS = 8  # by amount, a weaker sign
AMOUNT_NEW_DAYS = 28


def _runs(items: list[tuple], minutes: int, least: int) -> list[list[tuple]]:
    """Maximal runs of (time, …) items, sorted by time, whose consecutive items are at most
    `minutes` apart, of at least `least` items."""
    runs, current = [], []
    for item in items:
        if current and (item[0] - current[-1][0]) > timedelta(minutes=minutes):
            if len(current) >= least:
                runs.append(current)
            current = []
        current.append(item)
    if len(current) >= least:
        runs.append(current)
    return runs


def suspect_clusters(store, period) -> list[dict]:
    """Clusters of the period's paid orders that look like 刷单, to be checked by a person:
    [{"by": "phone"|"address"|"amount", "orders": [order ids], "amount": total, "first",
    "last"}], largest first. Phones and addresses are personal data: never returned."""
    from shopops.orders.models import Order

    low, high = _window(store, period)
    paid = list(
        Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high).values(
            "order_id", "paid_at", "paid_amount", "customer_id", "receiver_phone",
            "receiver_address",
        )
    )  # fmt: skip
    if len(paid) < CLUSTER_ORDERS:
        return []
    known = set(
        Order.objects.filter(
            store=store,
            paid_at__lt=low,
            customer_id__in={o["customer_id"] for o in paid if o["customer_id"]},
        ).values_list("customer_id", flat=True)
    )
    fresh = [o for o in paid if o["customer_id"] is None or o["customer_id"] not in known]
    sold_before = set(
        Order.objects.filter(
            store=store,
            paid_at__gte=low - timedelta(days=AMOUNT_NEW_DAYS),
            paid_at__lt=low,
            paid_amount__in={o["paid_amount"] for o in fresh},
        ).values_list("paid_amount", flat=True)
    )
    out = []
    for by, field, least in (
        ("phone", "receiver_phone", CLUSTER_ORDERS),
        ("address", "receiver_address", CLUSTER_ORDERS),
        ("amount", "paid_amount", AMOUNT_ORDERS),
    ):
        groups: dict = {}
        for o in fresh:
            value = o[field]
            if value in ("", None) or (by == "amount" and value in sold_before):
                continue
            groups.setdefault(value, []).append((o["paid_at"], o["order_id"], o["paid_amount"]))
        for items in groups.values():
            for run in _runs(sorted(items), CLUSTER_MINUTES, least):
                out.append(
                    {
                        "by": by,
                        "orders": [order_id for _t, order_id, _a in run],
                        "amount": sum((a for _t, _o, a in run), Decimal(0)),
                        "first": run[0][0].astimezone(store.zone).strftime("%H:%M"),
                        "last": run[-1][0].astimezone(store.zone).strftime("%H:%M"),
                    }
                )
    # One cluster per set of orders (the same orders share a phone and an address).
    seen, unique = set(), []
    for c in sorted(out, key=lambda c: -len(c["orders"])):
        key = frozenset(c["orders"])
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def buyer_groups(store, period) -> dict[str, Decimal]:
    """The period's GMV by who paid it: new buyers (their first paid order ever is in the
    period), returning buyers, guests (no buyer id). The three add up to the GMV."""
    from django.db.models import Min, Sum

    from shopops.orders.models import Order

    low, high = _window(store, period)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    by_buyer = dict(
        paid.filter(customer__isnull=False)
        .values("customer_id")
        .annotate(amount=Sum("paid_amount"))
        .values_list("customer_id", "amount")
    )
    firsts = dict(
        Order.objects.filter(store=store, customer_id__in=list(by_buyer), paid_at__isnull=False)
        .values("customer_id")
        .annotate(first=Min("paid_at"))
        .values_list("customer_id", "first")
    )
    out = {"new": Decimal(0), "returning": Decimal(0)}
    for buyer, amount in by_buyer.items():
        out["new" if firsts[buyer] >= low else "returning"] += amount
    guests = paid.filter(customer__isnull=True).aggregate(s=Sum("paid_amount"))["s"]
    out["guest"] = guests or Decimal(0)
    return out
