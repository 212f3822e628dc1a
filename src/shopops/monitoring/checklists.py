"""Checklists (计划与执行): a template's items made into a store's list for a day, with the
items the data can answer ticked by the data and their evidence shown, the rest ticked by a
person with a note; what was left unfinished yesterday is carried into today's list.

The data checks read the store as it is now: hot SKUs (the ten with the most units paid
over the last 7 days) above their warning stock, paid orders not shipped past the promise,
1–2 star reviews of the day before and review or DSR scores falling, the day before's
orders arrived; campaign prices in effect on the campaigns' days (campaigns.checks,
registered by that app)."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from shopops.analytics.request import local_window
from shopops.core import audit
from shopops.planning.checklist_templates import SHIPPED
from shopops.planning.models import (
    Checklist,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
)

HOT_SKUS = 10
HOT_DAYS = 7
LISTED = 10
DSR_FALL = 0.1  # a fall in the average review or DSR score that is a problem


def ensure_shipped() -> None:
    """The shipped templates, made once (a team's edits to them are kept)."""
    for key, (name, daily, items) in SHIPPED.items():
        if ChecklistTemplate.objects.filter(key=key).exists():
            continue
        try:
            with transaction.atomic():
                template = ChecklistTemplate.objects.create(key=key, name=name, daily=daily)
        except IntegrityError:  # another request made it a moment ago
            continue
        ChecklistTemplateItem.objects.bulk_create(
            ChecklistTemplateItem(template=template, position=i, text=text, auto=auto)
            for i, (text, auto) in enumerate(items)
        )


def templates_of(store) -> list[ChecklistTemplate]:
    """The shipped templates (or the store's edited copy standing in for one) and the
    store's own."""
    ensure_shipped()
    own = list(ChecklistTemplate.objects.filter(store=store))
    copied = {t.copied_from_id for t in own}
    shipped = ChecklistTemplate.objects.filter(store__isnull=True).exclude(pk__in=copied)
    return [*shipped, *own]


def default_of(templates: list[ChecklistTemplate]) -> ChecklistTemplate:
    """The daily check (or the store's copy of it), else the first template."""
    from shopops.planning.checklist_templates import DAILY

    def key(t):
        return t.key or (t.copied_from.key if t.copied_from_id else "")

    return next((t for t in templates if key(t) == DAILY), templates[0])


@transaction.atomic
def editable(actor, store, template: ChecklistTemplate) -> ChecklistTemplate:
    """The store's own template to edit: a shipped one is copied first (its key kept on the
    copy's source), so other stores keep the shipped items."""
    if template.store_id == store.pk:
        return template
    copy = ChecklistTemplate.objects.filter(store=store, copied_from=template).first()
    if copy is not None:
        return copy
    copy = ChecklistTemplate.objects.create(store=store, name=template.name, daily=template.daily,
                                            copied_from=template)  # fmt: skip
    ChecklistTemplateItem.objects.bulk_create(
        ChecklistTemplateItem(template=copy, position=i.position, text=i.text, auto=i.auto)
        for i in template.items.all()
    )
    audit.record(actor, copy, "create", None, {"name": copy.name, "copied_from": template.pk},
                 store=store)  # fmt: skip
    return copy


@transaction.atomic
def add_template(actor, store, name: str, daily: bool) -> ChecklistTemplate:
    from django.core.exceptions import ValidationError

    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": "A name of 1 to 200 characters."})
    made = ChecklistTemplate.objects.create(store=store, name=name, daily=daily)
    audit.record(actor, made, "create", None, {"name": name, "daily": daily}, store=store)
    return made


@transaction.atomic
def add_item(actor, store, template: ChecklistTemplate, text: str) -> ChecklistTemplateItem:
    from django.core.exceptions import ValidationError

    text = (text or "").strip()
    if not text or len(text) > 300:
        raise ValidationError({"text": "An item of 1 to 300 characters."})
    template = editable(actor, store, template)
    last = template.items.order_by("-position").first()
    item = ChecklistTemplateItem.objects.create(
        template=template, text=text, position=(last.position + 1) if last else 0
    )
    audit.record(actor, item, "create", None, {"text": text}, store=store)
    return item


@transaction.atomic
def remove_item(actor, store, item: ChecklistTemplateItem) -> None:
    """Remove an item (from the store's copy when the template is shipped)."""
    template = editable(actor, store, item.template)
    target = template.items.filter(text=item.text, auto=item.auto).first()
    if target is not None:
        audit.record(actor, target, "delete", {"text": target.text}, None, store=store)
        target.delete()


# --- the data checks: each (ok, what was found, a link) --------------------------------


def _hot_stock(store, day: date, now: datetime) -> dict:
    from shopops.inventory.queries import level_rows
    from shopops.orders.models import OrderLine

    low, high = local_window(store, day - timedelta(days=HOT_DAYS - 1), day)
    hot = list(
        OrderLine.objects.filter(order__store=store, order__paid_at__gte=low,
                                 order__paid_at__lt=high)
        .values("sku_code").annotate(units=Sum("quantity")).order_by("-units", "sku_code")
        .values_list("sku_code", flat=True)[:HOT_SKUS]
    )  # fmt: skip
    if not hot:
        return _found(False, f"近 {HOT_DAYS} 天没有成交，无法判断热销 SKU", "inventory:levels")
    below = sorted({lv.sku.code for lv in level_rows(store, alert="warning")} & set(hot))
    if not below:
        return _found(True, f"热销前 {len(hot)} 个 SKU 均高于预警线", "inventory:levels")
    return _found(False, f"{len(below)} 个热销 SKU 低于预警线：{'、'.join(below[:LISTED])}",
                  "inventory:levels", "?alert=warning", items=below)  # fmt: skip


def _overdue_orders(store, day: date, now: datetime) -> dict:
    from shopops.orders.queries import overdue

    count = overdue(store, now=now).filter(paid_at__gte=now - timedelta(days=30)).count()
    if not count:
        return _found(True, "没有超过发货承诺未发货的订单", "orders:queue", "?tab=overdue")
    return _found(False, f"{count} 笔订单付款后超过发货承诺仍未发货", "orders:queue",
                  "?tab=overdue", count=count)  # fmt: skip


def _reviews(store, day: date, now: datetime) -> dict:
    """1–2 star reviews of the day, and the review and DSR scores of the last 7 days against
    the 28 before them: a fall of 0.1 or more is a problem."""
    from django.db.models import Avg

    from shopops.service.models import Review

    if not Review.objects.filter(store=store).exists():
        return _found(False, "尚未导入评价，无法检查", "")
    low, high = local_window(store, day, day)
    reviews = Review.objects.filter(store=store)
    bad = reviews.filter(rating__lte=2, created_at__gte=low, created_at__lt=high).count()
    week_low, _ = local_window(store, day - timedelta(days=6), day)
    base_low, _ = local_window(store, day - timedelta(days=34), day)
    scores = ("rating", "dsr_description", "dsr_service", "dsr_shipping")
    names = {"rating": "评分", "dsr_description": "描述相符", "dsr_service": "服务态度",
             "dsr_shipping": "物流服务"}  # fmt: skip
    recent = reviews.filter(created_at__gte=week_low, created_at__lt=high).aggregate(
        **{k: Avg(k) for k in scores}
    )
    before = reviews.filter(created_at__gte=base_low, created_at__lt=week_low).aggregate(
        **{k: Avg(k) for k in scores}
    )
    fell = [
        f"{names[k]} {before[k]:.2f}→{recent[k]:.2f}"
        for k in scores
        if recent[k] is not None and before[k] is not None and before[k] - recent[k] >= DSR_FALL
    ]
    said = [f"{day} 有 {bad} 条 1–2 星评价"] if bad else [f"{day} 没有 1–2 星评价"]
    if fell:
        said.append("近 7 天较此前 28 天下降：" + "，".join(fell))
    return _found(not bad and not fell, "；".join(said), "alerts:center" if bad else "",
                  count=bad)  # fmt: skip


def _data_arrived(store, day: date, now: datetime) -> dict:
    from shopops.monitoring import coverage

    if coverage.has(store, day, day)["orders"]:
        return _found(True, f"{day} 的订单已到", "monitoring:daily", f"?date={day}")
    return _found(False, f"{day} 还没有订单数据：请导入或检查接入", "ingest:page")


CHECKS = {
    "hot_stock": _hot_stock,
    "overdue_orders": _overdue_orders,
    "reviews": _reviews,
    "data_arrived": _data_arrived,
    # "campaign_prices": registered by the campaigns app (campaigns.checks), above this one.
}


def _found(ok: bool, summary: str, url_name: str, query: str = "", **extra) -> dict:
    return {"ok": ok, "summary": summary, "url": url_name, "query": query, **extra}


# --- lists ----------------------------------------------------------------------------


@transaction.atomic
def list_for(store, template: ChecklistTemplate, day: date) -> Checklist:
    """The store's list of the template for the day, made on first use from the template's
    items plus the items left unfinished on the previous list of it."""
    found = Checklist.objects.filter(store=store, template=template, day=day).first()
    if found is not None:
        return found
    checklist = Checklist.objects.create(store=store, template=template, day=day)
    items = [
        ChecklistItem(checklist=checklist, position=t.position, text=t.text, auto=t.auto)
        for t in template.items.all()
    ]
    previous = _previous(store, template, day)
    if previous is not None:
        fresh = {i.text for i in items}
        items += [
            ChecklistItem(
                checklist=checklist,
                position=100 + n,
                text=i.text,
                auto=i.auto,
                carried=True,
                note=i.note,
            )
            for n, i in enumerate(previous.items.filter(done=False, auto=""))
            if i.text not in fresh  # the template's own items are on the list anyway
        ]
    ChecklistItem.objects.bulk_create(items)
    return checklist


def run_checks(checklist: Checklist, now: datetime | None = None) -> None:
    """Tick (or untick) each data-backed item by what the data shows now, with its
    evidence; the day checked is the one before the list's day (yesterday's data)."""
    now = now or timezone.now()
    day = checklist.day - timedelta(days=1)
    for item in checklist.items.exclude(auto=""):
        check = CHECKS.get(item.auto)
        evidence = check(checklist.store, day, now) if check else {}
        if not evidence:
            continue  # the data cannot answer it yet: a person ticks it
        fresh = {"evidence": {**evidence, "at": now.isoformat()}}
        if item.done_by_id is None:  # a person's tick (a problem seen to) stands
            done = bool(evidence["ok"])
            fresh.update(done=done, done_at=now if done else None)
        ChecklistItem.objects.filter(pk=item.pk).update(**fresh)


def unfinished_yesterday(store, template, day: date) -> list[ChecklistItem]:
    """The previous list's items not done, as the next morning shows them."""
    previous = _previous(store, template, day)
    return list(previous.items.filter(done=False)) if previous else []


def _previous(store, template, day: date) -> Checklist | None:
    """The store's last list of the template before the day."""
    earlier = Checklist.objects.filter(store=store, template=template, day__lt=day)
    return earlier.order_by("-day").first()


@transaction.atomic
def tick(actor, item: ChecklistItem, done: bool, note: str = "", via="web") -> ChecklistItem:
    """A person ticks (or unticks) an item, with a note; audited."""
    before = {"done": item.done, "note": item.note}
    item.done, item.note = done, (note or "")[:500]
    item.done_by = audit.acting_user(actor) if done else None
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "note", "done_by", "done_at"])
    audit.record(actor, item, "update", before, {"done": item.done, "note": item.note},
                 store=item.checklist.store, via=via)  # fmt: skip
    return item
