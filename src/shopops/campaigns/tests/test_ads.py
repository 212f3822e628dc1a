"""Ad analysis (issue 17): per plan and keyword from the metric catalog, the flags (under the
ROI floor, CTR a fifth under the benchmark, spend without orders), 淘宝客's profit after
commission for roles that may see costs, and the page for a role that may not."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.cache import facts_changed
from shopops.campaigns import ads
from shopops.marketing.models import AdFact

pytestmark = pytest.mark.django_db(transaction=True)  # the engine reads committed rows

DAY = date(2026, 11, 11)


def _fact(store, channel, plan, keyword, impressions, clicks, cost, orders, gmv):
    AdFact.objects.create(store=store, date=DAY, channel=channel, plan=plan, keyword=keyword,
                          impressions=impressions, clicks=clicks, cost=Decimal(cost),
                          orders=orders, gmv=Decimal(gmv))  # fmt: skip


def test_plans_keywords_and_flags(store_a, as_role):
    _fact(store_a, "直通车", "双11大促", "保温杯", 10000, 300, "600.00", 12, "3000.00")
    _fact(store_a, "直通车", "双11大促", "杯子 便宜", 5000, 100, "200.00", 0, "0")
    _fact(store_a, "淘宝客", "达人推广", "", 2000, 80, "150.00", 6, "900.00")
    facts_changed(store_a.pk)
    ads.save_plan(None, store_a, channel="直通车", name="双11大促", benchmark_ctr=Decimal("0.05"),
                  roi_floor=Decimal("4"), bid_note="大促日出价上调 20 个百分点")  # fmt: skip
    found = ads.analysis(store_a, DAY, DAY, costs=True)
    plans = {r["plan"]: r for r in found["plans"]}
    big = plans["双11大促"]
    assert (big["impressions"], big["clicks"], big["cost"], big["orders"]) == (
        15000,
        400,
        Decimal("800.00"),
        12,
    )
    assert Decimal(big["roi"]) == Decimal("3.75")  # 3000 / 800, under the floor of 4
    assert Decimal(big["ctr"]) == (Decimal(400) / 15000).quantize(Decimal("0.000001"))
    assert big["share"] == Decimal("0.8421")  # 800 of 950
    assert any("ROI" in f for f in big["flags"]) and any("点击率" in f for f in big["flags"])
    assert plans["达人推广"]["flags"] == []  # ROI 6 over the default floor of 2
    words = {r["keyword"]: r for r in found["keywords"]}
    assert words["杯子 便宜"]["flags"] == ["有花费无成交"] and words["保温杯"]["flags"] == []
    # No line facts: no goods margin, so no profit after commission to show.
    assert found["margin"] is None and "profit" not in plans["达人推广"]
    page = as_role("content_editor").get(f"/campaigns/ads/?start={DAY}&end={DAY}")
    text = page.content.decode()
    assert page.status_code == 200 and "双11大促" in text and "ad-flag" in text
    assert "Profit after commission" not in text and "佣金后利润" not in text
