"""/api/v1/logs, /sops and /risks (计划与执行): the store's two logs with the full-text
search, its SOPs (the text in force and its versions) and its risk library. Reads for every
role that sees plans; writes for those who may change them, through the services the pages
use (planning.logbook, planning.sops)."""

from datetime import date, datetime

from ninja import Router, Schema, Status

from shopops.core.access import get_scoped_or_404
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.queries import store_person
from shopops.core.schemas import responses
from shopops.planning import logbook, sops
from shopops.planning.models import Risk, Sop

logs_router = Router(tags=["logs"], auth=ModuleAuth("plans"))
sops_router = Router(tags=["sops"], auth=ModuleAuth("plans"))
risks_router = Router(tags=["risks"], auth=ModuleAuth("plans"))


class LogOut(Schema):
    id: int
    kind: str
    at: str
    author: str | None
    category: str
    text: str
    handling: str
    orders: str
    skus: str
    task: int | None


class LogIn(Schema):
    kind: str = "daily"
    at: datetime | None = None
    category: str = ""
    text: str
    handling: str = ""
    orders: str = ""
    skus: str = ""


def _log(e) -> dict:
    return {"id": e.pk, "kind": e.kind, "at": e.at.isoformat(),
            "author": e.author.username if e.author_id else None, "category": e.category,
            "text": e.text, "handling": e.handling, "orders": e.orders, "skus": e.skus,
            "task": e.task_id}  # fmt: skip


@logs_router.get("", response=responses({200: list[LogOut]}, 404),
                 summary="Log entries, newest first; q searches the full text")  # fmt: skip
def list_logs(request, store: str, kind: str = "", q: str = "", limit: int = 200):
    target = get_scoped_or_404(Store, request.auth, code=store)
    rows = logbook.entries(target, kind=kind, query=q[:100])
    return [_log(e) for e in rows[: max(1, min(limit, 1000))]]


@logs_router.post("", response=responses({201: LogOut}, 400, 404), summary="Write an entry")
def write_log(request, store: str, payload: LogIn):
    from django.utils import timezone

    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = payload.dict()
    fields["at"] = fields["at"] or timezone.now()
    return Status(201, _log(logbook.write(request.auth, target, via="api", **fields)))


class SopOut(Schema):
    id: int
    title: str
    version: int
    body: str
    versions: list[dict]


def _sop(s: Sop) -> dict:
    versions = list(s.versions.all())
    return {"id": s.pk, "title": s.title, "version": versions[0].number, "body": versions[0].body,
            "versions": [{"number": v.number, "author": v.author_name, "at": v.at.isoformat(),
                          "problem": v.problem, "improvement": v.improvement,
                          "effective_from": v.effective_from.isoformat() if v.effective_from
                          else None} for v in versions]}  # fmt: skip


@sops_router.get("", response=responses({200: list[SopOut]}, 404), summary="A store's SOPs")
def list_sops(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    sops.ensure_seeded(target)
    return [_sop(s) for s in Sop.objects.filter(store=target).prefetch_related("versions")]


class RiskOut(Schema):
    id: int
    risk: str
    signal: str
    plan: str
    owner: str | None
    last_seen: str | None


class RiskIn(Schema):
    risk: str
    signal: str = ""
    plan: str = ""
    owner: str | None = None
    last_seen: date | None = None


def _risk(r: Risk) -> dict:
    return {"id": r.pk, "risk": r.risk, "signal": r.signal, "plan": r.plan,
            "owner": r.owner.username if r.owner_id else None,
            "last_seen": r.last_seen.isoformat() if r.last_seen else None}  # fmt: skip


@risks_router.get("", response=responses({200: list[RiskOut]}, 404), summary="The risk library")
def list_risks(request, store: str):
    target = get_scoped_or_404(Store, request.auth, code=store)
    return [_risk(r) for r in Risk.objects.filter(store=target).select_related("owner")]


@risks_router.post("", response=responses({201: RiskOut}, 400, 404), summary="Add a risk")
def add_risk(request, store: str, payload: RiskIn):
    target = get_scoped_or_404(Store, request.auth, code=store)
    fields = payload.dict()
    owner = store_person(target, fields.pop("owner"))
    return Status(201, _risk(sops.save_risk(request.auth, target, owner=owner, via="api",
                                            **fields)))  # fmt: skip
