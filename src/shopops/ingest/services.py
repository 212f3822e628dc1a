"""Starting imports from the web and the API: the file is kept under var/uploads and the
worker runs it (`tasks.import_file` -> `isolation.execute` -> `runs.run_claimed`), the same
pipeline as the CLI, reporting progress as it goes."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from shopops.ingest.errors import ImportFailed
from shopops.ingest.kinds import KINDS
from shopops.ingest.models import ImportRun

UPLOADS = Path(settings.VAR_DIR) / "uploads"


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
