"""预警中心 pages: open alerts by severity, an alert with its history and links, the rules
(with "test this rule on a day"), the channels (with "send a test message") and each
person's notification centre. Every write goes through alerts.services."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shopops.alerts import benchmarks, queries, services
from shopops.alerts.forms import BenchmarkForm, BenchmarksFileForm, ChannelForm, RuleForm
from shopops.alerts.models import Alert, AlertRule, AlertState, Channel, Notification, Severity
from shopops.core.access import can, granted_stores
from shopops.core.decorators import login_view, module_view
from shopops.core.forms import show_refusal
from shopops.core.middleware import require_store


def subject_link(alert: Alert) -> tuple[str, str] | None:
    """(label, URL) of what the alert concerns: the metric's diagnosis for its day, the SKU's
    stock, the overdue orders, the import run."""
    subject = alert.subject or {}
    kind = subject.get("kind")
    if kind == "metric" and alert.day:
        from shopops.analytics.explorer import explain_query

        return _("Diagnosis of the day"), reverse("analytics:explain") + explain_query(
            subject["metric"], (alert.day, alert.day)
        )
    if kind == "sku":
        return _("Stock of the SKU"), reverse("inventory:levels") + f"?sku={subject['sku']}"
    if kind == "orders":
        return _("Overdue orders"), reverse("orders:queue") + "?tab=overdue"
    if kind == "shipments":
        return _("Logistics"), reverse("orders:logistics")
    if kind == "import":
        return _("The import"), reverse("ingest:run", args=[subject["run"]])
    if kind == "task":
        return _("The task"), reverse("planning:task", args=[subject["task"]])
    return None


@module_view("alerts")
def center(request):
    store = require_store(request)
    state = request.GET.get("state", "open")
    severity = request.GET.get("severity", "")
    rows = queries.alerts_of([store], state="" if state == "all" else state, severity=severity,
                             viewer=request.user)  # fmt: skip
    counts = {
        s: queries.alerts_of([store], state="open", severity=s, viewer=request.user).count()
        for s in Severity.values
    }
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/center.html", {
        "page": page, "state": state, "severity": severity, "counts": counts,
        "severities": Severity.choices, "states": [("open", _("Not resolved")),
                                                   *AlertState.choices, ("all", _("All"))],
        "has_rules": AlertRule.objects.filter(store=store, enabled=True).exists(),
    })  # fmt: skip


def _alert_of(request, pk) -> Alert:
    """An alert of any store the person holds (a notification may be of another store than
    the one chosen); a cost rule's alert is not found for a role that must not see costs."""
    return get_object_or_404(
        queries.alerts_of(granted_stores(request.user), viewer=request.user), pk=pk
    )


@module_view("alerts", "view")  # whoever sees an alert may acknowledge or resolve it
def detail(request, pk: int):
    alert = _alert_of(request, pk)
    if request.method == "POST":
        note = request.POST.get("note", "").strip()
        try:
            if request.POST.get("action") == "acknowledge":
                services.acknowledge(request.user, alert, note)
                messages.success(request, _("Acknowledged."))
            elif request.POST.get("action") == "resolve":
                services.resolve(request.user, alert, note)
                messages.success(request, _("Resolved."))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        return redirect("alerts:detail", pk=alert.pk)
    Notification.objects.filter(user=request.user, alert=alert, read_at__isnull=True).update(
        read_at=alert.last_seen_at
    )
    return render(request, "alerts/detail.html", {
        "alert": alert, "events": alert.events.select_related("actor"),
        "link": subject_link(alert), "deliveries": alert.deliveries.select_related("channel"),
    })  # fmt: skip


@module_view("alerts")
def rules(request):
    store = require_store(request)
    services.ensure_default_rules(store)
    return render(request, "alerts/rules.html", {
        "rules": queries.rules_of(store, request.user).prefetch_related("channels"),
        "can_edit": can(request.user, "alerts", "change"),
    })  # fmt: skip


@module_view("alerts", "change")
def rule_edit(request, pk: int | None = None):
    store = require_store(request)
    rule = get_object_or_404(queries.rules_of(store, request.user), pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule, store=store)
    tried = None
    if request.method == "POST" and request.POST.get("action") == "toggle" and rule:
        services.save_rule(request.user, store, rule, enabled=not rule.enabled)
        messages.success(
            request, _("Rule switched on.") if rule.enabled else _("Rule switched off.")
        )
        return redirect("alerts:rules")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        filters = data.pop("filters_text")
        recipients, channels = data.pop("recipients"), data.pop("channels")
        fields = {k: v for k, v in data.items() if k in services.RULE_FIELDS}
        try:
            stored = AlertRule.objects.get(pk=rule.pk) if rule else None  # the form's is edited
            saved = services.save_rule(request.user, store, stored, recipients=recipients,
                                       filters=filters, **fields)  # fmt: skip
        except ValidationError as exc:
            show_refusal(form, exc)
        else:
            saved.channels.set(channels)
            if request.POST.get("action") == "test":
                return redirect(reverse("alerts:rule_test", args=[saved.pk]) + "?date="
                                + request.POST.get("test_date", ""))  # fmt: skip
            messages.success(request, _("Rule saved."))
            return redirect("alerts:rules")
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule, "tried": tried})


