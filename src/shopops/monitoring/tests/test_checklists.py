"""Checklists (issue 16) on a store without data: the shipped templates made once, the
data-backed items answered with what the data cannot say, a person's tick with its note
(audited) that a later check does not undo, yesterday's unfinished items shown the next
morning, and who may tick."""

from datetime import date, timedelta

import pytest

from shopops.core.models import AuditEntry
from shopops.monitoring import checklists
from shopops.planning.models import ChecklistItem, ChecklistTemplate

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 2)


def test_the_shipped_templates_and_a_days_list(store_a, role_users):
    checklists.ensure_shipped()
    checklists.ensure_shipped()
    assert ChecklistTemplate.objects.filter(store__isnull=True).count() == 2
    daily = ChecklistTemplate.objects.get(key="daily")
    made = checklists.list_for(store_a, daily, DAY)
    assert checklists.list_for(store_a, daily, DAY) == made  # once a day
    checklists.run_checks(made)
    found = {i.auto: i.evidence for i in made.items.exclude(auto="")}
    assert (
        found["data_arrived"]["ok"] is False
        and "还没有订单数据" in found["data_arrived"]["summary"]
    )
    assert found["hot_stock"]["summary"] == "近 7 天没有成交，无法判断热销 SKU"
    assert found["reviews"]["summary"] == "尚未导入评价，无法检查"
    assert found["overdue_orders"]["ok"] is True
    assert found["campaign_prices"]["summary"] == "2026-12-01 没有进行中的活动"
    hot = made.items.get(auto="hot_stock")
    checklists.tick(role_users["warehouse"], hot, True, "已安排补货")
    checklists.run_checks(made)
    hot.refresh_from_db()
    assert hot.done and hot.note == "已安排补货" and hot.done_by == role_users["warehouse"]
    assert AuditEntry.objects.filter(object_type="planning.checklistitem", action="update").exists()
    # The next morning shows what was left.
    left = checklists.unfinished_yesterday(store_a, daily, DAY + timedelta(days=1))
    assert "首页、主推商品详情页展示正常" in {i.text for i in left}
    assert hot not in left


def test_the_page_for_each_role(as_role, store_a, role_users):
    from shopops.core.access import can
    from shopops.core.roles import ROLES

    for role in ROLES:
        client = as_role(role.key)
        page = client.get("/plans/checklists/")
        assert page.status_code == 200, role.key
        user = role_users[role.key]
        assert ("data-tick" in page.content.decode()) == can(user, "plans", "change"), role.key
    lead = as_role("ops_lead")
    item = ChecklistItem.objects.filter(checklist__store=store_a, auto="").first()
    lead.post("/plans/checklists/", {"item": item.pk, "done": "1", "note": "OK"})
    item.refresh_from_db()
    assert item.done and item.note == "OK"


def test_a_store_edits_a_shipped_template_as_its_own_copy(as_role, store_a, store_b, role_users):
    lead = as_role("ops_lead")
    checklists.ensure_shipped()
    daily = ChecklistTemplate.objects.get(key="daily")
    lead.post("/plans/checklists/templates/", {"action": "item", "template": daily.pk,
                                               "text": "检查竞品价格"})  # fmt: skip
    mine = checklists.templates_of(store_a)
    copy = next(t for t in mine if t.copied_from_id == daily.pk)
    assert daily not in mine and copy.store == store_a
    assert "检查竞品价格" in {i.text for i in copy.items.all()}
    assert "检查竞品价格" not in {i.text for i in daily.items.all()}  # others keep theirs
    assert daily in checklists.templates_of(store_b)
    assert checklists.default_of(mine) == copy
    hot = copy.items.get(auto="hot_stock")
    lead.post("/plans/checklists/templates/", {"action": "remove", "item": hot.pk})
    assert not copy.items.filter(auto="hot_stock").exists()
    lead.post("/plans/checklists/templates/", {"action": "template", "name": "大促当天检查"})
    assert ChecklistTemplate.objects.filter(store=store_a, name="大促当天检查").exists()
    page = lead.get("/plans/checklists/").content.decode()
    assert "检查竞品价格" in page and "热销 SKU 库存高于预警线" not in page
    from shopops.core.access import can

    analyst = role_users["analyst"]
    posted = as_role("analyst").post("/plans/checklists/templates/", {"action": "template",
                                                                      "name": "x"})  # fmt: skip
    assert posted.status_code == (302 if can(analyst, "plans", "change") else 403)


def test_reviews_and_a_falling_dsr(store_a):
    from datetime import datetime, time

    from shopops.service.models import Review

    def review(n, days_back, rating, shipping):
        at = datetime.combine(DAY - timedelta(days=days_back), time(12), store_a.zone)
        Review.objects.create(store=store_a, review_id=f"R{n}", created_at=at, rating=rating,
                              dsr_description=5, dsr_service=5, dsr_shipping=shipping)  # fmt: skip

    for n in range(10):
        review(n, 10 + n, 5, 5)  # the 28 days before: all fives
    for n in range(10, 14):
        review(n, 2 + n % 3, 5, 4)  # this week: shipping 4
    found = checklists.CHECKS["reviews"](store_a, DAY - timedelta(days=1), None)
    assert found["ok"] is False and "物流服务 5.00→4.00" in found["summary"]
    review(99, 1, 2, 4)  # a 2-star review the day before
    found = checklists.CHECKS["reviews"](store_a, DAY - timedelta(days=1), None)
    assert f"{DAY - timedelta(days=1)} 有 1 条 1–2 星评价" in found["summary"]
