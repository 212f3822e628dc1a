from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.catalog.models import Sku
from shopops.core.fields import MoneyField
from shopops.core.models import StoreOwned
from shopops.orders.models import Order


class CaseKind(models.TextChoices):
    RETURN = "return", _("Return")
    REFUND = "refund", _("Refund only")
    EXCHANGE = "exchange", _("Exchange")
    COMPLAINT = "complaint", _("Complaint")


class AfterSalesCase(StoreOwned):
    case_id = models.CharField(_("case id"), max_length=64)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    status = models.CharField(_("status"), max_length=32, default="open")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    amount = MoneyField(_("amount"))
    opened_at = models.DateTimeField(_("opened at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "case_id"], name="uniq_case")]
        indexes = [models.Index(fields=["store", "opened_at"], name="case_store_opened")]
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")

    def __str__(self) -> str:
        return self.case_id


def _score():
    return [MinValueValidator(1), MaxValueValidator(5)]


class Review(StoreOwned):
    """A buyer's review: a 1-5 rating and the three DSR scores (描述相符/服务态度/发货速度)."""

    review_id = models.CharField(_("review id"), max_length=64)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"))
    rating = models.PositiveSmallIntegerField(_("rating"), validators=_score())
    dsr_description = models.PositiveSmallIntegerField(_("DSR description"), validators=_score())
    dsr_service = models.PositiveSmallIntegerField(_("DSR service"), validators=_score())
    dsr_shipping = models.PositiveSmallIntegerField(_("DSR shipping"), validators=_score())
    content = models.TextField(_("content"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "review_id"], name="uniq_review")]
        indexes = [models.Index(fields=["store", "created_at"], name="review_store_created")]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return self.review_id

    @property
    def negative(self) -> bool:
        return self.rating <= 2
