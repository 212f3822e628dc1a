"""The 活动推广 pages: empty states, planning a campaign through the forms, the guard shown
as pass/fail without costs to a role that may not see them, and "try a cart"."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.campaigns import services
from shopops.campaigns.models import Campaign, Phase
from shopops.catalog.models import Product, Sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def cups(store_a):
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    Sku.objects.create(store=store_a, product=product, code="CUP", price="129.00", cost="45")
    return store_a


def test_empty_store_pages_say_what_to_do(as_role, cups):
    page = as_role("ops_lead").get("/campaigns/")
    assert page.status_code == 200
    assert "No campaigns yet" in page.content.decode() or "还没有活动" in page.content.decode()


def test_plan_through_the_forms_and_try_a_cart(as_role, cups):
    client = as_role("campaign_planner")
    created = client.post(
        "/campaigns/",
        {"name": "年货节", "kind": "store", "main_start": "2026-12-20", "main_end": "2026-12-22",
         "uplift": "2"},
    )  # fmt: skip
    assert created.status_code == 302, created.content.decode()[:2000]
    campaign = Campaign.objects.get(name="年货节")
    url = f"/campaigns/{campaign.pk}/"
    assert (
        client.post(
            url, {"action": "sku", "sku-code": "CUP", "sku-campaign_price": "119"}
        ).status_code
        == 302
    )
    bad = client.post(url, {"action": "rule", "rule-kind": "full_reduction", "rule-tiers": "300:x"})
    assert bad.status_code == 200 and "tiers[1].off" in bad.content.decode()
    rule = {"action": "rule", "rule-kind": "full_reduction", "rule-name": "满200减20",
            "rule-tiers": "200:20", "rule-stackable": "on"}  # fmt: skip
    ok = client.post(url, rule)
    assert ok.status_code == 302
    page = client.get(url).content.decode()
    assert "满200减20" in page and 'data-sku="CUP"' in page
    priced = client.post(f"{url}try/", {"lines": "CUP 2"}).content.decode()
    # 2 x 119 = 238 -> 满200减20 -> 218.00
    assert "218.00" in priced
    assert "no SKU NOPE" in client.post(f"{url}try/", {"lines": "NOPE 1"}).content.decode()


def test_guard_without_costs_shows_pass_or_fail_only(as_role, cups):
    campaign = services.create_campaign(
        None, cups, name="清仓", phases={Phase.MAIN: (date(2026, 12, 1), date(2026, 12, 2))}
    )
    services.set_sku(None, campaign, "CUP", price=Decimal("40"))
    lead = as_role("ops_lead").get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "45.00" in lead  # the unit cost
    editor = as_role("content_editor").get(f"/campaigns/{campaign.pk}/")
    text = editor.content.decode()
    assert editor.status_code == 200
    assert "45.00" not in text and "guard-check" in text
    assert (
        as_role("content_editor")
        .post(f"/campaigns/{campaign.pk}/", {"action": "launch"})
        .status_code
        == 403
    )


def test_content_editor_schedules_offsite_posts_and_exports_both_sheets(as_role, cups):
    import io

    import openpyxl

    campaign = services.create_campaign(
        None, cups, name="双12", phases={Phase.MAIN: (date(2026, 12, 12), date(2026, 12, 12))}
    )
    services.set_budget(None, campaign, "直通车", "5000", target="ROI ≥ 3", cycle="每日")
    editor = as_role("content_editor")
    url = f"/campaigns/{campaign.pk}/promotion/"
    slot = {"offsite": "on", "channel": "小红书", "form": "post", "partner": "居家博主小王",
            "followers": "120000", "publish_on": "2026-12-08", "fee": "3000",
            "target_visitors": "5000", "actual_visitors": "4200"}  # fmt: skip
    assert editor.post(url, slot).status_code == 302
    bad = editor.post(url, {**slot, "publish_on": "", "fee": "x"})
    assert bad.status_code == 200 and "publish_on" in bad.content.decode()
    assert campaign.slots.count() == 1
    page = editor.get(url).content.decode()
    assert "居家博主小王" in page and "84%" in page  # 4,200 of 5,000
    book = openpyxl.load_workbook(io.BytesIO(editor.get(f"{url}?format=xlsx").content))
    onsite = [[c.value for c in r] for r in book["站内推广计划表"].iter_rows()]
    assert onsite[1][:2] == ["直通车", 5000]
    offsite = [[c.value for c in r] for r in book["站外推广排期表"].iter_rows()]
    assert offsite[1][:4] == ["站外", "小红书", "图文", "居家博主小王"] and offsite[1][9] == 0.84


def test_tasks_made_from_the_campaign_and_linked(as_role, cups):
    from shopops.planning import work
    from shopops.planning.models import Task

    campaign = services.create_campaign(
        None, cups, name="双12", phases={Phase.MAIN: (date(2026, 12, 12), date(2026, 12, 12))}
    )
    services.set_target(None, campaign, "gmv", 9000)
    planner = as_role("campaign_planner")
    url = f"/campaigns/{campaign.pk}/"
    made = planner.post(url, {"action": "task", "task-name": "活动报名", "task-start": "2026-12-01",
                              "task-due": "2026-12-03"})  # fmt: skip
    assert made.status_code == 302
    task = Task.objects.get(name="活动报名")
    assert task.goal.metric == "gmv" and list(campaign.tasks.all()) == [task]
    bad = planner.post(url, {"action": "task", "task-name": "x", "task-start": "2026-12-05",
                             "task-due": "2026-12-01"})  # fmt: skip
    assert bad.status_code == 200 and Task.objects.count() == 1
    other = work.create_task(
        None, cups, name="页面设计", start=date(2026, 12, 2), due=date(2026, 12, 4)
    )
    assert planner.post(url, {"action": "link_task", "task": other.pk}).status_code == 302
    assert set(campaign.tasks.all()) == {task, other}
    assert "页面设计" in planner.get(url).content.decode()
