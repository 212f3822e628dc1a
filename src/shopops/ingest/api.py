import json

from django.core.exceptions import ValidationError
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shopops.core.access import get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
from shopops.ingest.errors import ImportFailed
from shopops.ingest.formats import FORMATS
from shopops.ingest.models import ImportRun
from shopops.ingest.queries import run_dict, runs_for
from shopops.ingest.services import start_import

router = Router(tags=["imports"], auth=ModuleAuth("imports"))


class ImportOut(Schema):
    id: int
    store: str
    kind: str
    format: str
    file: str
    status: str
    progress: dict | None
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    error: str
    rejects: list
    user: str | None


@router.post(
    "", response=responses({202: ImportOut}, 404), summary="Upload a file and queue its import"
)
def create_import(
    request,
    file: File[UploadedFile],
    store: Form[str],
    kind: Form[str],
    format: Form[str] = "shopops",
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
    mapping: Form[str] = "",
):
    target = get_scoped_or_404(Store, request.auth, code=store)
    if format not in FORMATS:
        raise ValidationError({"format": f"one of {', '.join(FORMATS)}"})
    options = {"skip_invalid": skip_invalid, "dry_run": dry_run}
    if mapping:
        try:
            options["mapping"] = json.loads(mapping)
        except ValueError as exc:
            raise ValidationError({"mapping": f"not valid JSON ({exc})"}) from None
    try:
        run = start_import(
            user=request.auth,
            store=target,
            kind=kind,
            fmt=format,
            upload=file,
            options=options,
            via="api",
        )
    except ImportFailed as exc:
        raise ValidationError(exc.message) from None
    return Status(202, run_dict(run))


@router.get("", response=responses({200: list[ImportOut]}, 404))
def list_imports(request, store: str | None = None, limit: int = Query(50, ge=1, le=500)):
    scope = get_scoped_or_404(Store, request.auth, code=store) if store else None
    return [run_dict(r) for r in runs_for(request.auth, scope)[:limit]]


@router.get("/{run_id}", response=responses({200: ImportOut}, 404))
def get_import(request, run_id: int):
    return run_dict(
        get_scoped_or_404(
            ImportRun.objects.select_related("store", "user"), request.auth, pk=run_id
        )
    )
