from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
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
    unit_price = UnitCostField(_("unit price"))  # up to 4 decimals; line amounts are cents
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


class HoldReason(models.TextChoices):
    STOCK_SHORT = "stock_short", _("Stock short (库存不足)")
    ADDRESS_INCOMPLETE = "address_incomplete", _("Incomplete address (地址不完整)")
    DUPLICATE = "duplicate", _("Suspected duplicate (疑似重复)")
    BUYER_MESSAGE = "buyer_message", _("Buyer message to read (买家留言)")
    HIGH_AMOUNT = "high_amount", _("Unusually high amount (金额异常)")


class OrderHold(StoreOwned):
    """A reason an order waits in the exception queue; it leaves when every hold is resolved."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    reason = models.CharField(_("reason"), max_length=32, choices=HoldReason.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reason"],
                condition=models.Q(resolved_at=None),
                name="uniq_open_hold",
            )
        ]
        indexes = [models.Index(fields=["store", "resolved_at"], name="hold_store_open")]
        verbose_name = _("order hold")
        verbose_name_plural = _("order holds")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.reason}"


class OrderEvent(StoreOwned):
    """The order's history: every state change with who made it and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    via = models.CharField(_("via"), max_length=16, default="web")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class IntakeReceipt(StoreOwned):
    """The answer given to the first intake call of an order, returned again on a retry."""

    order_id = models.CharField(_("order id"), max_length=64)
    payload_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "order_id"], name="uniq_intake_receipt")
        ]
        verbose_name = _("intake receipt")
        verbose_name_plural = _("intake receipts")

    def __str__(self) -> str:
        return f"{self.order_id} {self.status_code}"


class FulfilmentSettings(models.Model):
    """A store's fulfilment rules: promises, timeouts and the review thresholds."""

    store = models.OneToOneField(
        "core.Store", on_delete=models.CASCADE, related_name="fulfilment_settings"
    )
    shipping_promise_hours = models.PositiveIntegerField(
        _("shipping promise (hours)"),
        default=48,
        help_text=_("Orders must ship within this many hours of payment."),
    )
    delivery_promise_hours = models.PositiveIntegerField(
        _("delivery promise (hours)"),
        default=72,
        help_text=_("A shipment delivered within this many hours of shipping is on time."),
    )
    unpaid_timeout_minutes = models.PositiveIntegerField(
        _("unpaid timeout (minutes)"),
        default=30,
        help_text=_("Orders not paid within this time are cancelled by the worker."),
    )
    duplicate_window_hours = models.PositiveIntegerField(
        _("duplicate window (hours)"),
        default=24,
        help_text=_("Same buyer, address and SKUs within this window is a suspected duplicate."),
    )
    high_amount = MoneyField(
        _("high amount"),
        default=Decimal("5000"),
        validators=[MinValueValidator(0)],
        help_text=_("Orders paying more than this are held for review; 0 turns the rule off."),
    )
    stalled_tracking_hours = models.PositiveIntegerField(
        _("stalled tracking (hours)"),
        default=48,
        help_text=_("A shipment with no tracking event for this long is a logistics exception."),
    )

    # What the team edits on the settings page (and the audit records).
    EDITABLE = (
        "shipping_promise_hours",
        "delivery_promise_hours",
        "unpaid_timeout_minutes",
        "duplicate_window_hours",
        "high_amount",
        "stalled_tracking_hours",
    )

    class Meta:
        verbose_name = _("fulfilment settings")
        verbose_name_plural = _("fulfilment settings")

    def __str__(self) -> str:
        return f"fulfilment settings of store {self.store_id}"

    @classmethod
    def of(cls, store) -> "FulfilmentSettings":
        found = cls.objects.filter(store=store).first()
        return found or cls(store=store)


class DelayKind(models.TextChoices):
    LATE = "late", _("Late delivery (超时未达)")
    STALLED = "stalled", _("No tracking update (物流停滞)")
    LOST = "lost", _("Lost (丢件)")
    DAMAGED = "damaged", _("Damaged (破损)")
    RETURNED = "returned", _("Returned to sender (退回)")


class DelayStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTACTED = "contacted", _("Buyer contacted")
    CLOSED = "closed", _("Closed")


class Compensation(models.TextChoices):
    NONE = "", _("None")
    COUPON = "coupon", _("Coupon")
    REFUND = "refund", _("Partial refund")
    RESHIP = "reship", _("Reshipment")


class DelayCase(StoreOwned):
    """One line of 异常物流处理记录: a shipment gone wrong and what was done about it."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="delay_cases")
    kind = models.CharField(_("exception"), max_length=16, choices=DelayKind.choices)
    opened_at = models.DateTimeField(_("found at"), default=timezone.now)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DelayStatus.choices, default=DelayStatus.OPEN
    )
    contacted_at = models.DateTimeField(_("buyer contacted at"), null=True, blank=True)
    contact_note = models.CharField(_("contact note"), max_length=500, blank=True)
    compensation = models.CharField(
        _("compensation"), max_length=16, choices=Compensation.choices, blank=True
    )
    compensation_amount = MoneyField(_("compensation amount"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "kind"],
                condition=~models.Q(status="closed"),
                name="uniq_open_delay_case",
            )
        ]
        verbose_name = _("logistics exception")
        verbose_name_plural = _("logistics exceptions")

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.kind}"
