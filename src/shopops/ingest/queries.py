from shopops.core.access import scoped
from shopops.ingest.models import ImportRun
from shopops.ingest.runs import progress_of


def runs_for(user, store=None):
    qs = scoped(ImportRun.objects.select_related("store", "user"), user)
    return qs.filter(store=store) if store is not None else qs


def run_dict(run: ImportRun) -> dict:
    return {
        "id": run.pk,
        "store": run.store.code,
        "kind": run.kind,
        "format": run.format,
        "file": run.file_name,
        "status": run.status,
        "progress": progress_of(run),
        "rows": run.rows_read,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "error": run.error,
        "rejects": run.rejects,
        "user": run.user.username if run.user else None,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }
