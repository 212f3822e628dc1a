"""A question compiled before runs its kept SQL (`analytics.compiled`): the same numbers as
the reference for the whole catalog, on the live database and on the lake; a kept entry
whose relations changed, or whose SQL fails, is compiled anew; a new process asking it
again never imports Ibis."""

import os
import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.cache import caches

from shopops.analytics import compiled, expressions, lake
from shopops.analytics.queries import metrics
from shopops.analytics.request import DIMENSIONS
from shopops.analytics.tests.conftest import make_demo_store
from shopops.analytics.tests.test_order_metrics import whole_catalog
from shopops.core import installed

pytestmark = pytest.mark.django_db(transaction=True)

SPAN = (date(2025, 10, 1), date(2025, 11, 30))
OTHER_SPAN = (date(2025, 10, 9), date(2025, 11, 17))
CASES = [
    *({"grain": g} for g in ("day", "month", "none")),
    *({"grain": "none", "dims": [d]} for d in DIMENSIONS),
    {"grain": "month", "dims": ["category", "province"], "filters": {"channel": ["天猫"]}},
    {"grain": "week", "compare": "prev"},
]


@pytest.fixture
def compiles(monkeypatch):
    """How many aggregates Ibis built (a kept SQL builds none)."""
    count = []
    for family, build in list(expressions.BUILDERS.items()):

        def counted(*args, _build=build, _family=family):
            count.append(_family)
            return _build(*args)

        monkeypatch.setitem(expressions.BUILDERS, family, counted)
    return count


@pytest.mark.parametrize("on_lake", [False, True], ids=["live database", "lake"])
def test_kept_sql_gives_the_reference_numbers_for_the_whole_catalog(on_lake, lake_dir, compiles):
    store = make_demo_store(seed=7, target_orders=1500)
    if on_lake:
        lake.export(lake_dir)
    keys = whole_catalog()
    for case in CASES:
        case = dict(case)
        grain = case.pop("grain")
        reference = metrics(keys, store, *SPAN, grain, "reference", use_cache=False, **case)
        assert reference, case
        compiles.clear()
        first = metrics(keys, store, *SPAN, grain, "duckdb", use_cache=False, **case)
        assert compiles, case  # compiled by Ibis, then kept
        compiles.clear()
        again = metrics(keys, store, *SPAN, grain, "duckdb", use_cache=False, **case)
        assert compiles == [], case  # every aggregate from its kept SQL
        assert first == reference and again == reference, (grain, case)
        # Another period of the same question: the SQL kept for any period, filled in.
        other = metrics(keys, store, *OTHER_SPAN, grain, "duckdb", use_cache=False, **case)
        assert compiles == [], case
        assert other == metrics(
            keys, store, *OTHER_SPAN, grain, "reference", use_cache=False, **case
        ), (grain, case)


@pytest.fixture
def kept_keys(monkeypatch):
    """The keys the engine kept SQL under, in order."""
    seen = []
    real = compiled.remember

    def remember(*args, **kwargs):
        kept = real(*args, **kwargs)
        seen.append(kept)
        return kept

    monkeypatch.setattr(compiled, "remember", remember)
    return seen


def _other_types(entry: dict) -> None:
    """Kept against other column types (compiled over an older lake, say): never run."""
    entry["schema"] = [[name, ["x", "INTEGER"]] for name, *_ in entry["schema"]]
    entry["sql"] = "SELECT 1/0"


def _failing_sql(entry: dict) -> None:
    """Its relations match, but its SQL names a column no longer there."""
    entry["sql"] = "SELECT gone FROM " + entry["relations"][0]  # noqa: S608


@pytest.mark.parametrize("spoil", [_other_types, _failing_sql], ids=["types", "failing"])
def test_a_stale_entry_is_compiled_anew(compiles, kept_keys, spoil):
    store = make_demo_store(seed=3, target_orders=300)
    numbers = metrics(["gmv", "units"], store, *SPAN, "month", use_cache=False)
    # Each built three times: for its period and for the two of the proof (`compiled`).
    assert sorted(set(compiles)) == ["lines", "orders"] and len(kept_keys) == 2
    for key in kept_keys:
        entry = caches["compiled"].get(key)
        spoil(entry)
        caches["compiled"].set(key, entry)
    compiles.clear()
    assert metrics(["gmv", "units"], store, *SPAN, "month", use_cache=False) == numbers
    assert sorted(set(compiles)) == ["lines", "orders"]
    compiles.clear()
    assert metrics(["gmv", "units"], store, *SPAN, "month", use_cache=False) == numbers
    assert compiles == []  # the new compilation replaced the stale entry


