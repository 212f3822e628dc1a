"""/api/v1/campaigns (活动推广): campaigns, their SKUs, rules, budgets and targets, the margin
guard, launch, the calculator and the retrospective. Reads for every role that sees
campaigns; writes for those who may change them, through the services the pages use. Costs
and margins only for roles that may see costs (the guard's pass/fail for the others)."""

from datetime import date
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.errors import HttpError

from shopops.campaigns import margin, queries, retro, retro_export, services
from shopops.campaigns.models import Campaign, CampaignKind
from shopops.core.access import can_see_costs, get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
from shopops.planning.work import today_of

router = Router(tags=["campaigns"], auth=ModuleAuth("campaigns"))


class PhaseIn(Schema):
    start: date
    end: date


class CampaignIn(Schema):
    name: str
    kind: str = CampaignKind.STORE
    rules_note: str = ""
    uplift: Decimal = Decimal(3)
    roi_floor: Decimal = Decimal(2)
    phases: dict[str, PhaseIn]


class SkuIn(Schema):
    sku: str
    campaign_price: Decimal | None = None
    stock_cap: int | None = None


class RuleIn(Schema):
    kind: str
    name: str = ""
    stackable: bool = True
    params: dict


class BudgetIn(Schema):
    channel: str
    amount: Decimal
    target: str = ""
    cycle: str = ""


class TargetIn(Schema):
    metric: str
    target: Decimal


class LaunchIn(Schema):
    accept: bool = False


class CartLineIn(Schema):
    sku: str
    quantity: int = 1


class CartIn(Schema):
    lines: list[CartLineIn]
    day: date | None = None


def _campaign(request, store: str, campaign_id: int) -> Campaign:
    target = get_scoped_or_404(Store, request.auth, code=store)
    found = queries.campaigns_of(target).filter(pk=campaign_id).first()
    if found is None:
        raise HttpError(404, f"No campaign {campaign_id} in {target.code}")
    return found


def _detail(campaign: Campaign, viewer) -> dict:
    today = today_of(campaign.store)
    (row,) = [r for r in queries.rows(campaign.store, today) if r["campaign"].pk == campaign.pk]
    return {
        **queries.row_dict(row),
        "rules_note": campaign.rules_note,
        "accepted_exceptions": campaign.accepted_exceptions,
        "skus": [
            {"sku": s.sku.code, "campaign_price": _text(s.campaign_price), "stock_cap": s.stock_cap}
            for s in campaign.skus.select_related("sku")
        ],
        "rules": [
            {"id": r.pk, "kind": r.kind, "name": r.name, "stackable": r.stackable,
             "params": r.params, "terms": queries.terms(r)}
            for r in campaign.rules.all()
        ],
        "budgets": [
            {"channel": b.channel, "amount": str(b.amount), "target": b.target, "cycle": b.cycle}
            for b in campaign.budgets.all()
        ],
        "progress": [
            {"metric": p.metric, "target": str(p.target), "actual": _text(p.actual),
             "achievement": _text(p.achievement)}
            for p in queries.progress(campaign, viewer=viewer)
        ],
        "checks": [{"id": c.pk, "text": c.text, "done": c.done} for c in campaign.checks.all()],
    }  # fmt: skip


def _text(value) -> str | None:
    return None if value is None else str(value)


