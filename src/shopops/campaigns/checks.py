"""The daily checklist's 「促销价格与活动时间与计划一致」 answered by the data: for each
campaign live on the day checked, a paid order line of a campaign SKU whose amount per unit
is above the SKU's campaign price was sold without the campaign price in effect. The line
amount is compared, not the unit price: exports carry the list price as the unit price, and
the amount paid can only be lower when the promotion applied.

`monitoring.checklists` sits below this app, so the check is registered there when the app
is ready (`CampaignsConfig.ready`) rather than imported by it.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F

from shopops.campaigns.models import Campaign, CampaignSku, CampaignStatus

LISTED = 5


def _found(ok: bool, summary: str, **extra) -> dict:
    from shopops.monitoring.checklists import _found as found  # the checks' one shape

    return found(ok, summary, "campaigns:list", **extra)


def campaign_prices(store, day: date, now: datetime) -> dict:
    from shopops.analytics.request import local_window
    from shopops.orders.models import OrderLine

    live = list(
        Campaign.objects.filter(
            store=store,
            status=CampaignStatus.LAUNCHED,
            phases__start__lte=day,
            phases__end__gte=day,
        ).distinct()
    )
    if not live:
        return _found(True, f"{day} 没有进行中的活动")
    low, high = local_window(store, day, day)
    priced = CampaignSku.objects.filter(campaign__in=live, campaign_price__isnull=False)
    wrong = []
    for cs in priced.select_related("sku", "campaign").order_by("campaign_id", "id"):
        paid_over = (
            OrderLine.objects.filter(
                store=store, sku=cs.sku, order__paid_at__gte=low, order__paid_at__lt=high,
                line_amount__gt=F("quantity") * cs.campaign_price + Decimal("0.01"),
            )
            .aggregate(n=Count("id"))["n"]
        )  # fmt: skip
        if paid_over:
            wrong.append(f"{cs.sku.code}（{paid_over} 笔，活动价 {cs.campaign_price}）")
    names = "、".join(f"「{c.name}」" for c in live)
    if not wrong:
        count = priced.count()
        return _found(True, f"{names}{count} 个活动价 SKU 的成交价均不高于活动价")
    listed = "、".join(wrong[:LISTED])
    return _found(False, f"{names}有 {len(wrong)} 个 SKU 按高于活动价成交：{listed}",
                  items=wrong)  # fmt: skip
