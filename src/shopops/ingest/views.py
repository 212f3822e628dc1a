from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shopops.core.access import can, get_scoped_or_404
from shopops.core.decorators import module_view
from shopops.core.pagination import paginate
from shopops.ingest.errors import ImportFailed
from shopops.ingest.forms import KIND_LABELS, MappingUploadForm, UploadForm
from shopops.ingest.kinds import KINDS
from shopops.ingest.mapping_builder import build, guess, preview
from shopops.ingest.mappings import save_mapping
from shopops.ingest.models import ImportRun, SavedMapping
from shopops.ingest.queries import run_dict, runs_for
from shopops.ingest.services import UPLOADS, rerun, save_upload, start_import
from shopops.ingest.templates_csv import template


@module_view("imports")
def import_page(request):
    store = request.store
    mappings = SavedMapping.objects.filter(store=store) if store else SavedMapping.objects.none()
    chosen = request.GET.get("kind")  # a page's "import" link names its kind
    form = UploadForm(request.POST or None, request.FILES or None, mappings=mappings,
                      initial={"kind": chosen} if chosen in KINDS else None)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        if store is None:
            raise Http404("No store")
        data = form.cleaned_data
        options = {"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]}
        fmt, kind = data["format"], data["kind"]
        if data.get("mapping"):
            fmt, kind = "mapping", data["mapping"].kind
            options["mapping"] = data["mapping"].options
        try:
            run = start_import(
                user=request.user,
                store=store,
                kind=kind,
                fmt=fmt,
                upload=data["file"],
                options=options,
            )
        except ImportFailed as exc:
            form.add_error("file", exc.message)
        else:
            messages.info(request, _("Import of %(file)s queued.") % {"file": run.file_name})
            return redirect("ingest:run", run_id=run.pk)
    paged = paginate(request, runs_for(request.user, store) if store else [], default=25)
    return render(
        request,
        "ingest/import_page.html",
        {
            "form": form,
            "runs": [run_dict(r) for r in paged.rows],
            "paged": paged,
            "kinds": [
                {"key": k, "label": KIND_LABELS[k], "columns": KINDS[k].columns} for k in KINDS
            ],
            "can_upload": can(request.user, "imports", "change"),
        },
    )


@module_view("imports", "view")
def run_detail(request, run_id):
    run = get_scoped_or_404(
        ImportRun.objects.select_related("store", "user"), request.user, pk=run_id
    )
    context = {
        "run": run_dict(run),
        "can_rerun": run.status == ImportRun.Status.FAILED
        and can(request.user, "imports", "change")
        and bool(run.file_path)
        and Path(run.file_path).exists(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "ingest/run_status.html", context)
    return render(request, "ingest/run_detail.html", context)


@require_POST
@module_view("imports", "change")
def run_again(request, run_id):
    """A failed run's kept file, imported again with the same options."""
    run = get_scoped_or_404(ImportRun.objects.select_related("store"), request.user, pk=run_id)
    try:
        again = rerun(run, request.user)
    except ImportFailed as exc:
        messages.error(request, exc.message)
        return redirect("ingest:run", run_id=run.pk)
    messages.info(request, _("Import of %(file)s queued.") % {"file": again.file_name})
    return redirect("ingest:run", run_id=again.pk)


@module_view("imports", "view")
def download_template(request, kind):
    if kind not in KINDS:
        raise Http404("No such kind")
    response = HttpResponse(template(kind).encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="shopops-{kind}.csv"'
    return response


PENDING = "shopops_pending_uploads"


@module_view("imports", "change")
def mapping_start(request):
    """Step 1: upload any CSV/XLSX; step 2 (mapping_finish) picks a column for each field."""
    form = MappingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        path, name = save_upload(form.cleaned_data["file"])
        kind = form.cleaned_data["kind"]
        try:
            shown = preview(path, name)
        except ImportFailed as exc:
            form.add_error("file", exc.message)
        else:
            token = path.name
            pending = request.session.get(PENDING, {})
            pending[token] = {"name": name, "kind": kind}
            request.session[PENDING] = pending
            return render(
                request,
                "ingest/mapping.html",
                _mapping_context(token, name, kind, shown, guess(kind, shown["header"]), {}, None),
            )
    return render(request, "ingest/mapping_start.html", {"form": form})


def _mapping_context(token, name, kind, shown, picks, extra, error):
    return {
        "token": token,
        "file": name,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "preview": shown,
        "error": error,
        "extra": extra,
        "fields": [
            {"name": c.name, "required": c.required, "doc": c.doc, "pick": picks.get(c.name, "")}
            for c in KINDS[kind].columns
        ],
    }


@module_view("imports", "change")
def mapping_finish(request):
    if request.method != "POST":
        return redirect("ingest:mapping")
    token = request.POST.get("token", "")
    pending = request.session.get(PENDING, {}).get(token)
    if pending is None:
        raise Http404("This upload has expired; upload the file again.")
    path, kind = UPLOADS / token, pending["kind"]
    shown = preview(path, pending["name"])
    picks = {c.name: request.POST.get(f"pick_{c.name}", "") for c in KINDS[kind].columns}
    extra = {
        k: request.POST.get(k, "").strip()
        for k in ("datetime_format", "date_format", "time_zone", "decimal_comma", "save_as")
    }
    try:
        options = build(kind, picks, shown["header"], extra)
        store = request.store
        if extra["save_as"]:
            save_mapping(request.user, store, name=extra["save_as"], kind=kind, options=options)
        run = start_import(
            user=request.user,
            store=store,
            kind=kind,
            fmt="mapping",
            saved=(path, pending["name"]),
            options={"mapping": options},
        )
    except ImportFailed as exc:
        return render(
            request,
            "ingest/mapping.html",
            _mapping_context(token, pending["name"], kind, shown, picks, extra, exc.message),
        )
    request.session[PENDING] = {
        k: v for k, v in request.session.get(PENDING, {}).items() if k != token
    }
    messages.info(request, _("Import of %(file)s queued.") % {"file": run.file_name})
    return redirect("ingest:run", run_id=run.pk)
