from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.models import StoreOwned


class Customer(StoreOwned):
    """A buyer, by the platform's buyer id. Name, phone and address are personal data:
    stored here only, shown masked to roles without the permission, never logged."""

    platform_id = models.CharField(_("buyer id"), max_length=128)
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    PERSONAL_FIELDS = ("name", "phone", "email", "address")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_id"], name="uniq_customer")
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:  # no personal data: this ends up in logs and audit entries
        return f"customer {self.pk}"
