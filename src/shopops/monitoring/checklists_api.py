"""/api/v1/checklists: today's list of a checklist template with the data-backed items
checked and their evidence (monitoring.checklists), and a person's tick of an item."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from shopops.core.access import get_scoped_or_404, granted_stores
from shopops.core.api_auth import ModuleAuth
from shopops.core.models import Store
from shopops.core.schemas import responses
from shopops.monitoring import checklists
from shopops.planning import work
from shopops.planning.models import ChecklistItem

router = Router(tags=["checklists"], auth=ModuleAuth("plans"))


class ItemOut(Schema):
    id: int
    text: str
    auto: str
    done: bool
    note: str
    by: str | None
    evidence: dict


class ChecklistOut(Schema):
    id: int
    template: str
    day: str
    items: list[ItemOut]


class TickIn(Schema):
    done: bool = True
    note: str = ""


def _item(i: ChecklistItem) -> dict:
    return {"id": i.pk, "text": i.text, "auto": i.auto, "done": i.done, "note": i.note,
            "by": i.done_by.username if i.done_by_id else None, "evidence": i.evidence}  # fmt: skip


@router.get("", response=responses({200: ChecklistOut}, 404),
            summary="Today's checklist (the daily check, or the template named)")  # fmt: skip
def today(request, store: str, template: int | None = None):
    from ninja.errors import HttpError

    target = get_scoped_or_404(Store, request.auth, code=store)
    choices = list(checklists.templates_of(target))
    chosen = (
        next((t for t in choices if t.pk == template), None)
        if template
        else next((t for t in choices if t.key == "daily"), None)
    )
    if chosen is None:
        raise HttpError(404, "Not found")
    made = checklists.list_for(target, chosen, work.today_of(target))
    checklists.run_checks(made)
    return {"id": made.pk, "template": chosen.name, "day": made.day.isoformat(),
            "items": [_item(i) for i in made.items.select_related("done_by")]}  # fmt: skip


@router.post("/items/{int:item_id}", response=responses({200: ItemOut}, 400, 404),
             summary="Tick (or untick) an item, with a note")  # fmt: skip
def tick(request, item_id: int, payload: TickIn):
    mine = ChecklistItem.objects.filter(checklist__store__in=granted_stores(request.auth))
    item = get_object_or_404(mine.select_related("checklist__store"), pk=item_id)
    return _item(checklists.tick(request.auth, item, payload.done, payload.note, via="api"))
