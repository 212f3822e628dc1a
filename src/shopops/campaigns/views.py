"""活动推广 pages: the campaign list and calendar, the plan editor with its margin guard and
stock readiness, and "try a cart". Thin: the services write, the queries read."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shopops.campaigns import margin, queries, retro, retro_export, services
from shopops.campaigns.forms import (
    BudgetForm,
    CampaignForm,
    CartForm,
    ReviewForm,
    RuleForm,
    SkuForm,
    TargetForm,
    TaskLinkForm,
)
from shopops.campaigns.models import Campaign, CampaignCheck, CampaignStatus, PromotionRule
from shopops.core import pdf
from shopops.core.access import can, can_see_costs
from shopops.core.decorators import module_view
from shopops.core.forms import show_refusal
from shopops.core.middleware import require_store
from shopops.core.queries import store_people
from shopops.planning.work import today_of

STAGE_NAMES = {"order": "满减/满件折", "coupon": "优惠券"}


def _campaign(request, campaign_id: int) -> Campaign:
    store = require_store(request)
    found = queries.campaigns_of(store).filter(pk=campaign_id).first()
    if found is None:
        raise Http404("No such campaign in this store")
    return found


def yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


@module_view("campaigns")
def campaign_list(request):
    store = require_store(request)
    can_change = can(request.user, "campaigns", "change")
    form = None
    if can_change:
        form = CampaignForm(request.POST or None, owners=store_people(store),
                            costs=can_see_costs(request.user))  # fmt: skip
        if request.method == "POST" and form.is_valid():
            try:
                campaign = services.create_campaign(
                    request.user, store, phases=form.phases(), **form.fields_only()
                )
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Campaign created. Add its SKUs, rules and targets."))
                return redirect("campaigns:detail", campaign_id=campaign.pk)
    today = today_of(store)
    listed = queries.rows(store, today)
    text = request.GET.get("year", "")
    year = int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else today.year
    return render(
        request,
        "campaigns/list.html",
        {
            "rows": listed,
            "calendar": queries.calendar(listed, year),
            "axis": queries.year_axis(year, today),
            "year": year,
            "form": form,
        },
    )


def _handle(request, campaign: Campaign, action: str, forms: dict):
    """One POST of the editor: the action's form, checked and written; a redirect or None
    (the page shown again with the form's errors)."""
    user = request.user
    done = {
        "save": _("Campaign saved."),
        "sku": _("SKU saved."),
        "rule": _("Rule saved."),
        "budget": _("Budget saved."),
        "target": _("Target saved as a goal of the main phase."),
        "task": _("Task added to the plans and linked to the campaign."),
    }
    try:
        if action in forms:
            form = forms[action]
            if not form.is_valid():
                return None
            d = form.cleaned_data
            if action == "save":
                services.update_campaign(user, campaign, **form.fields_only())
                services.set_phases(user, campaign, form.phases())
            elif action == "sku":
                services.set_sku(user, campaign, d["code"], price=d["campaign_price"],
                                 stock_cap=d["stock_cap"])  # fmt: skip
            elif action == "rule":
                services.save_rule(user, campaign, kind=d["kind"], params=form.params(),
                                   name=d["name"], stackable=d["stackable"])  # fmt: skip
            elif action == "budget":
                services.set_budget(user, campaign, d["channel"], d["amount"], target=d["target"],
                                    cycle=d["cycle"])  # fmt: skip
            elif action == "target":
                services.set_target(user, campaign, d["metric"], d["target"])
            elif action == "task":
                services.new_task(user, campaign, name=d["name"], start=d["start"], due=d["due"],
                                  owner=user)  # fmt: skip
            messages.success(request, done[action])
        elif action == "remove_sku":
            services.remove_sku(user, campaign, request.POST.get("code", ""))
        elif action == "delete_rule":
            rule = PromotionRule.objects.filter(campaign=campaign, pk=request.POST.get("rule") or 0)
            if rule.exists():
                services.delete_rule(user, rule.get())
        elif action in ("link_task", "unlink_task"):
            from shopops.planning.models import Task

            task = Task.objects.filter(
                store=campaign.store, pk=request.POST.get("task") or 0
            ).first()
            if task is not None:
                services.link_task(user, campaign, task, linked=action == "link_task")
        elif action == "tick":
            check = CampaignCheck.objects.filter(
                campaign=campaign, pk=request.POST.get("check") or 0
            )
            if check.exists():
                services.tick(user, check.get(), request.POST.get("done") == "1")
        elif action == "launch":
            services.launch(user, campaign, accept=request.POST.get("accept") == "1")
            messages.success(request, _("Campaign launched."))
        elif action == "reopen":
            services.reopen(user, campaign)
            messages.info(request, _("Campaign reopened as a draft; launching it checks it again."))
    except services.LaunchRefused as exc:
        messages.error(
            request,
            _("Not launched: the margin guard flags %(skus)s. Fix the prices or accept them.")
            % {"skus": ", ".join(r.sku for r in exc.rows)},
        )
    except ValidationError as exc:
        form = forms.get(action)
        if form is None:
            messages.error(request, "; ".join(exc.messages))
        else:
            show_refusal(form, exc)
            return None
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@module_view("campaigns")
def campaign_detail(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    store = campaign.store
    user = request.user
    costs = can_see_costs(user)
    can_change = can(user, "campaigns", "change")
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if posted else ""
    forms = {}
    if can_change:

        def bound(name, cls, **kw):
            return cls(posted if action == name else None, prefix=name, **kw)

        forms = {
            "save": bound("save", CampaignForm, instance=campaign, owners=store_people(store),
                          costs=costs),
            "sku": bound("sku", SkuForm),
            "rule": bound("rule", RuleForm),
            "budget": bound("budget", BudgetForm),
            "target": bound("target", TargetForm),
            "task": bound("task", TaskLinkForm),
        }  # fmt: skip
    if posted is not None:
        answer = _handle(request, campaign, action, forms)
        if answer is not None:
            return answer
    today = today_of(store)
    state = queries.state(campaign, today)
    guard_rows, guard_error = [], None
    try:
        guard_rows = margin.guard(campaign)
    except ValidationError as exc:
        guard_error = "; ".join(exc.messages)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "state": state,
            "state_label": queries.STATE_LABELS[state],
            "colour": queries.STATE_COLOURS[state],
            "draft": campaign.status == CampaignStatus.DRAFT,
            "phases": list(campaign.phases.all()),
            "skus": list(campaign.skus.select_related("sku__product")),
            "rules": [{"rule": r, "terms": queries.terms(r)} for r in campaign.rules.all()],
            "stacking": " → ".join(STAGE_NAMES[s] for s in settings.SHOPOPS_PROMO_STACKING),
            "budgets": list(campaign.budgets.all()),
            "budget_total": sum((b.amount for b in campaign.budgets.all()), Decimal(0)),
            "progress": queries.progress(campaign, viewer=user),
            "checks": list(campaign.checks.select_related("done_by")),
            "tasks": list(campaign.tasks.select_related("owner").order_by("start")),
            "other_tasks": _other_tasks(campaign) if can_change else [],
            "guard": [r.as_dict(costs) for r in guard_rows],
            "guard_bad": [r.sku for r in margin.violations(guard_rows)],
            "guard_error": guard_error,
            "floor": margin.floor_of(campaign),
            "readiness": queries.readiness(campaign),
            "costs": costs,
            "forms": forms,
            "can_change": can_change,
        },
    )