@router.get("", response=responses({200: list[dict]}, 404), summary="A store's campaigns")
def list_campaigns(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return [queries.row_dict(r) for r in queries.rows(target, today_of(target))]


@router.post("", response=responses({201: dict}, 400, 404), summary="Plan a campaign")
def create_campaign(request, store: str, payload: CampaignIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = payload.dict()
    phases = {k: (v["start"], v["end"]) for k, v in fields.pop("phases").items()}
    campaign = services.create_campaign(request.auth, target, via="api", phases=phases, **fields)
    return Status(201, _detail(campaign, request.auth))


@router.get("/{campaign_id}", response=responses({200: dict}, 404), summary="One campaign")
def get_campaign(request, store: str, campaign_id: int):
    return _detail(_campaign(request, store, campaign_id), request.auth)


@router.post("/{campaign_id}/skus", response=responses({200: dict}, 400, 404),
             summary="Add or change a campaign SKU")  # fmt: skip
def set_sku(request, store: str, campaign_id: int, payload: SkuIn):
    campaign = _campaign(request, store, campaign_id)
    services.set_sku(request.auth, campaign, payload.sku, price=payload.campaign_price,
                     stock_cap=payload.stock_cap, via="api")  # fmt: skip
    return _detail(campaign, request.auth)


@router.post("/{campaign_id}/rules", response=responses({201: dict}, 400, 404),
             summary="Add a promotion rule")  # fmt: skip
def add_rule(request, store: str, campaign_id: int, payload: RuleIn):
    campaign = _campaign(request, store, campaign_id)
    services.save_rule(request.auth, campaign, via="api", **payload.dict())
    return Status(201, _detail(campaign, request.auth))


@router.post("/{campaign_id}/budgets", response=responses({200: dict}, 400, 404),
             summary="Set a channel's budget")  # fmt: skip
def set_budget(request, store: str, campaign_id: int, payload: BudgetIn):
    campaign = _campaign(request, store, campaign_id)
    services.set_budget(request.auth, campaign, payload.channel, payload.amount,
                        target=payload.target, cycle=payload.cycle, via="api")  # fmt: skip
    return _detail(campaign, request.auth)


@router.post("/{campaign_id}/targets", response=responses({200: dict}, 400, 404),
             summary="Set a target (a goal of the main phase)")  # fmt: skip
def set_target(request, store: str, campaign_id: int, payload: TargetIn):
    campaign = _campaign(request, store, campaign_id)
    services.set_target(request.auth, campaign, payload.metric, payload.target, via="api")
    return _detail(campaign, request.auth)


@router.get("/{campaign_id}/guard", response=responses({200: list[dict]}, 404),
            summary="The margin guard: each SKU's worst case")  # fmt: skip
def guard(request, store: str, campaign_id: int):
    campaign = _campaign(request, store, campaign_id)
    costs = can_see_costs(request.auth)
    return [{k: _text(v) if isinstance(v, Decimal) else v for k, v in r.as_dict(costs).items()}
            for r in margin.guard(campaign)]  # fmt: skip


@router.post("/{campaign_id}/launch", response=responses({200: dict, 409: dict}, 400, 404),
             summary="Launch after the margin guard (409 with the flagged SKUs)")  # fmt: skip
def launch(request, store: str, campaign_id: int, payload: LaunchIn):
    campaign = _campaign(request, store, campaign_id)
    try:
        services.launch(request.auth, campaign, accept=payload.accept, via="api")
    except services.LaunchRefused as exc:
        costs = can_see_costs(request.auth)
        return Status(409, {
            "detail": "The margin guard flags SKUs: fix their prices or launch with accept.",
            "flagged": [{k: _text(v) if isinstance(v, Decimal) else v
                         for k, v in r.as_dict(costs).items()} for r in exc.rows],
        })  # fmt: skip
    return _detail(Campaign.objects.get(pk=campaign.pk), request.auth)


@router.post("/{campaign_id}/price", response=responses({200: dict}, 400, 404),
             summary="Price a cart under the campaign (best for the buyer)")  # fmt: skip
def price(request, store: str, campaign_id: int, payload: CartIn):
    from django.core.exceptions import ValidationError

    campaign = _campaign(request, store, campaign_id)
    text = "\n".join(f"{line.sku} {line.quantity}" for line in payload.lines)
    lines, errors = queries.parse_cart(campaign.store, text)
    if errors:
        raise ValidationError({"lines": errors})
    result = queries.price_cart(campaign, lines, payload.day)
    cents = lambda n: str((Decimal(n) / 100).quantize(Decimal("0.01")))  # noqa: E731
    return {
        "total": cents(result.total), "list_total": cents(result.list_total),
        "saving": cents(result.saving), "rules": list(result.rules),
        "lines": [{"sku": pl.sku, "quantity": pl.quantity, "list_amount": cents(pl.list_amount),
                   "amount": cents(pl.amount), "flash_units": pl.flash_units, "gift": pl.gift,
                   "discounts": {k: cents(v) for k, v in pl.discounts.items()}}
                  for pl in result.lines],
    }  # fmt: skip


@router.get("/{campaign_id}/review", response=responses({200: dict}, 404, 409),
            summary="The retrospective (运营效果复盘报告)")  # fmt: skip
def review(request, store: str, campaign_id: int):
    campaign = _campaign(request, store, campaign_id)
    state = queries.state(campaign, today_of(campaign.store))
    if state not in (queries.LIVE, queries.FINISHED):
        return Status(409, {"detail": "The campaign has not started: nothing to review yet."})
    return retro_export.as_json(retro.build(campaign, viewer=request.auth))
