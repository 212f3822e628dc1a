"""Every write of a campaign: one transaction per business action, each audited.

Rules, prices and SKUs change while a campaign is a draft; a launched campaign is reopened
(back to draft) to change them, so what was checked at launch is what runs. Budgets,
targets, tasks and the team's notes change at any time.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shopops.campaigns import locks, margin, queries, rules
from shopops.campaigns.models import (
    LAUNCH_CHECKS,
    Campaign,
    CampaignBudget,
    CampaignCheck,
    CampaignPhase,
    CampaignSku,
    CampaignStatus,
    CampaignTarget,
    Phase,
    PromotionRule,
)
from shopops.catalog.models import Sku
from shopops.core import audit

CAMPAIGN_FIELDS = ["name", "kind", "status", "rules_note", "margin_floor", "uplift",
                   "roi_floor", "flash_exclusive", "owner"]  # fmt: skip
TARGET_METRICS = ("gmv", "orders", "new_buyers", "buyers", "units", "roi")


class LaunchRefused(Exception):
    """The margin guard found SKUs under the floor (or unknown SKUs); nothing was written."""

    def __init__(self, rows):
        super().__init__(", ".join(r.sku for r in rows))
        self.rows = rows


class NotDraft(ValidationError):
    pass


def _editable(campaign: Campaign) -> Campaign:
    """The campaign, locked (a launch waits for the change, and the change for a launch), if
    it is still a draft."""
    locked = locks.campaign(campaign.pk)
    campaign.status = locked.status
    if locked.status != CampaignStatus.DRAFT:
        raise NotDraft("The campaign is launched: reopen it to change its SKUs, prices or rules.")


def _touch(actor, campaign: Campaign, what: str, via: str):
    """A change to a part of the campaign, audited on the campaign."""
    audit.record(actor, campaign, what, None, None, store=campaign.store, via=via)


@transaction.atomic
def create_campaign(actor, store, *, via="web", phases=None, **fields) -> Campaign:
    campaign = Campaign(store=store, **fields)
    campaign.full_clean()
    campaign.save()
    audit.record(
        actor,
        campaign,
        "create",
        None,
        audit.snapshot(campaign, CAMPAIGN_FIELDS),
        store=store,
        via=via,
    )
    CampaignCheck.objects.bulk_create(
        CampaignCheck(campaign=campaign, position=i, text=t) for i, t in enumerate(LAUNCH_CHECKS)
    )
    if phases:
        set_phases(actor, campaign, phases, via=via)
    return campaign


@transaction.atomic
def tick(actor, check: CampaignCheck, done: bool, *, via="web") -> CampaignCheck:
    before = {"done": check.done}
    check.done = done
    check.done_by = audit.acting_user(actor) if done else None
    check.done_at = timezone.now() if done else None
    check.save()
    audit.record(
        actor, check, "update", before, {"done": done}, store=check.campaign.store, via=via
    )
    return check


@transaction.atomic
def update_campaign(actor, campaign: Campaign, *, via="web", **changes) -> Campaign:
    campaign = locks.campaign(campaign.pk)
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    if {"margin_floor", "flash_exclusive"} & set(changes):
        _editable(campaign)
    for k, v in changes.items():
        if k not in CAMPAIGN_FIELDS or k == "status":
            raise ValidationError({k: "not a field to change here"})
        setattr(campaign, k, v)
    campaign.full_clean()
    campaign.save()
    audit.record(
        actor, campaign, "update", before, audit.snapshot(campaign, CAMPAIGN_FIELDS),
        store=campaign.store, via=via,
    )  # fmt: skip
    return campaign


@transaction.atomic
def set_phases(actor, campaign: Campaign, phases: dict, *, via="web"):
    """{phase: (start, end) or None}; the main phase is required, the phases follow each
    other (预热 before 正式 before 返场). Targets follow the main phase's dates."""
    known = {p.value for p in Phase}
    unknown = set(phases) - known
    if unknown:
        raise ValidationError({"phases": f"unknown phases: {', '.join(sorted(unknown))}"})
    if not phases.get(Phase.MAIN):
        raise ValidationError({"phases": "the main phase (正式) needs its dates"})
    spans = []
    for phase in (Phase.PREHEAT, Phase.MAIN, Phase.ENCORE):
        span = phases.get(phase)
        if not span:
            continue
        start, end = span
        if end < start:
            raise ValidationError({phase.value: f"ends ({end}) before it starts ({start})"})
        if spans and start <= spans[-1][2]:
            raise ValidationError(
                {phase.value: f"starts ({start}) before {spans[-1][0].label} ends ({spans[-1][2]})"}
            )
        spans.append((phase, start, end))
    CampaignPhase.objects.filter(campaign=campaign).delete()
    CampaignPhase.objects.bulk_create(
        [CampaignPhase(campaign=campaign, phase=p, start=s, end=e) for p, s, e in spans]
    )
    _touch(actor, campaign, "phases", via)
    for target in campaign.targets.select_related("goal"):
        _sync_goal(actor, campaign, target, via)


