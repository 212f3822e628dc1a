"""An import's memory is bounded: the file's keys past `keyspill.LIMIT` wait on disk, and the
run's caches drop their older half past `bulk.CACHE_LIMIT`. Nothing an import stores or
reports may change because of it: each file here is imported with the limits at 2 (so that
nearly every key is looked up on disk and every cache is trimmed after each batch) and with
the defaults, on both paths, and everything is compared."""

import pytest

from shopops.core import services
from shopops.ingest import bulk, columnar, keyspill, pipeline
from shopops.ingest.keyspill import KeyLedger
from shopops.ingest.tests.test_columnar import (
    ORDER_ROWS,
    lines_text,
    orders_text,
    outcome,
    snapshot,
)

pytestmark = pytest.mark.postgres


def test_ledger_spills_and_finds_every_key():
    with KeyLedger(limit=3) as ledger:
        ledger.put_many({"a": 1, "b": 2})
        ledger.settle()
        assert not ledger.spilled
        ledger.put_many([("c", 3), ("d", 4)])
        ledger["e"] = 5
        assert not ledger.spilled  # only between blocks
        ledger.settle()
        assert ledger.spilled and not ledger.memory
        ledger["a"] = 10  # newer than the disk's value
        assert ledger.get_many(["a", "b", "e", "x"]) == {"a": 10, "b": 2, "e": 5}
        assert ledger["c"] == 3 and "d" in ledger and "x" not in ledger
        assert ledger.get("x", 0) == 0
        ledger.settle()  # under the limit again: stays in memory
        assert ledger.memory == {"a": 10}
        ledger.put_many({"f": 6, "g": 7, "h": 8})
        ledger.settle()
        assert ledger.get_many("abcdefgh") == dict(
            zip("abcdefgh", [10, 2, 3, 4, 5, 6, 7, 8], strict=True)
        )
        with pytest.raises(KeyError):
            ledger["zz"]
    assert not ledger.spilled  # closed: the scratch file is gone


def test_ledger_tuple_keys():
    with KeyLedger(limit=0) as ledger:
        ledger.put_many({("A1", 1): 2, ("A1", 2): 3})
        ledger.settle()
        assert ledger.get_many([("A1", 1), ("A1", 3)]) == {("A1", 1): 2}


@pytest.fixture
def tiny(monkeypatch):
    def set_limits(on: bool):
        monkeypatch.setattr(keyspill, "LIMIT", 2 if on else 500_000)
        monkeypatch.setattr(bulk, "CACHE_LIMIT", 2 if on else 200_000)

    return set_limits


def _steps(write, tmp_path):
    from shopops.devtools.bench_import import generate

    orders, lines, _ = generate(tmp_path, 3000, seed=11)
    bad = write("bad.csv", orders_text(ORDER_ROWS))
    repeated = write(
        "rep.csv",
        lines_text(
            [f"B{i % 7},S{i % 3},1,1.00,,,," for i in range(40)] + ["B1,S1,x,1,,,,"],
        ),
    )
    few = write(
        "few.csv",
        orders_text(
            [f"B{i},9.00,2024-06-18 10:00:00,2024-06-18 10:01:00,c{i % 2},,," for i in range(7)]
        ),
    )
    return [
        ("orders", orders, {}),
        ("order_lines", lines, {}),
        ("orders", orders, {}),  # again: every row unchanged
        ("order_lines", lines, {}),
        ("orders", bad, {"skip_invalid": True}),  # a duplicate and bad rows
        ("orders", bad, {}),
        ("orders", few, {}),
        ("order_lines", repeated, {"skip_invalid": True}),  # one order's lines far apart
    ]


@pytest.mark.parametrize("path", ["columnar", "general"])
@pytest.mark.parametrize("size", [3, 2000])
def test_import_with_keys_on_disk_stores_and_reports_the_same(
    db, write, tmp_path, tiny, monkeypatch, path, size
):
    monkeypatch.setattr(pipeline, "BATCH", size)
    if size == 3:  # the column-wise reader's blocks too: a few dozen lines each
        monkeypatch.setattr(columnar, "BLOCK_BYTES", 2048)
    if path == "general":
        monkeypatch.setattr(columnar, "applies", lambda *a: False)
    steps = _steps(write, tmp_path)
    results = {}
    for n, bounded in enumerate((True, False)):
        tiny(bounded)
        store = services.create_store(None, code=f"m{n}", name=f"M{n}", platform="tmall")
        got = [outcome(store, kind, p, **o) for kind, p, o in steps]
        results[bounded] = (got, snapshot(store))
    assert results[True] == results[False]
    got = results[True][0]
    assert got[2]["unchanged"] == got[0]["inserted"] > 900
    assert got[5]["failed"][0].endswith("duplicate of line 2 (A1)") or got[5]["failed"]
    assert any("duplicate of line 2" in r[2] for r in got[4]["rejects"])
