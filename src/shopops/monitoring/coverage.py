"""What a store's data has on a day, and the days a baseline must leave out.

Most teams start with the order report alone: no traffic, no ads, often no buyer ids, no
order lines. A metric whose source was never imported is not 0 (nobody visited) but
unknown (无数据), and the report says which import would supply it. A run of days with
no or almost no orders (a shutdown, a closure, the days before the store's data begins) is
not the store's ordinary day: it stays out of the baselines the report compares with.
"""

from datetime import date, timedelta
from statistics import median

from django.utils.translation import gettext_lazy as _

from shopops.analytics.catalog import resolve
from shopops.analytics.families import family_of
from shopops.analytics.request import local_window

# What each source of data is, and the import that supplies it.
SOURCES = {
    "orders": (_("orders"), "./shopops import orders"),
    "traffic": (_("traffic (生意参谋 流量)"), "./shopops import traffic"),
    "ads": (_("ads (直通车/引力魔方 推广报表)"), "./shopops import ads"),
    "buyer_ids": (_("buyer ids (买家会员名 in the order report)"), "./shopops import orders"),
    "lines": (_("order lines (宝贝报表)"), "./shopops import order_lines"),
}
# Metrics that need buyers told apart (a guest order is its own buyer, so repurchase and
# new buyers are unknown without ids).
NEEDS_BUYER_IDS = frozenset({"repeat_buyers", "new_buyers"})
NEAR_ZERO = 0.2  # a day with at most this share of the usual orders is almost closed
REFERENCE_DAYS = 14  # the usual: the median of the ordinary days of the two weeks before
CLOSED_RUN = 3  # consecutive such days make a closure
SHORT_HISTORY_DAYS = 28


def needs(key: str) -> set[str]:
    """The sources a metric is computed from (besides orders, which every store has)."""
    _, base = resolve([key])
    out = set()
    for k in base:
        family = family_of(k)
        if family in ("traffic", "ads", "lines"):
            out.add(family)
        if k in NEEDS_BUYER_IDS:
            out.add("buyer_ids")
    return out


def has(store, first: date, last: date) -> dict[str, bool]:
    """Which sources have data for the store's local days first..last."""
    from shopops.analytics.concentration import has_buyer_ids
    from shopops.marketing.models import AdFact, TrafficFact
    from shopops.orders.models import Order, OrderLine

    low, high = local_window(store, first, last)
    paid = Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
    return {
        "orders": paid.exists(),
        "traffic": TrafficFact.objects.filter(store=store, date__range=(first, last)).exists(),
        "ads": AdFact.objects.filter(store=store, date__range=(first, last)).exists(),
        "buyer_ids": has_buyer_ids(store, (first, last)),
        "lines": OrderLine.objects.filter(store=store, order__in=paid).exists(),
    }


def first_day(store) -> date | None:
    """The local day of the store's first paid order: before it there is no data."""
    from shopops.orders.models import Order

    found = (
        Order.objects.filter(store=store, paid_at__isnull=False)
        .order_by("paid_at")
        .values_list("paid_at", flat=True)
        .first()
    )
    return found.astimezone(store.zone).date() if found else None


def closures(orders: dict[date, int], start: date, end: date) -> list[tuple[date, date]]:
    """Runs of at least CLOSED_RUN days in start..end each with at most NEAR_ZERO of the
    usual daily orders, as (first, last) pairs. Usual: the median of the ordinary days of
    the two weeks before (days already found near zero left out, so a long closure does
    not lower its own bar; a store that grows tenfold after it is not measured against
    its later level)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    ordinary: dict[date, int] = {}
    runs, current = [], []
    for d in days:
        count = orders.get(d) or 0
        before = [v for x, v in ordinary.items() if d - timedelta(days=REFERENCE_DAYS) <= x < d]
        usual = median(before) if before else None
        if usual and count <= usual * NEAR_ZERO:
            current.append(d)
            continue
        ordinary[d] = count
        if len(current) >= CLOSED_RUN:
            runs.append((current[0], current[-1]))
        current = []
    if len(current) >= CLOSED_RUN:
        runs.append((current[0], current[-1]))
    return runs


def left_out(store, orders: dict[date, int], day: date, first: date) -> dict:
    """The days before `day` (from `first`) a baseline leaves out: before the store's first
    order, and closures. {"days": set, "before": first data day | None, "closures": runs}."""
    begins = first_day(store)
    out: set[date] = set()
    if begins is None or begins > day:
        begins = None
    else:
        out |= {first + timedelta(days=i) for i in range(max((begins - first).days, 0))}
    runs = closures(orders, max(first, begins or first), day - timedelta(days=1))
    for a, b in runs:
        out |= {a + timedelta(days=i) for i in range((b - a).days + 1)}
    return {"days": out, "begins": begins, "closures": runs}
