from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.fields import MoneyField
from shopops.core.models import StoreOwned


class TrafficSource(models.TextChoices):
    NATURAL_SEARCH = "natural_search", _("Natural search (自然搜索)")
    PAID = "paid", _("Paid (付费)")
    CAMPAIGN = "campaign", _("Campaign (活动)")
    MEMBER = "member", _("Member (会员)")
    OTHER = "other", _("Other (其他)")


class TrafficFact(StoreOwned):
    """Traffic of one store-local day from one source, for the store or one SKU.

    `sku_code` is "" for store-level rows, so the natural key stays unique (NULLs are not).
    """

    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16, choices=TrafficSource.choices)
    sku_code = models.CharField(_("SKU code"), max_length=64, blank=True, default="")
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    page_views = models.PositiveBigIntegerField(_("page views"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    add_to_cart = models.PositiveIntegerField(_("add to cart"), default=0)
    favorites = models.PositiveIntegerField(_("favorites"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "date", "source", "sku_code"], name="uniq_traffic_fact"
            )
        ]
        verbose_name = _("traffic fact")
        verbose_name_plural = _("traffic facts")

    def __str__(self) -> str:
        return f"{self.date} {self.source} {self.sku_code}".strip()


class AdFact(StoreOwned):
    """Ad spend and results of one day, channel and plan (and keyword, "" for the plan)."""

    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=64)
    plan = models.CharField(_("plan"), max_length=200)
    keyword = models.CharField(_("keyword"), max_length=200, blank=True, default="")
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    cost = MoneyField(_("cost"))
    orders = models.PositiveIntegerField(_("attributed orders"), default=0)
    gmv = MoneyField(_("attributed GMV"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "date", "channel", "plan", "keyword"], name="uniq_ad_fact"
            )
        ]
        verbose_name = _("ad fact")
        verbose_name_plural = _("ad facts")

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.plan}"
