"""The daily operations log (每日运营日志) and the exception log (异常处理记录): entries
written, changed and found by full-text search, through the database's own index (FTS5 on
SQLite, a GIN-indexed tsvector on PostgreSQL; migration planning/0005), never a LIKE scan.

Chinese has no spaces, so the text is indexed as overlapping two-character pieces (客户投诉
→ 客户 户投 投诉) and other words as they are; a query is cut the same way and searched as
a phrase, so any run of two or more characters matches where it stands in the text, and a
single character matches as a prefix."""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from shopops.core import audit
from shopops.planning.models import LogEntry, LogKind

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+", re.UNICODE)
FIELDS = ("kind", "at", "category", "text", "handling", "orders", "skus", "alert_id", "task")
AUDITED = ["kind", "at", "category", "text", "handling", "orders", "skus", "alert_id"]


def pieces(text: str) -> list[str]:
    """The index's tokens of a text."""
    out = []
    for run in WORD.findall(text or ""):
        if CJK.fullmatch(run):
            out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            out.append(run.lower())
    return out


def search_text(entry: LogEntry) -> str:
    return " ".join(pieces(" ".join([entry.category, entry.text, entry.handling, entry.orders,
                                     entry.skus])))  # fmt: skip


def _clean(entry: LogEntry) -> None:
    errors = {}
    if entry.kind not in LogKind.values:
        errors["kind"] = f"One of {', '.join(LogKind.values)}."
    if not (entry.text or "").strip():
        errors["text"] = "Write what happened."
    if not isinstance(entry.at, datetime):
        errors["at"] = "A time."
    for name in ("category", "orders", "skus"):
        limit = LogEntry._meta.get_field(name).max_length
        if len(getattr(entry, name) or "") > limit:
            errors[name] = f"At most {limit} characters."
    if entry.task_id and entry.task.store_id != entry.store_id:
        errors["task"] = "A task of this store."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def write(actor, store, *, entry: LogEntry | None = None, via="web", **fields) -> LogEntry:
    """A new entry (entry None) or a change of one; audited."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Not a field of a log entry."})
    before = audit.snapshot(entry, AUDITED) if entry else None
    if entry is None:
        entry = LogEntry(store=store, author=audit.acting_user(actor), at=timezone.now())
    for name, value in fields.items():
        setattr(entry, name, value)
    _clean(entry)
    entry.search_text = search_text(entry)
    entry.save()
    audit.record(actor, entry, "update" if before else "create", before,
                 audit.snapshot(entry, AUDITED), via=via)  # fmt: skip
    return entry


def _match(query: str) -> tuple[str, list]:
    """The index's WHERE for the query: (SQL giving matching ids, params)."""
    tokens = pieces(query)
    if connection.vendor == "postgresql":
        if len(tokens) == 1 and len(tokens[0]) == 1:
            return (
                "SELECT id FROM planning_logentry WHERE to_tsvector('simple', search_text) "
                "@@ to_tsquery('simple', %s)",
                [tokens[0] + ":*"],
            )
        return (
            "SELECT id FROM planning_logentry WHERE to_tsvector('simple', search_text) "
            "@@ phraseto_tsquery('simple', %s)",
            [" ".join(tokens)],
        )
    quoted = " ".join(t.replace('"', '""') for t in tokens)
    phrase = f'"{quoted}"' + ("*" if len(tokens) == 1 and len(tokens[0]) == 1 else "")
    return "SELECT rowid FROM planning_logentry_fts WHERE planning_logentry_fts MATCH %s", [phrase]


def entries(store, *, kind: str = "", query: str = "", start=None, end=None):
    """The store's entries, newest first; `query` by the full-text index."""
    rows = LogEntry.objects.filter(store=store).select_related("author", "task")
    if kind:
        rows = rows.filter(kind=kind)
    if start:
        rows = rows.filter(at__gte=start)
    if end:
        rows = rows.filter(at__lt=end)
    if query and pieces(query):
        sql, params = _match(query)
        # The SQL is constant; the query is a bound parameter.
        rows = rows.filter(pk__in=RawSQL(sql, params))  # noqa: S611
    return rows