@module_view("alerts", "change")
def rule_test(request, pk: int):
    """What the rule would open and resolve on a day, without sending or writing anything."""
    store = require_store(request)
    rule = get_object_or_404(queries.rules_of(store, request.user), pk=pk)
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    result = services.run(store, rules=[rule], day=day, dry_run=True)
    return render(request, "alerts/rule_test.html", {
        "rule": rule, "day": day, "result": result,
        "error": result.errors.get(rule.pk), "skipped": result.skipped.get(rule.pk),
        "findings": result.findings.get(rule.pk, []),
    })  # fmt: skip


@module_view("alerts")
def channels(request):
    store = require_store(request)
    can_edit = can(request.user, "alerts", "change")
    if request.method == "POST" and can_edit:
        channel = get_object_or_404(Channel, store=store, pk=request.POST.get("channel"))
        services.send_test_message(request.user, channel)
        messages.success(request, _("Test message queued: the worker sends it within a minute."))
        return redirect("alerts:channels")
    rows = Channel.objects.filter(store=store)
    from django.conf import settings

    return render(request, "alerts/channels.html", {
        "channels": rows, "can_edit": can_edit, "smtp": settings.SMTP_CONFIGURED,
    })  # fmt: skip


@module_view("alerts", "change")
def channel_edit(request, pk: int | None = None):
    store = require_store(request)
    channel = get_object_or_404(Channel, store=store, pk=pk) if pk else None
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["emails"] = data.pop("emails_text")
        try:
            # The form wrote into its instance: the service starts from the stored row.
            stored = Channel.objects.get(pk=channel.pk) if channel else None
            services.save_channel(request.user, store, stored, **data)
        except ValidationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Channel saved."))
            return redirect("alerts:channels")
    return render(request, "alerts/channel_form.html", {"form": form, "channel": channel})


@login_view
def notifications(request):
    """The signed-in person's notification centre: newest first; marking read."""
    if request.method == "POST":
        services.mark_read(request.user)
        return redirect("alerts:notifications")
    rows = Notification.objects.filter(user=request.user).select_related("alert__store")
    visible = queries.alerts_of(granted_stores(request.user), viewer=request.user).values("pk")
    rows = rows.filter(alert__in=visible)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/notifications.html", {"page": page})


@module_view("alerts")
def benchmark_list(request):
    """行业基准: the values the store's benchmark rules compare with; one entered by hand,
    a file of them, one removed (the ops lead and admin). Cost metrics' benchmarks are not
    shown to a role that may not see costs. A POST needs the change permission
    (core.middleware)."""
    store = require_store(request)
    services.ensure_default_rules(store)  # the default CTR rule is one that waits for one
    can_edit = can(request.user, "alerts", "change")
    action = request.POST.get("action") if request.method == "POST" else None
    form = BenchmarkForm(request.POST if action == "set" else None)
    file_form = BenchmarksFileForm(
        request.POST if action == "file" else None, request.FILES if action == "file" else None
    )
    hidden = set(queries.hidden_metrics(request.user))
    if action == "set" and form.is_valid():
        done = _set_one(request, store, form, hidden)
        if done:
            messages.success(request, _("Benchmark saved."))
            return redirect("alerts:benchmarks")
    if action == "file" and file_form.is_valid():
        done = _import_benchmarks(request, store, file_form)
        if done is not None:
            messages.success(request, _(
                "%(benchmarks)d benchmarks: %(inserted)d new, %(updated)d changed, "
                "%(unchanged)d unchanged.") % done)  # fmt: skip
            return redirect("alerts:benchmarks")
    if action == "remove":
        metric = request.POST.get("metric", "")
        if metric not in hidden and benchmarks.remove(request.user, store, metric):
            messages.success(request, _("Benchmark removed."))
        return redirect("alerts:benchmarks")
    watched = set(
        AlertRule.objects.filter(store=store, condition="benchmark", enabled=True).values_list(
            "metric", flat=True
        )
    )
    rows = benchmarks.of_store(store, hidden)
    return render(request, "alerts/benchmarks.html", {
        "rows": [benchmarks.shown(b, store.currency, b.metric in watched) for b in rows],
        "form": form, "file_form": file_form, "can_edit": can_edit,
        "unset": sorted(watched - {b.metric for b in rows} - hidden),
    })  # fmt: skip


def _set_one(request, store, form, hidden) -> bool:
    from shopops.ingest.errors import RowError

    data = form.cleaned_data
    try:
        key = benchmarks.metric_key(data["metric"])
        if key in hidden:
            raise benchmarks.UnknownMetric(f"unknown metric {data['metric']!r}")
        value = benchmarks.parse_value(data["value"], key)
        row = benchmarks.BenchmarkRow(key, value, data["source"])
        benchmarks.set_benchmarks(request.user, store, [row])
    except benchmarks.UnknownMetric as exc:
        form.add_error("metric", str(exc))
    except RowError as exc:
        form.add_error("value", exc.reason)
    except ValidationError as exc:
        show_refusal(form, exc)
    else:
        return True
    return False


def _import_benchmarks(request, store, form):
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.services import save_upload

    path, name = save_upload(form.cleaned_data["file"])
    try:
        return benchmarks.import_file(request.user, store, path, display_name=name, via="web")
    except ImportFailed as exc:
        form.add_error("file", exc.message)
        return None
    finally:
        path.unlink(missing_ok=True)
