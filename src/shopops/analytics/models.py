from django.db import models
from django.utils.translation import gettext_lazy as _


class FactsVersion(models.Model):
    """A counter per store, raised after every committed write to the facts metrics read.
    Cached metric results carry the versions they were computed at, so a write makes them
    unreachable at once, in every process."""

    store = models.OneToOneField(
        "core.Store", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("facts version")
        verbose_name_plural = _("facts versions")

    def __str__(self) -> str:
        return f"{self.store_id}@{self.version}"