def test_a_period_the_proof_fails_for_keeps_its_own_entry_and_drops_the_shared_one(
    compiles, kept_keys, monkeypatch
):
    store = make_demo_store(seed=3, target_orders=300)
    third = (date(2025, 10, 20), date(2025, 11, 2))
    failing = {OTHER_SPAN[0], third[0]}
    real = compiled._any_period
    monkeypatch.setattr(
        compiled,
        "_any_period",
        lambda sql, request, c: None if request.start in failing else real(sql, request, c),
    )

    def ask(span, engine="duckdb"):
        return metrics(["gmv", "units"], store, *span, "month", engine, use_cache=False)

    ask(OTHER_SPAN)  # kept for its own period only
    ask(SPAN)  # kept for any period
    shared = kept_keys[-1]
    assert caches["compiled"].get(shared) is not None
    compiles.clear()
    assert ask(OTHER_SPAN) == ask(OTHER_SPAN, "reference")
    assert compiles == []  # its own entry, found first
    # A period the proof fails for, compiled while an entry for any period is kept (one
    # whose relations no longer match, say): that entry goes.
    for key in kept_keys[-2:]:
        entry = caches["compiled"].get(key)
        entry["schema"] = []
        caches["compiled"].set(key, entry)
    assert ask(third) == ask(third, "reference")
    assert caches["compiled"].get(shared) is None


def test_a_new_process_asking_again_does_not_import_ibis(tmp_path):
    env = {
        **os.environ,
        "SHOPOPS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    def cli(*args, timing=False):
        command = [sys.executable, *(["-X", "importtime"] if timing else []), "-m", "shopops.cli"]
        out = subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=300, env=env
        )
        assert out.returncode == 0, out.stderr
        return out

    cli("store", "add", "t", "--name", "T", "--platform", "tmall")
    question = ("metrics", "gmv", "units", "--store", "t", "--from", "2025-10-01")
    question += ("--to", "2025-11-30", "--by", "month", "--format", "json")
    first = cli(*question, timing=True)
    again = cli(*question, timing=True)
    assert "| ibis" in first.stderr
    # Compiling imports Ibis's DuckDB compiler alone: no pyarrow, no other compiler.
    imported = {line.rsplit("|", 1)[-1].strip() for line in first.stderr.splitlines()}
    assert "pyarrow" not in imported and "numpy" not in imported
    assert "ibis.backends.sql.compilers.duckdb" in imported
    assert "ibis.backends.sql.compilers.trino" not in imported
    assert "| ibis" not in again.stderr
    assert again.stdout == first.stdout and '"period": "2025-11"' in first.stdout
    # Another period of the same question: no compiling either.
    other = list(question)
    other[other.index("2025-10-01")] = "2025-09-01"
    later = cli(*other, timing=True)
    assert "| ibis" not in later.stderr
    assert '"period": "2025-09"' in later.stdout


def test_sql_kept_for_any_period_only_when_proven(monkeypatch):
    """A date literal the proof does not find (here: a third one, derived from the
    period) keeps the SQL for its own period only."""
    request = SimpleNamespace(start=date(2025, 10, 1), end=date(2025, 10, 31))

    def compile_for(r):
        return (
            f"SELECT {compiled._date_sql(r.start)}, {compiled._date_sql(r.end)},"
            f" {compiled._date_sql(date(r.start.year, 1, 1))}"
        )

    monkeypatch.setattr(compiled.dataclasses, "replace", lambda r, **k: SimpleNamespace(**k))
    derived = compile_for(request)
    assert compiled._any_period(derived, request, compile_for) is None

    def bounds_only(r):
        return f"SELECT {compiled._date_sql(r.start)} AS a, {compiled._date_sql(r.end)} AS b"

    marked = compiled._any_period(bounds_only(request), request, bounds_only)
    assert marked is not None and compiled.MARKS[0] in marked
    other = SimpleNamespace(start=date(2024, 2, 29), end=date(2024, 3, 1))
    assert compiled._filled(marked, other) == bounds_only(other)


def test_the_fingerprint_changes_with_each_library_wherever_it_is_installed(tmp_path, monkeypatch):
    # Each library in a folder of its own, as when one comes from the system's packages.
    found = {}
    for dist, module, version in (
        ("duckdb", "duckdb", "1.0.0"),
        ("ibis_framework", "ibis", "10.0.0"),
        ("sqlglot", "sqlglot", "26.0.0"),
    ):
        site = tmp_path / dist
        (site / module).mkdir(parents=True)
        (site / module / "__init__.py").write_text("")
        (site / f"{dist}-{version}.dist-info").mkdir()
        found[module] = SimpleNamespace(origin=str(site / module / "__init__.py"))
    monkeypatch.setattr(installed.importlib.util, "find_spec", found.get)
    compiled.fingerprint.cache_clear()
    first = compiled.fingerprint()
    (tmp_path / "sqlglot" / "sqlglot-26.0.0.dist-info").rename(
        tmp_path / "sqlglot" / "sqlglot-27.0.0.dist-info"
    )
    compiled.fingerprint.cache_clear()
    assert compiled.fingerprint() != first
    monkeypatch.undo()
    compiled.fingerprint.cache_clear()
