"""The demo's 双11 as a campaign and its retrospective (template 4): achievement and
contributions equal to the metrics queried directly, the stock-outs and late shipments the
demo data holds drafted as problems, the review edited and read back from its XLSX, and an
improvement adopted into the SOP update list and the risk library."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import openpyxl
import pytest

from shopops.analytics.queries import metrics
from shopops.campaigns import queries, retro, retro_export
from shopops.campaigns.models import Campaign, CampaignStatus
from shopops.core import services as core_services
from shopops.devtools import demo_campaigns, demo_data
from shopops.orders.models import Order
from shopops.planning.models import Risk, Sop

pytestmark = pytest.mark.django_db(transaction=True)  # the engine reads committed rows

END = date(2025, 11, 30)


@pytest.fixture
def double_11():
    store = core_services.create_store(None, code="demo", name="示例旗舰店", platform="tmall")
    demo_data.load(store, seed=5, months=1, end=END, target_orders=5000, progress=lambda m: None)
    assert demo_campaigns.load(store, today=END + timedelta(days=1)) == 1  # 618 is before the data
    campaign = Campaign.objects.get(store=store)
    assert campaign.status == CampaignStatus.LAUNCHED and campaign.name.startswith("双11")
    return campaign


def test_the_double_11_review_adds_up_to_the_metrics(double_11):
    campaign, store = double_11, double_11.store
    found = retro.build(campaign)
    start, end = date(2025, 11, 10), date(2025, 11, 11)
    assert found["period"] == (start, end)
    (direct,) = metrics(["gmv", "orders", "new_buyers", "roi"], store, start, end, "none")
    for t in found["targets"]:
        assert t.actual == Decimal(direct[t.metric])
        assert t.achievement == (t.actual / t.target).quantize(Decimal("0.0001"))
    by_sku = metrics(["line_gmv"], store, start, end, "none", dims=["sku"])
    amounts = sorted((Decimal(r["line_gmv"]) for r in by_sku if r["line_gmv"]), reverse=True)
    share = (sum(amounts[:3]) / sum(amounts)).quantize(Decimal("0.0001"))
    c = found["contributions"]
    assert c["top_share"] == share
    assert c["top_sentence"] == f"TOP3 爆款贡献了 {(share * 100).quantize(Decimal('0.1'))}% 销售额"
    assert sum(r["gmv"] for r in c["channels"]) == Decimal(direct["gmv"])

    # The pre-heat's favourites per day against as many days before it, from the catalog.
    pre = {r["label"]: r for r in found["preheat"]["rows"]}
    (during,) = metrics(["favorites"], store, date(2025, 11, 1), date(2025, 11, 9), "none")
    assert pre["收藏人数"]["preheat"] == (Decimal(during["favorites"]) / 9).quantize(Decimal("0.1"))
    assert set(pre) == {"自然搜索访客", "全部访客", "收藏人数", "加购件数"}

    # Problems: the two SKUs the demo sold out, and the late shipments, counted directly.
    kinds = [p.kind for p in found["problems"]]
    sold_out = list(campaign.skus.order_by("id").values_list("sku__code", flat=True)[1:3])
    assert [s["sku"] for s in found["stock_outs"]] == sold_out
    assert all(s["hours"] == 38 for s in found["stock_outs"])
    assert kinds.count("stock_out") == 2
    zone = store.zone
    low = datetime.combine(date(2025, 11, 1), time(), zone)
    high = datetime.combine(date(2025, 11, 14), time(), zone)
    late = [
        o for o in Order.objects.filter(store=store, paid_at__gte=low, paid_at__lt=high)
        if (o.shipped_at and o.shipped_at > o.paid_at + timedelta(hours=48))
        or (o.shipped_at is None and o.cancelled_at is None)
    ]  # fmt: skip
    assert late and found["late"]["late"] == len(late)
    assert "late_shipments" in kinds and "margin" in kinds  # SKUs under the floor, accepted
    assert any("售罄" in p.text for p in found["problems"])

    # The XLSX reads back with the same numbers.
    book = openpyxl.load_workbook(io.BytesIO(retro_export.to_xlsx_bytes(found)))
    cells = [[c.value for c in row] for row in book.active.iter_rows()]
    at = next(i for i, r in enumerate(cells) if r[0] == "一、目标达成")
    assert cells[at + 1][:4] == ["指标", "目标", "实际", "达成率"]
    gmv = cells[at + 2]
    assert gmv[0] == "销售额" and Decimal(str(gmv[2])) == Decimal(direct["gmv"])
    assert any(r[0] == c["top_sentence"] for r in cells)

    # The team edits the texts; an improvement goes to the SOP update list and the risks.
    retro.save_review(
        None, campaign, successes="预热蓄水充分", problems="断货", improvements="提前备货"
    )
    campaign.refresh_from_db()
    assert retro.texts(retro.build(campaign))["successes"] == ["预热蓄水充分"]
    problem = next(p for p in found["problems"] if p.kind == "stock_out")
    retro.adopt(None, campaign, problem)
    sop = Sop.objects.get(store=store, title=retro.PLAYBOOK_SOP)
    assert problem.improvement in sop.versions.first().body
    assert sop.versions.first().problem == problem.text
    assert Risk.objects.get(store=store, risk=problem.risk).last_seen == end
    assert queries.state(campaign, END) == queries.FINISHED
