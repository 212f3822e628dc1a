from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.core.access import can, get_scoped_or_404
from shopops.core.decorators import module_view
from shopops.ingest.errors import ImportFailed
from shopops.ingest.forms import KIND_LABELS, UploadForm
from shopops.ingest.kinds import KINDS
from shopops.ingest.models import ImportRun
from shopops.ingest.queries import run_dict, runs_for
from shopops.ingest.services import start_import
from shopops.ingest.templates_csv import template


@module_view("imports")
def import_page(request):
    store = request.store
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if store is None:
            raise Http404("No store")
        data = form.cleaned_data
        try:
            run = start_import(
                user=request.user,
                store=store,
                kind=data["kind"],
                fmt=data["format"],
                upload=data["file"],
                options={"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]},
            )
        except ImportFailed as exc:
            form.add_error("file", exc.message)
        else:
            messages.info(request, _("Import of %(file)s queued.") % {"file": run.file_name})
            return redirect("ingest:run", run_id=run.pk)
    runs = [run_dict(r) for r in runs_for(request.user, store)[:30]] if store else []
    return render(
        request,
        "ingest/import_page.html",
        {
            "form": form,
            "runs": runs,
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
    context = {"run": run_dict(run)}
    if request.headers.get("HX-Request"):
        return render(request, "ingest/run_status.html", context)
    return render(request, "ingest/run_detail.html", context)


@module_view("imports", "view")
def download_template(request, kind):
    if kind not in KINDS:
        raise Http404("No such kind")
    response = HttpResponse(template(kind).encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="shopops-{kind}.csv"'
    return response
