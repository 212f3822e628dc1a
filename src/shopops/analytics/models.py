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


class DirtyDay(models.Model):
    """A local day of a store whose facts changed since the Parquet lake last exported them
    (no day: any day of the store). Written by `facts_changed` in the writer's own
    transaction, so a reader sees the facts and the mark together; deleted by the lake
    export that read the facts after it. Readers take the lake for every other day and the
    live database for these."""

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(null=True)

    class Meta:
        verbose_name = _("changed day")
        verbose_name_plural = _("changed days")
        indexes = [models.Index(fields=["store", "day"], name="analytics_dirty_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.day or '*'}"