def _other_tasks(campaign: Campaign):
    from shopops.planning.models import Task

    linked = campaign.tasks.values_list("pk", flat=True)
    return list(
        Task.objects.filter(store=campaign.store).exclude(pk__in=linked).order_by("-start")[:50]
    )


@module_view("campaigns")
def campaign_try(request, campaign_id: int):
    """Price any cart under the campaign: the lines, the rules applied, the saving."""
    campaign = _campaign(request, campaign_id)
    form = CartForm(request.POST or None)
    priced, errors = None, []
    if request.method == "POST" and form.is_valid():
        lines, errors = queries.parse_cart(campaign.store, form.cleaned_data["lines"])
        if not errors:
            try:
                result = queries.price_cart(campaign, lines, form.cleaned_data.get("day"))
            except ValidationError as exc:
                errors = exc.messages
            else:
                names = {f"r{r.pk}": str(r) for r in campaign.rules.all()}
                priced = {
                    "total": yuan(result.total),
                    "list_total": yuan(result.list_total),
                    "saving": yuan(result.saving),
                    "rules": [names.get(k, k) for k in result.rules],
                    "lines": [
                        {
                            "sku": pl.sku,
                            "quantity": pl.quantity,
                            "list_amount": yuan(pl.list_amount),
                            "amount": yuan(pl.amount),
                            "flash_units": pl.flash_units,
                            "gift": pl.gift,
                            "discounts": [
                                (names.get(k, k), yuan(v)) for k, v in pl.discounts.items()
                            ],
                        }
                        for pl in result.lines
                    ],
                }
    return render(
        request,
        "campaigns/try.html",
        {"campaign": campaign, "form": form, "priced": priced, "errors": errors},
    )


