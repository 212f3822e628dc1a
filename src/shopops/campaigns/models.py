"""Campaigns (活动): the plan, its phases, SKUs, promotion rules, budgets and targets.

A campaign's dates are its phases' (预热/正式/返场); its targets become goals of its main
phase (planning.Goal), so the dashboard, the daily report and the goal pages track them as
any goal. Promotion rules keep their parameters as JSON validated by `campaigns.rules`, the
one place that reads them into the calculator's `pricing.Rule`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.fields import MoneyField
from shopops.core.models import StoreOwned


class CampaignKind(models.TextChoices):
    PLATFORM = "platform", _("Platform event (平台大促)")
    STORE = "store", _("Store event (店铺活动)")
    LAUNCH = "launch", _("New product launch (新品)")
    CLEARANCE = "clearance", _("Clearance (清仓)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHED = "launched", _("Launched")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(StoreOwned):
    name = models.CharField(_("theme"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=16, choices=CampaignKind.choices, default=CampaignKind.STORE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    rules_note = models.TextField(_("rules for shoppers"), blank=True)
    # None: the store's margin floor.
    margin_floor = models.DecimalField(
        _("margin floor"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    uplift = models.DecimalField(
        _("expected demand uplift"), max_digits=6, decimal_places=2, default=3
    )
    roi_floor = models.DecimalField(
        _("ad ROI floor"), max_digits=8, decimal_places=2, default=2,
        help_text=_("Ad plans below this ROI are flagged in the live view and the review."),
    )  # fmt: skip
    flash_exclusive = models.BooleanField(
        _("flash-sale units take no other promotion"), default=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("launched by"),
    )
    # The margin-guard violations accepted at launch: [{sku, price, margin, floor}].
    accepted_exceptions = models.JSONField(
        _("accepted margin exceptions"), default=list, blank=True
    )
    tasks = models.ManyToManyField(
        "planning.Task", blank=True, related_name="+", verbose_name=_("tasks")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    PREHEAT = "preheat", _("Pre-heat (预热)")
    MAIN = "main", _("Main (正式)")
    ENCORE = "encore", _("Encore (返场)")


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phase"], name="uniq_campaign_phase"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="campaign_phase_dates"
            ),
        ]
        verbose_name = _("campaign phase")
        verbose_name_plural = _("campaign phases")

    def __str__(self) -> str:
        return f"{self.phase} {self.start}…{self.end}"


class CampaignSku(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="skus")
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    # None: the list price.
    campaign_price = MoneyField(_("campaign price"), null=True, blank=True, default=None)
    stock_cap = models.PositiveIntegerField(_("stock cap"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="uniq_campaign_sku")
        ]
        verbose_name = _("campaign SKU")
        verbose_name_plural = _("campaign SKUs")

    def __str__(self) -> str:
        return f"{self.sku_id} {self.campaign_price}"


class RuleKind(models.TextChoices):
    FULL_REDUCTION = "full_reduction", _("Spend and save (满减)")
    ITEM_DISCOUNT = "item_discount", _("Multi-buy discount (满件折)")
    FLASH_SALE = "flash_sale", _("Flash sale (秒杀)")
    COUPON = "coupon", _("Coupon (优惠券)")
    GIFT = "gift", _("Gift with purchase (赠品)")


class PromotionRule(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("type"), max_length=16, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    stackable = models.BooleanField(_("stacks with other promotions"), default=True)
    params = models.JSONField(_("parameters"), default=dict)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("promotion rule")
        verbose_name_plural = _("promotion rules")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Channel(models.TextChoices):
    ZTC = "直通车", _("直通车 (search ads)")
    YLMF = "引力魔方", _("引力魔方/钻展 (display ads)")
    TBK = "淘宝客", _("淘宝客 (affiliates)")
    FEED = "信息流", _("信息流 (feed ads)")
    OFFSITE = "站外", _("Off-site (站外)")
    OTHER = "其他", _("Other (其他)")


class CampaignBudget(models.Model):
    """One line of the 站内推广计划表: a channel's budget, target and optimisation cycle."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="budgets")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    amount = MoneyField(_("budget"))
    target = models.CharField(_("target"), max_length=200, blank=True)
    cycle = models.CharField(_("optimisation cycle"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "channel"], name="uniq_campaign_budget")
        ]
        verbose_name = _("campaign budget")
        verbose_name_plural = _("campaign budgets")

    def __str__(self) -> str:
        return f"{self.channel} {self.amount}"


