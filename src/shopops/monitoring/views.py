from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.core.access import can
from shopops.core.decorators import module_view
from shopops.core.middleware import require_store
from shopops.monitoring import daily_report, report_export
from shopops.monitoring.forms import MeasureForm, ReportSettingsForm
from shopops.monitoring.models import ReportSettings


def _day(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        return daily_report.default_day(request.store)


@module_view("daily_report")
def daily(request):
    store = require_store(request)
    day = _day(request)
    if request.method == "POST" and request.POST.get("action") == "to_task":
        return _measure_to_task(request, store)
    if request.method == "POST":
        form = MeasureForm(request.POST, store=store)
        if form.is_valid():
            data = form.cleaned_data
            try:
                daily_report.write_measure(
                    request.user,
                    store,
                    day,
                    data["metric"],
                    data["text"],
                    data["owner"],
                    data["due"],
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, _("Measure saved."))
        else:
            messages.error(request, _("The measure was not saved: write the measure."))
        return redirect(f"{request.path}?date={day.isoformat()}#m-{request.POST.get('metric', '')}")
    report = daily_report.report_for(store, day)
    rows = report_export.rows(report, request.user)
    can_write = can(request.user, "daily_report", "change")
    for row in rows:
        current = row["measure"]
        row["form"] = (
            MeasureForm(
                store=store,
                initial={
                    "metric": row["metric"],
                    "text": current.text if current else "",
                    "owner": current.owner_id if current else request.user.pk,
                    "due": current.due if current else None,
                },
                auto_id=f"id_{row['metric'].replace(':', '_')}_%s",
            )
            if can_write
            else None
        )
    return render(
        request,
        "monitoring/daily.html",
        {
            "report": report,
            "rows": rows,
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "can_write": can_write,
            "can_plan": can_write and can(request.user, "plans", "change"),
            "anomalies": sum(1 for r in rows if r["anomaly"]),
            "context_lines": report_export.context_lines(report),
            "ongoing_lines": report_export.ongoing_lines(report, request.user),
        },
    )


@module_view("daily_report", "view")
def daily_download(request, fmt: str):
    store = require_store(request)
    day = _day(request)
    report = daily_report.report_for(store, day)
    import tempfile
    from pathlib import Path

    path = (
        Path(tempfile.mkdtemp(prefix="shopops-report-")) / f"daily-report-{store.code}-{day}.{fmt}"
    )
    try:
        report_export.write(report, fmt, path, request.user)
    except report_export.PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(f"/reports/daily/?date={day.isoformat()}")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


@module_view("daily_report", "change")
def report_settings(request):
    """The daily report's core metrics, time and the team's thresholds, for those who may
    change the report (the operations lead)."""
    from shopops.analytics.catalog import lookup

    store = require_store(request)
    found = daily_report._settings(store)
    keys = daily_report.core_metrics(store, found)
    rules = daily_report.thresholds(store, found)
    initial = {
        "core_metrics": ", ".join(keys),
        "send_at": found.send_at if found else ReportSettings._meta.get_field("send_at").default,
    }
    for key, pair in rules.items():
        for rule, share in pair.items():
            initial[f"{rule}__{key}"] = (share * 100).quantize(Decimal("0.1"))
    labelled = [(k, lookup(k).label) for k in keys]
    form = ReportSettingsForm(request.POST or None, initial=initial, metrics=labelled)
    if request.method == "POST" and form.is_valid():
        try:
            daily_report.save_settings(
                request.user,
                store,
                core_metrics=form.cleaned_data["core_metrics"],
                send_at=form.cleaned_data["send_at"],
                thresholds=form.thresholds(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Report settings saved."))
            return redirect("monitoring:settings")
    from shopops.analytics.catalog import CATALOG

    return render(
        request,
        "monitoring/settings.html",
        {"form": form, "catalog": [(m.key, m.label) for m in CATALOG.values()]},
    )


def _measure_to_task(request, store):
    """ "Make it a task": needs the plans' change permission too."""
    from django.http import Http404

    from shopops.monitoring.models import AdjustmentMeasure

    if not can(request.user, "plans", "change"):
        raise PermissionDenied
    try:
        task = daily_report.measure_to_task(request.user, store, int(request.POST["measure"]))
    except (KeyError, ValueError, AdjustmentMeasure.DoesNotExist):
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect(request.get_full_path())
    messages.success(request, _("Task made from the measure."))
    return redirect("planning:task", task_id=task.pk)


@module_view("plans")
def checklist(request):
    """Today's checklist of a template (the daily check unless another is chosen): the
    data-backed items checked now with their evidence, the rest ticked with a note; what
    the previous list left unfinished."""
    from django.shortcuts import get_object_or_404
    from django.urls import reverse

    from shopops.monitoring import checklists
    from shopops.planning import work
    from shopops.planning.models import ChecklistItem

    store = require_store(request)
    templates = list(checklists.templates_of(store))
    chosen = request.GET.get("template") or request.POST.get("template")
    template = next((t for t in templates if str(t.pk) == chosen), None) or (
        checklists.default_of(templates)
    )
    today = work.today_of(store)
    if request.method == "POST":
        item = get_object_or_404(ChecklistItem, pk=request.POST.get("item"), checklist__store=store)
        checklists.tick(request.user, item, request.POST.get("done") == "1",
                        request.POST.get("note", ""))  # fmt: skip
        return redirect(f"{request.path}?template={template.pk}#item-{item.pk}")
    made = checklists.list_for(store, template, today)
    checklists.run_checks(made)
    items = list(made.items.select_related("done_by"))
    for item in items:
        url = item.evidence.get("url") if item.evidence else ""
        item.link = reverse(url) + item.evidence.get("query", "") if url else ""
    return render(request, "monitoring/checklist.html", {
        "templates": templates, "template": template, "checklist": made, "items": items,
        "done": sum(i.done for i in items), "left": checklists.unfinished_yesterday(
            store, template, today),
        "can_tick": can(request.user, "plans", "change"),
    })  # fmt: skip


@module_view("plans")
def checklist_templates(request):
    """The checklists' templates: a shipped one edited becomes the store's copy; the store's
    own added; items added and removed (the next day's lists use them)."""
    from django.shortcuts import get_object_or_404

    from shopops.monitoring import checklists
    from shopops.planning.models import ChecklistTemplate, ChecklistTemplateItem

    store = require_store(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "template":
                made = checklists.add_template(request.user, store, request.POST.get("name", ""),
                                               request.POST.get("daily") == "on")  # fmt: skip
                return redirect(f"{request.path}#template-{made.pk}")
            if action == "item":
                template = get_object_or_404(
                    ChecklistTemplate.objects.filter(store__isnull=True)
                    | ChecklistTemplate.objects.filter(store=store),
                    pk=request.POST.get("template"),
                )
                item = checklists.add_item(request.user, store, template,
                                           request.POST.get("text", ""))  # fmt: skip
                return redirect(f"{request.path}#template-{item.template_id}")
            if action == "remove":
                item = get_object_or_404(ChecklistTemplateItem, pk=request.POST.get("item"))
                if item.template.store_id not in (None, store.pk):
                    raise PermissionDenied
                checklists.remove_item(request.user, store, item)
                return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
    templates = checklists.templates_of(store)
    return render(request, "monitoring/checklist_templates.html", {
        "templates": [(t, list(t.items.all())) for t in templates],
        "can_edit": can(request.user, "plans", "change"),
    })  # fmt: skip
