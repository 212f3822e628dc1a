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
    """Run a queued import (in the worker). Safe to call twice: a run that is not queued is
    left alone. The file is read in a child process with a memory limit (`isolation`), so a
    hostile file can fail its run but never take the worker down."""
    from shopops.ingest import isolation

    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, worker=isolation.process_name()
    )
    if claimed and isolation.enabled():
        isolation.run_in_child(run_id)
    elif claimed:
        run_claimed(run_id)
    return ImportRun.objects.select_related("store", "user").get(pk=run_id)


def run_claimed(run_id: int) -> None:
    """The import of a run this process has claimed (status running): the pipeline, then
    the run's outcome."""
    from huey.contrib.djhuey import HUEY

    run = ImportRun.objects.select_related("store", "user").get(pk=run_id)
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
    except MemoryError:
        fields.update(status=ImportRun.Status.FAILED, error=memory_message(run.file_name))
    except Exception:
        # Not the file's fault: say so on the run instead of leaving it "running", and let
        # the worker log the traceback.
        fail(run.pk, "internal error while importing; the file was not imported")
        raise
    fields["finished_at"] = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    HUEY.get(progress_key(run.pk))  # read once more to drop it


def memory_message(file_name: str) -> str:
    from shopops.ingest.isolation import memory_limit_mb

    return (
        f"{file_name}: reading the file needed more than the {memory_limit_mb()} MB of "
        "memory an import may use (SHOPOPS_IMPORT_MEMORY_MB); nothing was imported. Split "
        "the file or save it as CSV."
    )


def fail(run_id: int, reason: str) -> bool:
    """Mark a run that is still running as failed; False if it had ended meanwhile."""
    return bool(
        ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.FAILED, finished_at=timezone.now(), error=reason
        )
    )


def rerun(run: ImportRun, user, via: str = "web") -> ImportRun:
    """A new run of a failed run's file with the same options (the file is kept)."""
    if run.status != ImportRun.Status.FAILED:
        raise ImportFailed("only a failed import can be run again")
    if not run.file_path or not Path(run.file_path).exists():
        raise ImportFailed(f"{run.file_name}: the uploaded file is no longer kept; upload it again")
    return start_import(
        user=user,
        store=run.store,
        kind=run.kind,
        fmt=run.format,
        saved=(Path(run.file_path), run.file_name),
        options=dict(run.options),
        via=via,
    )


def progress_of(run: ImportRun) -> dict | None:
    from huey.contrib.djhuey import HUEY

    if run.status != ImportRun.Status.RUNNING:
        return None
    data = HUEY.get(progress_key(run.pk), peek=True)
    if not data:
        return None
    total = max(data["total"], 1)
    return {**data, "percent": min(100, round(100 * data["done"] / total))}
