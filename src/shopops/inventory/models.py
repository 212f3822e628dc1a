from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopops.catalog.models import Sku
from shopops.core.fields import UnitCostField
from shopops.core.models import StoreOwned


class Warehouse(StoreOwned):
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_warehouse")]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class StockLevel(StoreOwned):
    """Stock of one SKU in one warehouse. available = on_hand - reserved, never below zero."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    safety_stock = models.PositiveIntegerField(_("safety stock"), default=0)
    warning_stock = models.PositiveIntegerField(_("warning stock"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="uniq_stock_level"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_lte_on_hand"
            ),
        ]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ALLOCATION = "allocation", _("Sale allocation")
    RELEASE = "release", _("Release")
    SHIPMENT = "shipment", _("Shipped out")
    RETURN = "return", _("Return to stock")
    ADJUSTMENT = "adjustment", _("Adjustment")
    STOCKTAKE = "stocktake", _("Stock-take")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    IMPORT = "import", _("Import")


class StockMovement(StoreOwned):
    """The ledger: the sum of a level's `quantity` is its on-hand quantity and the sum of its
    `reserved_delta` its reserved quantity. An allocation moves no goods (quantity 0,
    reserved +n); shipping it takes them out (quantity -n, reserved -n)."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))  # signed: + in, - out
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        indexes = [
            models.Index(fields=["store", "sku", "at"]),
            # The ledger's latest lines, newest first, without sorting the whole ledger.
            models.Index(fields=["store", "-at", "-id"], name="move_store_latest"),
        ]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d}"


class Allocation(StoreOwned):
    """Units of one order line reserved in one warehouse. Open while neither released nor
    shipped; an order's lines are allocated all together or not at all."""

    line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="allocations"
    )
    level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("allocated at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "level"], name="alloc_store_level")]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.line_id}: {self.quantity}@{self.level_id}"


class ChannelBuffer(StoreOwned):
    """Units held back from one sales channel's available-to-sell, for every SKU or one.

    What a channel may sell is the SKU's available stock less this buffer, so that several
    channels selling the same stock do not oversell between two syncs."""

    channel = models.CharField(_("channel"), max_length=64)
    sku = models.ForeignKey(
        Sku, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("SKU")
    )
    units = models.PositiveIntegerField(_("safety buffer (units)"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel", "sku"], name="uniq_channel_buffer_sku"
            ),
            models.UniqueConstraint(
                fields=["store", "channel"],
                condition=Q(sku=None),
                name="uniq_channel_buffer_default",
            ),
        ]
        verbose_name = _("channel safety buffer")
        verbose_name_plural = _("channel safety buffers")

    def __str__(self) -> str:
        return f"{self.channel}: {self.units}"


class PurchaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORDERED = "ordered", _("Ordered")
    PARTIAL = "partial", _("Partly received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(StoreOwned):
    """A purchase order to a supplier; receiving it writes receipt movements to the ledger."""

    number = models.CharField(_("PO number"), max_length=32)
    supplier = models.ForeignKey(
        "catalog.Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("supplier"),
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, verbose_name=_("warehouse"))
    status = models.CharField(
        _("status"), max_length=16, choices=PurchaseStatus.choices, default=PurchaseStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    expected_at = models.DateField(_("expected on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="uniq_po_number")]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(StoreOwned):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("quantity"))
    received = models.PositiveIntegerField(_("received"), default=0)
    unit_cost = UnitCostField(_("unit cost"), null=True, blank=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="uniq_po_line_sku"),
            models.CheckConstraint(
                condition=Q(received__lte=F("quantity")), name="po_received_lte_quantity"
            ),
        ]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_id} × {self.quantity}"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received


class DemandOverride(StoreOwned):
    """What the team decided about a SKU's demand, against what the cleaning found: a
    manual daily rate (for a SKU whose history is too short for a model, or that the team
    knows better), and order lines put back that the cleaning left out."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    manual_daily = models.DecimalField(
        _("manual daily demand"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    restored = models.JSONField(_("order lines put back"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="uniq_demand_override"),
            models.CheckConstraint(
                condition=models.Q(manual_daily__isnull=True) | models.Q(manual_daily__gte=0),
                name="manual_daily_not_negative",
            ),
        ]
        verbose_name = _("demand override")
        verbose_name_plural = _("demand overrides")

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.manual_daily} / {len(self.restored)} restored"