def _reviewable(campaign: Campaign) -> bool:
    """A review is drafted once the campaign has started (launched, its first day passed)."""
    state = queries.state(campaign, today_of(campaign.store))
    return state in (queries.LIVE, queries.FINISHED)


@module_view("campaigns")
def campaign_review(request, campaign_id: int):
    """运营效果复盘报告: drafted from the data, the team's edits kept, improvements adopted into
    the SOP update list and the risk library."""
    campaign = _campaign(request, campaign_id)
    if not _reviewable(campaign):
        return render(request, "campaigns/review.html", {"campaign": campaign, "found": None})
    found = retro.build(campaign, viewer=request.user)
    can_change = can(request.user, "campaigns", "change")
    words = retro.texts(found)
    form = ReviewForm(
        request.POST if request.method == "POST" and "save" in request.POST else None,
        initial={k: "\n".join(v) for k, v in words.items()},
    )
    if request.method == "POST" and can_change:
        if "adopt" in request.POST:
            index = request.POST.get("adopt", "")
            problems = found["problems"]
            if index.isdigit() and int(index) < len(problems):
                made = retro.adopt(request.user, campaign, problems[int(index)])
                messages.success(
                    request,
                    _("Added to the SOP update list and the risk library: %(risk)s")
                    % {"risk": made["risk"].risk},
                )
            return redirect("campaigns:review", campaign_id=campaign.pk)
        if form.is_valid():
            retro.save_review(request.user, campaign, **form.cleaned_data)
            messages.success(request, _("Review saved."))
            return redirect("campaigns:review", campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/review.html",
        {
            "campaign": campaign,
            "found": found,
            "sections": [s for s in retro_export.sections(found) if s.key not in retro.TEXTS],
            "words": words,
            "problems": found["problems"],
            "form": form if can_change else None,
            "can_change": can_change,
        },
    )


@module_view("campaigns")
def campaign_review_download(request, campaign_id: int, fmt: str):
    import tempfile
    from pathlib import Path

    from django.http import FileResponse

    campaign = _campaign(request, campaign_id)
    if fmt not in ("xlsx", "pdf"):
        raise Http404("The review downloads as xlsx or pdf")
    if not _reviewable(campaign):
        raise Http404("The campaign has not started")
    found = retro.build(campaign, viewer=request.user)
    name = f"复盘-{campaign.store.code}-{campaign.pk}.{fmt}"
    path = Path(tempfile.mkdtemp(prefix="shopops-review-")) / name
    try:
        retro_export.write(found, fmt, path)
    except pdf.PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:review", campaign_id=campaign.pk)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