@transaction.atomic
def set_sku(actor, campaign: Campaign, code: str, *, price=None, stock_cap=None, via="web"):
    _editable(campaign)
    sku = Sku.objects.filter(store=campaign.store, code=code.strip()).first()
    if sku is None:
        raise ValidationError({"sku": f"{code}: no such SKU in {campaign.store.code}"})
    if price is not None and Decimal(price) < 0:
        raise ValidationError({"campaign_price": "must not be negative"})
    row, _ = CampaignSku.objects.update_or_create(
        campaign=campaign, sku=sku, defaults={"campaign_price": price, "stock_cap": stock_cap}
    )
    _touch(actor, campaign, "sku", via)
    return row


@transaction.atomic
def remove_sku(actor, campaign: Campaign, code: str, *, via="web"):
    _editable(campaign)
    CampaignSku.objects.filter(campaign=campaign, sku__code=code).delete()
    _touch(actor, campaign, "sku", via)


@transaction.atomic
def save_rule(actor, campaign: Campaign, *, kind, params, name="", stackable=True,
              rule: PromotionRule | None = None, via="web") -> PromotionRule:  # fmt: skip
    """A rule added or changed, its parameters checked (ValidationError names each bad one);
    a 秒杀 or gift names SKUs of the store."""
    _editable(campaign)
    value = rules.read(kind, params, name=name, stackable=stackable)
    named = [sku for sku, _ in value] if isinstance(value, list) else []
    if not isinstance(value, list):
        named = [*value.scope, *([value.gift_sku] if value.gift_sku else [])]
    known = set(
        Sku.objects.filter(store=campaign.store, code__in=named).values_list("code", flat=True)
    )
    missing = sorted(set(named) - known)
    if missing:
        raise ValidationError(
            {"params": [f"no such SKU in {campaign.store.code}: {', '.join(missing)}"]}
        )
    if rule is None:
        last = campaign.rules.order_by("-position").first()
        rule = PromotionRule(campaign=campaign, position=(last.position + 1) if last else 0)
    rule.kind, rule.params, rule.name, rule.stackable = kind, params, name, stackable
    rule.full_clean()
    rule.save()
    _touch(actor, campaign, "rule", via)
    return rule


@transaction.atomic
def delete_rule(actor, rule: PromotionRule, *, via="web"):
    _editable(rule.campaign)
    rule.delete()
    _touch(actor, rule.campaign, "rule", via)


@transaction.atomic
def set_budget(actor, campaign: Campaign, channel: str, amount, *, target="", cycle="", via="web"):
    row, _ = CampaignBudget.objects.update_or_create(
        campaign=campaign,
        channel=channel,
        defaults={"amount": Decimal(amount), "target": target, "cycle": cycle},
    )
    row.full_clean()
    _touch(actor, campaign, "budget", via)
    return row


@transaction.atomic
def set_target(actor, campaign: Campaign, metric: str, target, *, via="web") -> CampaignTarget:
    """A target of the campaign, kept as a goal over its main phase."""
    if metric not in TARGET_METRICS:
        raise ValidationError(
            {"metric": f"{metric}: a target is one of {', '.join(TARGET_METRICS)}"}
        )
    if queries.phase(campaign) is None:
        raise ValidationError({"metric": "set the main phase's dates first"})
    row, _ = CampaignTarget.objects.update_or_create(
        campaign=campaign, metric=metric, defaults={"target": Decimal(target)}
    )
    _sync_goal(actor, campaign, row, via)
    return row


