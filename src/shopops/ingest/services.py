"""Starting imports from the web and the API: the file is kept under var/uploads and the
worker runs the same pipeline as the CLI, reporting progress as it goes."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shopops.ingest.errors import ImportFailed
from shopops.ingest.kinds import KINDS
from shopops.ingest.models import ImportRun
from shopops.ingest.pipeline import KEEP_REJECTS, run_import

UPLOADS = Path(settings.VAR_DIR) / "uploads"


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


def save_upload(upload) -> tuple[Path, str]:
    """Keep an uploaded file under var/uploads; returns its path and its original name."""
    UPLOADS.mkdir(parents=True, exist_ok=True)
    name = Path(upload.name).name
    path = UPLOADS / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path, name


def start_import(
    *,
    user,
    store,
    kind: str,
    fmt: str,
    upload=None,
    saved: tuple | None = None,
    options: dict | None = None,
    via: str = "web",
) -> ImportRun:
    """Queue the import of an upload (or of a file kept earlier, `saved` = (path, name));
    returns the run to watch."""
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    path, name = saved if saved is not None else save_upload(upload)
    run = ImportRun.objects.create(
        store=store,
        kind=kind,
        format=fmt,
        file_name=name,
        file_path=str(path),
        options=options or {},
        user=user,
        via=via,
    )
    from shopops.ingest.tasks import import_file

    transaction.on_commit(lambda: import_file(run.pk))
    return run


def execute(run_id: int) -> ImportRun:
    """Run a queued import (in the worker). Safe to call twice: a finished run is left."""
    from huey.contrib.djhuey import HUEY

    run = ImportRun.objects.select_related("store", "user").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    options = dict(run.options)

    def progress(rows, done, total):
        # The import is one transaction, so progress goes through the queue's store,
        # which the web process can read while the transaction is still open.
        HUEY.put(progress_key(run.pk), {"rows": rows, "done": done, "total": total})

    fields = {"finished_at": None}
    try:
        result = run_import(
            store=run.store,
            kind=run.kind,
            path=Path(run.file_path),
            fmt=run.format,
            mapping=options.get("mapping"),
            dry_run=bool(options.get("dry_run")),
            skip_invalid=bool(options.get("skip_invalid")),
            user=run.user,
            via=run.via,
            display_name=run.file_name,
            progress=progress,
        )
        fields.update(
            status=ImportRun.Status.DONE,
            rows_read=result.rows,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            rejects=[
                {"line": r.line, "column": r.column, "reason": r.reason}
                for r in result.rejects[:KEEP_REJECTS]
            ],
        )
    except ImportFailed as exc:
        fields.update(status=ImportRun.Status.FAILED, error=exc.message)
    except Exception:
        # Not the file's fault: say so on the run instead of leaving it "running", and let
        # the worker log the traceback.
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            error="internal error while importing; the file was not imported",
        )
        raise
    fields["finished_at"] = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    HUEY.get(progress_key(run.pk))  # read once more to drop it
    run.refresh_from_db()
    return run


def progress_of(run: ImportRun) -> dict | None:
    from huey.contrib.djhuey import HUEY

    if run.status != ImportRun.Status.RUNNING:
        return None
    data = HUEY.get(progress_key(run.pk), peek=True)
    if not data:
        return None
    total = max(data["total"], 1)
    return {**data, "percent": min(100, round(100 * data["done"] / total))}
