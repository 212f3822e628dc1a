"""One import run in the process that claimed it: the pipeline, its progress (kept in the
queue's store so the web can read it while the import's transaction is open) and the run's
outcome."""

from pathlib import Path

from django.utils import timezone

from shopops.ingest.errors import ImportFailed
from shopops.ingest.limits import memory_limit_mb
from shopops.ingest.models import ImportRun
from shopops.ingest.pipeline import KEEP_REJECTS, run_import


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


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


def progress_of(run: ImportRun) -> dict | None:
    from huey.contrib.djhuey import HUEY

    if run.status != ImportRun.Status.RUNNING:
        return None
    data = HUEY.get(progress_key(run.pk), peek=True)
    if not data:
        return None
    total = max(data["total"], 1)
    return {**data, "percent": min(100, round(100 * data["done"] / total))}
