"""The SQL Ibis compiles for an aggregate, kept across processes.

Importing Ibis and its DuckDB backend costs a new process about 0.3 s, more than the
aggregates of a year on the lake; compiling is 10–20 ms. A compiled aggregate depends on
the request's shape (stores, period, grain, dimensions, filters, cutoff, whether money is
converted), the base metrics, the names and column types of the source relations it reads,
and the code and libraries that build it, but never on the data: the relations are named
in it (`src_orders`, …), their rows are made by the sources for each call. So it is kept
in the `compiled` cache (files in var/, or Redis) under all of these, and a process asking
a question asked before, after any new facts, runs DuckDB alone.

A kept entry is used only when the relations it names, made for this request, have the
columns and types it was compiled against; anything else compiles anew.
"""

import hashlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from django.core.cache import caches

TIMEOUT = 30 * 24 * 3600
PREFIX = "sql:v1:"
# The modules whose code shapes the compiled SQL (the expressions, the relations' names and
# columns, the request's fields), and the libraries that compile it.
SHAPING = ("compiled", "expressions", "families", "lake_read", "request", "sources")
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
    # Each library's dist-info is looked for where the library itself is installed (without
    # importing it; importlib.metadata would cost 80 ms a process).
    sites = set()
    for module in LIBRARIES.values():
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            sites.add(Path(spec.origin).parent.parent)
    for site in sorted(sites):
        for entry in sorted(os.listdir(site)):
            if entry.endswith(".dist-info") and entry.split("-")[0].lower() in LIBRARIES:
                digest.update(entry.encode())
    return digest.hexdigest()[:16]


def key(src, family: str, request, base) -> str:
    parts = (
        fingerprint(),
        type(src).__name__,
        family,
        sorted(base),
        request.store_ids,
        request.question,
        request.conversion is not None,  # the factors are rows of src_rates, not SQL
    )
    return PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def supported(src) -> bool:
    return hasattr(src, "prepare")  # DuckDB sources; Spark compiles in its own session


def lookup(src, family: str, request, base) -> str | None:
    """The kept SQL of this aggregate with its relations made on `src`, or None (then
    compile it and `remember`)."""
    if not supported(src):
        return None
    entry = caches["compiled"].get(key(src, family, request, base))
    if not entry:
        return None
    src.prepare(entry["relations"])
    if src.schema(entry["relations"]) != entry["schema"]:
        return None
    return entry["sql"]


def remember(src, family: str, request, base, sql: str) -> None:
    """Keep `sql`, compiled from the relations `src.used` names now."""
    if not supported(src):
        return
    relations = sorted(src.used)
    entry = {"relations": relations, "schema": src.schema(relations), "sql": sql}
    caches["compiled"].set(key(src, family, request, base), entry, TIMEOUT)