@module_view("campaigns")
def campaign_live(request, campaign_id: int):
    """活动实时监控: sales vs target by day and by hour, the day's pace, 秒杀 stock burn."""
    from datetime import date

    from shopops.campaigns import live

    campaign = _campaign(request, campaign_id)
    if queries.span(campaign) is None:
        return render(request, "campaigns/live.html", {"campaign": campaign, "data": None})
    text = request.GET.get("day", "")
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    data = live.view(campaign, day)
    return render(request, "campaigns/live.html", {"campaign": campaign, "data": data,
                                                   "chart": live.chart(data)})  # fmt: skip


@module_view("campaigns")
def ad_analysis(request):
    """推广分析: plans and keywords over a period with their flags; plan setup for editors."""
    from datetime import timedelta

    from shopops.campaigns import ads
    from shopops.campaigns.forms import AdPlanForm, PeriodForm

    store = require_store(request)
    today = today_of(store)
    campaign = None
    if str(request.GET.get("campaign", "")).isdigit():
        campaign = queries.campaigns_of(store).filter(pk=int(request.GET["campaign"])).first()
    dates = queries.span(campaign) if campaign else None
    start, end = dates or (today - timedelta(days=30), today - timedelta(days=1))
    period = PeriodForm(request.GET if "start" in request.GET else None,
                        initial={"start": start, "end": end})  # fmt: skip
    if period.is_bound and period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    can_change = can(request.user, "campaigns", "change")
    form = AdPlanForm(request.POST or None) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        ads.save_plan(request.user, store, channel=d["channel"], name=d["name"],
                      daily_budget=d["daily_budget"], benchmark_ctr=d["benchmark_ctr"],
                      roi_floor=d["roi_floor"], bid_note=d["bid_note"])  # fmt: skip
        messages.success(request, _("Plan saved."))
        return redirect(request.get_full_path())
    costs = can_see_costs(request.user)
    found = ads.analysis(store, start, end, costs=costs, viewer=request.user)
    context = {"found": found, "period": period, "form": form, "costs": costs,
               "campaign": campaign}  # fmt: skip
    return render(request, "campaigns/ads.html", context)


@module_view("plans")
def campaign_promotion(request, campaign_id: int):
    """站外推广排期表 and content items: planned by the 内容编辑 and the planner (who may
    change plans), measured against the traffic they brought."""
    from shopops.campaigns import schedule_export
    from shopops.campaigns.forms import SlotForm
    from shopops.campaigns.models import PromotionSlot

    campaign = _campaign(request, campaign_id)
    if request.GET.get("format") == "xlsx":
        from shopops.core.downloads import XLSX, attachment

        name = f"推广排期-{campaign.store.code}-{campaign.pk}.xlsx"
        return attachment(schedule_export.to_xlsx_bytes(campaign), name, XLSX)
    editing = None
    if str(request.GET.get("edit", "")).isdigit():
        editing = PromotionSlot.objects.filter(
            campaign=campaign, pk=int(request.GET["edit"])
        ).first()
    can_change = can(request.user, "plans", "change")
    form = None
    if can_change:
        form = SlotForm(request.POST or None, instance=editing,
                        owners=store_people(campaign.store))  # fmt: skip
        if request.method == "POST" and form.is_valid():
            fields = {k: form.cleaned_data[k] for k in form.Meta.fields}
            try:
                services.save_slot(request.user, campaign, editing, **fields)
            except ValidationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Schedule saved."))
                return redirect("campaigns:promotion", campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/promotion.html",
        {
            "campaign": campaign,
            "rows": list(zip(campaign.slots.select_related("owner"),
                             schedule_export.slot_rows(campaign), strict=True)),
            "budgets": list(campaign.budgets.all()),
            "form": form,
            "editing": editing,
        },
    )  # fmt: skip
