"""Channel safety buffers (渠道安全库存): units held back from one channel's available-to-sell,
for every SKU of the store or one SKU. Set and removed here, audited."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shopops.catalog.models import Sku
from shopops.core import audit
from shopops.inventory.models import ChannelBuffer

FIELDS = ["channel", "sku", "units"]


@transaction.atomic
def set_buffer(actor, store, *, channel: str, sku_code: str = "", units: int, via="web"):
    """The buffer of a channel (for one SKU when `sku_code` is given), made or changed."""
    channel = channel.strip()
    if not channel:
        raise ValidationError({"channel": _("Name the channel, e.g. tmall or douyin.")})
    sku = None
    if sku_code.strip():
        sku = Sku.objects.filter(store=store, code=sku_code.strip()).first()
        if sku is None:
            raise ValidationError({"sku": _("SKU %(s)s is not in this store.") % {"s": sku_code}})
    found = ChannelBuffer.objects.filter(store=store, channel=channel, sku=sku).first()
    before = audit.snapshot(found, FIELDS) if found else None
    buffer = found or ChannelBuffer(store=store, channel=channel, sku=sku)
    buffer.units = units
    buffer.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            buffer.save()
    except IntegrityError:  # the same buffer made at the same moment by someone else
        raise ValidationError({"channel": _("That buffer was just made; reload.")}) from None
    audit.record(
        actor, buffer, "update" if found else "create", before, audit.snapshot(buffer, FIELDS),
        store=store, via=via,
    )  # fmt: skip
    return buffer


@transaction.atomic
def remove_buffer(actor, store, buffer_id: int, *, via="web") -> bool:
    buffer = ChannelBuffer.objects.filter(store=store, pk=buffer_id).first()
    if buffer is None:
        return False
    before, pk = audit.snapshot(buffer, FIELDS), buffer.pk
    buffer.delete()
    buffer.pk = pk  # the entry names the row that was deleted
    audit.record(actor, buffer, "delete", before, None, store=store, via=via)
    return True