class CampaignTarget(models.Model):
    """A target of the campaign's main phase, kept as a goal (planning.Goal)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=64)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=6)
    goal = models.ForeignKey(
        "planning.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "metric"], name="uniq_campaign_target")
        ]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")

    def __str__(self) -> str:
        return f"{self.metric} {self.target}"


# The launch checklist each campaign starts with (seed 000 stage 4 and SOP step 4).
LAUNCH_CHECKS = (
    "活动规则已测试：满减、优惠券、秒杀在测试订单中按计划生效",
    "支付流程已测试（含优惠叠加后的实付金额）",
    "活动库存已备好（见备货检查），秒杀库存已锁定",
    "客服活动话术与快捷短语已准备",
    "活动页面、主推商品详情页与价格已检查",
)


class CampaignCheck(models.Model):
    """An item of the campaign's launch checklist, ticked by a person."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("campaign check")
        verbose_name_plural = _("campaign checks")

    def __str__(self) -> str:
        return self.text


class CampaignReview(models.Model):
    """The team's edit of the retrospective's success factors, problems and improvements
    (one per line); until it is saved the retrospective shows the drafted ones."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="review")
    successes = models.TextField(_("success factors"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    improvements = models.TextField(_("improvements"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign review")
        verbose_name_plural = _("campaign reviews")

    def __str__(self) -> str:
        return f"review of {self.campaign_id}"


class AdPlan(StoreOwned):
    """A promotion plan of one channel (直通车, 引力魔方/钻展, 淘宝客, 信息流 …) as the team
    manages it: its budget and bid notes, the CTR it is held to and its ROI floor. Its daily
    results are the ad facts of the same channel and plan name (the ads import)."""

    channel = models.CharField(_("channel"), max_length=64)
    name = models.CharField(_("plan"), max_length=200)
    daily_budget = MoneyField(_("daily budget"), null=True, blank=True, default=None)
    bid_note = models.TextField(_("bid notes"), blank=True)
    benchmark_ctr = models.DecimalField(
        _("benchmark CTR"), max_digits=7, decimal_places=4, null=True, blank=True,
        help_text=_("The industry's CTR, e.g. 0.035: a plan a fifth or more under it is flagged."),
    )  # fmt: skip
    roi_floor = models.DecimalField(_("ROI floor"), max_digits=8, decimal_places=2, default=2)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="ad_plans",
        verbose_name=_("campaign"),
    )  # fmt: skip

    class Meta:
        ordering = ["channel", "name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "channel", "name"], name="uniq_ad_plan")
        ]
        verbose_name = _("ad plan")
        verbose_name_plural = _("ad plans")

    def __str__(self) -> str:
        return f"{self.channel} {self.name}"


class ContentForm(models.TextChoices):
    LIVE = "live", _("Live stream (直播)")
    VIDEO = "video", _("Short video (短视频)")
    POST = "post", _("Article with pictures (图文)")
    FEED = "feed", _("微淘 / 逛逛 post")


class PromotionSlot(models.Model):
    """One line of the 站外推广排期表 (or an on-site content item): the channel, the content
    form, the partner or KOL, their followers, the publishing day, the fee, and the traffic
    aimed at against the traffic it brought."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="slots")
    offsite = models.BooleanField(_("off-site"), default=True)
    channel = models.CharField(_("channel"), max_length=64)
    form = models.CharField(_("content form"), max_length=16, choices=ContentForm.choices)
    partner = models.CharField(_("partner / KOL"), max_length=200, blank=True)
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    publish_on = models.DateField(_("publishing day"))
    fee = MoneyField(_("fee"))
    target_visitors = models.PositiveIntegerField(_("target traffic"), default=0)
    actual_visitors = models.PositiveIntegerField(_("actual traffic"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("owner"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["publish_on", "id"]
        verbose_name = _("promotion slot")
        verbose_name_plural = _("promotion slots")

    def __str__(self) -> str:
        return f"{self.publish_on} {self.channel} {self.partner}"
