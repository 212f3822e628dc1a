from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.core.models import StoreOwned


class ImportRun(StoreOwned):
    """One import of one file: who, what, how far it got and what it changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16)
    format = models.CharField(_("format"), max_length=16)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, blank=True)  # uploads kept for the worker
    sha256 = models.CharField(max_length=64, blank=True)
    options = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    via = models.CharField(max_length=16, default="cli")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    rejects = models.JSONField(default=list, blank=True)  # the first rejects, for the page
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # host:pid of the process running it, so a run whose process is gone can be failed.
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class SavedMapping(StoreOwned):
    """A column mapping for files of one shape (an ERP export, a report), built from a preview
    on the upload page or written by hand (docs/import-formats.md)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16)
    options = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="uniq_saved_mapping")]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return self.name


class ImportedFile(StoreOwned):
    """A file an import stored whole (no rejects), and what it could prove about it: every
    row of the file is stored as the file has it for as long as the store's facts version
    (`analytics.FactsVersion`, raised by every writer of the tables an import writes) is
    `base_version + raises`. The same file read with the same settings is then answered
    from here (`ingest.same_file`) instead of being read and compared row by row."""

    kind = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)  # of the file's bytes and the import's settings
    base_version = models.PositiveBigIntegerField()  # the facts version when the import began
    raises = models.PositiveSmallIntegerField()  # 1 when the import itself raised it, else 0
    rows = models.PositiveIntegerField()
    lines_too = models.BooleanField(default=False)  # an orders file carrying its lines
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "kind", "digest"], name="imported_file_digest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}"