def _sync_goal(actor, campaign: Campaign, row: CampaignTarget, via: str):
    from shopops.analytics.catalog import lookup
    from shopops.planning import goals
    from shopops.planning.models import Goal, GoalPeriod

    main = queries.phase(campaign)
    name = f"{campaign.name} · {lookup(row.metric).zh}"
    if row.goal_id is None:
        row.goal = goals.create_goal(
            actor,
            campaign.store,
            via=via,
            name=name[:200],
            metric=row.metric,
            target=row.target,
            period=GoalPeriod.CUSTOM,
            start=main.start,
            end=main.end,
            owner=campaign.owner,
            department="活动部",
            calculation_note=f"活动目标 (campaign #{campaign.pk})",
        )
        row.save(update_fields=["goal"])
        return
    goal = Goal.objects.get(pk=row.goal_id)
    before = audit.snapshot(goal, goals.GOAL_FIELDS)
    goal.name, goal.target, goal.start, goal.end = name[:200], row.target, main.start, main.end
    goal.full_clean()
    goal.save()
    goals.decompose(goal)
    audit.record(actor, goal, "update", before, audit.snapshot(goal, goals.GOAL_FIELDS),
                 store=campaign.store, via=via)  # fmt: skip


@transaction.atomic
def launch(actor, campaign: Campaign, *, accept: bool = False, via="web") -> Campaign:
    """Launch after the margin guard: refused (LaunchRefused, nothing written) while a SKU is
    under the floor, unless `accept`; the accepted exceptions are kept and audited."""
    campaign = locks.campaign(campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError({"status": f"the campaign is {campaign.get_status_display()}"})
    if queries.phase(campaign) is None:
        raise ValidationError({"phases": "the main phase (正式) needs its dates"})
    bad = margin.violations(margin.guard(campaign))
    unknown = [r for r in bad if r.worst_price is None]
    if unknown or (bad and not accept):
        raise LaunchRefused(unknown or bad)
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.status = CampaignStatus.LAUNCHED
    campaign.launched_at, campaign.launched_by = timezone.now(), actor
    campaign.accepted_exceptions = [
        {"sku": r.sku, "worst_price": str(r.worst_price), "margin_rate": str(r.margin_rate),
         "floor": str(r.floor)}
        for r in bad
    ]  # fmt: skip
    campaign.save()
    after = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    if bad:
        after["accepted_exceptions"] = campaign.accepted_exceptions
    audit.record(actor, campaign, "launch", before, after, store=campaign.store, via=via)
    return campaign


@transaction.atomic
def reopen(actor, campaign: Campaign, *, via="web") -> Campaign:
    """Back to draft (to change its rules); launching again runs the guard again."""
    campaign = locks.campaign(campaign.pk)
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.status = CampaignStatus.DRAFT
    campaign.accepted_exceptions = []
    campaign.save()
    audit.record(actor, campaign, "reopen", before, audit.snapshot(campaign, CAMPAIGN_FIELDS),
                 store=campaign.store, via=via)  # fmt: skip
    return campaign


SLOT_FIELDS = ["offsite", "channel", "form", "partner", "followers", "publish_on", "fee",
               "target_visitors", "actual_visitors", "owner", "note"]  # fmt: skip


@transaction.atomic
def save_slot(actor, campaign: Campaign, slot=None, *, via="web", **fields):
    """A line of the 站外推广排期表 (or an on-site content item), added or changed; audited."""
    from shopops.campaigns.models import PromotionSlot

    unknown = set(fields) - set(SLOT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "not a field of a promotion slot"})
    before = audit.snapshot(slot, SLOT_FIELDS) if slot else None
    slot = slot or PromotionSlot(campaign=campaign)
    for k, v in fields.items():
        setattr(slot, k, v)
    slot.full_clean()
    slot.save()
    audit.record(actor, slot, "update" if before else "create", before,
                 audit.snapshot(slot, SLOT_FIELDS), store=campaign.store, via=via)  # fmt: skip
    return slot


@transaction.atomic
def link_task(actor, campaign: Campaign, task, *, linked: bool = True, via="web"):
    """A task of the store tied to (or untied from) the campaign; audited on the campaign."""
    if task.store_id != campaign.store_id:
        raise ValidationError({"task": "a task of another store"})
    if linked:
        campaign.tasks.add(task)
    else:
        campaign.tasks.remove(task)
    _touch(actor, campaign, "task", via)


@transaction.atomic
def new_task(actor, campaign: Campaign, *, name: str, start, due, owner=None, via="web"):
    """A task of the plans made from the campaign and linked to it (its GMV goal, if any)."""
    from shopops.planning import work

    goal = next((t.goal for t in campaign.targets.select_related("goal") if t.metric == "gmv"),
                None)  # fmt: skip
    task = work.create_task(actor, campaign.store, name=name, start=start, due=due, owner=owner,
                            goal=goal, departments="活动部", via=via)  # fmt: skip
    campaign.tasks.add(task)
    _touch(actor, campaign, "task", via)
    return task
