from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.fields import MoneyField, UnitCostField
from shopops.core.models import StoreOwned


class Supplier(StoreOwned):
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=7)
    payment_terms = models.CharField(_("payment terms"), max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_supplier")]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class ProductRole(models.TextChoices):
    TRAFFIC = "traffic", _("Traffic driver (引流款)")
    PROFIT = "profit", _("Profit maker (利润款)")
    IMAGE = "image", _("Image builder (形象款)")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    OFF_SALE = "off_sale", _("Off sale")


class Lifecycle(models.TextChoices):
    NEW = "new", _("New (新品)")
    GROWTH = "growth", _("Growth (成长)")
    MATURE = "mature", _("Mature (成熟)")
    DECLINE = "decline", _("Decline (衰退)")


class Product(StoreOwned):
    """An SPU: what the shopper sees as one listing; its SKUs are the variants."""

    spu = models.CharField(_("SPU code"), max_length=64)
    name = models.CharField(_("product name"), max_length=255)
    title = models.CharField(_("listing title"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    role = models.CharField(_("role"), max_length=16, choices=ProductRole.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.ON_SALE
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=16, choices=Lifecycle.choices, blank=True
    )
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("supplier")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "spu"], name="uniq_product_spu")]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.spu} {self.name}"


class Sku(StoreOwned):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="skus", verbose_name=_("product")
    )
    code = models.CharField(_("SKU code"), max_length=64)
    name = models.CharField(_("SKU name"), max_length=255, blank=True)
    price = MoneyField(_("price"))
    cost = UnitCostField(_("unit cost"), null=True, blank=True, default=None)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.ON_SALE
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_sku_code")]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")

    def __str__(self) -> str:
        return self.code
