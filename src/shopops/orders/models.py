from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.catalog.models import Sku
from shopops.core.fields import MoneyField, UnitCostField
from shopops.core.models import StoreOwned
from shopops.customers.models import Customer


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    AUDITED = "audited", _("Audited")
    ALLOCATED = "allocated", _("Allocated")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Order(StoreOwned):
    """A platform order. Its period is the store-local date of `paid_at` (METRICS.md)."""

    order_id = models.CharField(_("order id"), max_length=64)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PAID
    )
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    goods_amount = MoneyField(_("goods amount"))
    discount_amount = MoneyField(_("discount"))
    shipping_fee = MoneyField(_("shipping fee"))
    paid_amount = MoneyField(_("paid amount"))
    refunded_amount = MoneyField(_("refunded amount"))
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    # Personal data of the receiver: shown masked without the permission, never logged.
    receiver_name = models.CharField(_("receiver"), max_length=200, blank=True)
    receiver_phone = models.CharField(_("receiver phone"), max_length=50, blank=True)
    receiver_address = models.CharField(_("receiver address"), max_length=500, blank=True)
    buyer_message = models.TextField(_("buyer message"), blank=True)

    PERSONAL_FIELDS = ("receiver_name", "receiver_phone", "receiver_address")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "order_id"], name="uniq_order")]
        indexes = [
            models.Index(fields=["store", "paid_at"], name="order_store_paid"),
            models.Index(fields=["store", "created_at"], name="order_store_created"),
            models.Index(fields=["store", "status"], name="order_store_status"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.order_id


class OrderLine(StoreOwned):
    """One line of an order. `allocated_amount` is the line's share of the order's paid
    amount (METRICS.md "line GMV"); an order's lines add up exactly to its paid amount."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.PROTECT)
    sku_code = models.CharField(_("SKU code"), max_length=64)
    product_name = models.CharField(_("product name"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    line_amount = MoneyField(_("line amount"))
    unit_cost = UnitCostField(_("unit cost"), null=True, blank=True, default=None)
    allocated_amount = MoneyField(_("line GMV"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="uniq_order_line")]
        indexes = [models.Index(fields=["store", "sku_code"], name="line_store_sku")]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no}"


class Shipment(StoreOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=64)
    tracking_no = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=32, default="in_transit")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "carrier", "tracking_no"], name="uniq_shipment"
            )
        ]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no}"


class ShipmentEvent(StoreOwned):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=32)
    location = models.CharField(_("location"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "at", "status"], name="uniq_ship_event")
        ]
        verbose_name = _("shipment event")
        verbose_name_plural = _("shipment events")

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d %H:%M}"
