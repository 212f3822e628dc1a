"""The SQL Ibis compiles for an aggregate, kept across processes.

Importing Ibis and its DuckDB compiler costs a new process about 0.3 s (`ibis_duckdb`), more
than the aggregates of a year on the lake; compiling is 5–20 ms. A compiled aggregate depends on
the request's shape (stores, period, grain, dimensions, filters, cutoff, whether money is
converted), the base metrics, the names and column types of the source relations it reads,
and the code and libraries that build it, but never on the data: the relations are named
in it (`src_orders`, …), their rows are made by the sources for each call. So it is kept
in the `compiled` cache (files in var/, or Redis) under all of these, and a process asking
a question asked before, after any new facts, runs DuckDB alone.

A kept entry is used only when the relations it names, made for this request, have the
columns and types it was compiled against; anything else compiles anew.

Most aggregates name their period only by its first and last day, as two date literals
(the rows of the period are the relations'). Such an aggregate is kept once for every
period: its SQL with the two literals as marks, filled with each request's days. Whether
it is such an aggregate is proven, not assumed: it is compiled for two other periods too,
and kept so only when both give the same SQL with marks, and that SQL filled with the
request's own days is exactly the SQL Ibis compiled for it. Anything else (a literal
derived from the dates, a shape that depends on them) is kept for its own period only.
"""

import dataclasses
import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.core.cache import caches

from shopops.core.installed import dist_infos

TIMEOUT = 30 * 24 * 3600
PREFIX = "sql:v2:"
# The modules whose code shapes the compiled SQL (the expressions, the relations' names and
# columns, the request's fields), and the libraries that compile it.
SHAPING = (
    "compiled",
    "expressions",
    "families",
    "ibis_duckdb",
    "lake_read",
    "request",
    "sources",
)
# Their distributions' names (as in their dist-info folders), with the module each installs.
LIBRARIES = {"duckdb": "duckdb", "ibis_framework": "ibis", "sqlglot": "sqlglot"}


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Of this code and these library versions (their dist-info names carry the version):
    a changed module or an upgrade compiles everything anew."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in SHAPING:
        digest.update((here / f"{name}.py").read_bytes())
    for entry in dist_infos(LIBRARIES):
        digest.update(entry.encode())
    return digest.hexdigest()[:16]


def key(src, family: str, request, base, *, any_period: bool = False) -> str:
    """`any_period`: the key of the entry kept for every period of this shape."""
    question = request.question
    if any_period:
        question = ("any period", *question[2:])  # without (start, end)
    parts = (
        fingerprint(),
        type(src).__name__,
        family,
        sorted(base),
        request.store_ids,
        question,
        request.conversion is not None,  # the factors are rows of src_rates, not SQL
    )
    return PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


# Periods compiled beside a request's own to prove its SQL names only the two bounds: of
# different lengths, one before any real data and one after, so that a bound clamped to a
# fixed day on either side would show as a literal the probes do not share.
PROBES = ((date(1901, 2, 3), date(1902, 4, 5)), (date(2101, 6, 7), date(2101, 6, 8)))
MARKS = ("{shopops:period_start}", "{shopops:period_end}")


def _date_sql(day: date) -> str:
    """A date literal as Ibis compiles it for DuckDB (a change of form is caught by the
    proof in `_any_period`: nothing would be kept for every period)."""
    return f"MAKE_DATE({day.year}, {day.month}, {day.day})"


def _marked(sql: str, start: date, end: date) -> str:
    return sql.replace(_date_sql(start), MARKS[0]).replace(_date_sql(end), MARKS[1])


def _filled(sql: str, request) -> str:
    return sql.replace(MARKS[0], _date_sql(request.start)).replace(MARKS[1], _date_sql(request.end))


def _any_period(sql: str, request, compile_for) -> str | None:
    """`sql` with marks for its period's bounds, if proven to hold for any period."""
    if any(mark in sql for mark in MARKS):
        return None
    marked = [
        _marked(compile_for(dataclasses.replace(request, start=s, end=e)), s, e) for s, e in PROBES
    ]
    if marked[0] != marked[1] or _filled(marked[0], request) != sql:
        return None
    return marked[0]


def supported(src) -> bool:
    return hasattr(src, "prepare")  # DuckDB sources; Spark compiles in its own session


def lookup(src, family: str, request, base) -> str | None:
    """The kept SQL of this aggregate with its relations made on `src`, or None (then
    compile it and `remember`)."""
    if not supported(src):
        return None
    # Its own period's entry first: one is kept only where the proof failed for it.
    for any_period in (False, True):
        entry = caches["compiled"].get(key(src, family, request, base, any_period=any_period))
        if not entry:
            continue
        src.prepare(entry["relations"])
        if src.schema(entry["relations"]) != entry["schema"]:
            continue
        return _filled(entry["sql"], request) if any_period else entry["sql"]
    return None


def remember(src, family: str, request, base, sql: str, compile_for=None) -> str | None:
    """Keep `sql`, compiled from the relations `src.used` names now; with `compile_for`
    (this aggregate's SQL for another request), for every period when that is proven to
    hold. Returns the key it is kept under."""
    if not supported(src):
        return None
    relations = sorted(src.used)
    entry = {"relations": relations, "schema": src.schema(relations), "sql": sql}
    marked = _any_period(sql, request, compile_for) if compile_for else None
    if marked is not None:
        entry["sql"] = marked
    elif compile_for:
        # Not provable for this period: an entry for any period (from an older build, or
        # other relations) must not answer it either.
        caches["compiled"].delete(key(src, family, request, base, any_period=True))
    kept = key(src, family, request, base, any_period=marked is not None)
    caches["compiled"].set(kept, entry, TIMEOUT)
    return kept
