"""The Parquet lake: the DuckDB engine's columnar replica and the Spark engine's input
(`./shopops lake export`, and the worker after every change).

Each fact table is written under DIR/<table>/store_id=<id>/month=<YYYY-MM>/, with the local
day (and the buyer identity) already computed in the store's zone (`lake_rows.py`), so the
catalog's expressions run unchanged on Spark. DIR/_state.json lists every partition's
files and fingerprint (row count and a sum of row hashes).

Two ways to bring it up to date:
- full (`lake export`, or when the state is missing, of another format or database, or a
  store's zone changed): every partition is fingerprinted over the live rows, only the
  changed ones are rewritten, the ones that lost their rows are removed;
- incremental (the worker's default): only the months of the days the writers marked
  (`analytics.models.DirtyDay`, written by `facts_changed` in the writer's transaction)
  are read and rewritten. The marks read before the rows are deleted after the state is
  written, so a write committed meanwhile stays marked, and readers serve its days live.

New files are written beside the old ones and the state names the files to read, so a
reader never sees a partition half written; old files are deleted after the new state is
in place (a reader still holding the old state retries once, `engines.duckdb_base`).
"""

import fcntl
import json
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from shopops.analytics.duckdb_engine import connect, sql_literal
from shopops.analytics.lake_read import (
    FORMAT,
    STATE,
    database_key,
    default_dir,
    partition_dir,
    read_state,
    same_store,
    store_stamp,
)
from shopops.analytics.lake_rows import live_rows, month_runs


@contextmanager
def _exclusive(lake: Path):
    """One export at a time per lake (worker, CLI and tasks may all start one)."""
    with open(lake / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _dirty_marks(store_ids) -> list[tuple[int, int, object]]:
    from shopops.analytics.models import DirtyDay

    return list(
        DirtyDay.objects.filter(store_id__in=store_ids).values_list("id", "store_id", "day")
    )


def _scopes(stores, state: dict, marks, full: bool) -> dict:
    """{store_id: None (every month) | set of months} of what to export; stores left out
    are current. Everything when the state cannot be trusted or `full` is asked."""
    usable = not full and state.get("format") == FORMAT and state.get("database") == database_key()
    known = state.get("stores", {}) if usable else {}
    out: dict = {}
    for store in stores:
        if not same_store(known.get(str(store.pk)), store):
            out[store.pk] = None
    for _id, store_id, day in marks:
        if store_id not in out or out[store_id] is not None:
            if day is None:
                out[store_id] = None
            else:
                out.setdefault(store_id, set()).add(f"{day:%Y-%m}")
    return out


def pending(lake: Path | None = None) -> dict:
    """What an incremental export would read: {store_id: None | months}; empty when the
    lake is current."""
    from shopops.core.models import Store

    stores = list(Store.objects.all())
    state = read_state(Path(lake or default_dir()))
    return _scopes(stores, state, _dirty_marks([s.pk for s in stores]), full=False)


def export(lake: Path | None = None, progress=None, full: bool = True) -> dict:
    """Bring the lake up to date with the live database; returns what was written.
    `full=False` reads only the months the writers marked (see the module's docstring)."""
    from shopops.analytics.cache import versions
    from shopops.analytics.models import DirtyDay
    from shopops.core.models import Store

    lake = Path(lake or default_dir())
    lake.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with _exclusive(lake):
        stores = list(Store.objects.all())
        # Marks and versions before the rows: a write committed meanwhile stays marked.
        marks = _dirty_marks([s.pk for s in stores])
        stamp = versions([s.pk for s in stores])
        state = read_state(lake)
        scopes = _scopes(stores, state, marks, full)
        if state.get("format") != FORMAT or state.get("database") != database_key():
            state = {}
        summary = {"tables": {}, "rows": 0, "stores": len(scopes)}
        partitions = {t: dict(v) for t, v in state.get("partitions", {}).items()}
        files = {t: dict(v) for t, v in state.get("files", {}).items()}
        stale_files: list[Path] = []
        alive = {str(s.pk) for s in stores}
        for table, keys in partitions.items():  # the partitions of deleted stores go
            for key in [k for k in keys if k.split("/")[0] not in alive]:
                keys.pop(key)
                folder = partition_dir(lake, table, *key.split("/"))
                stale_files += [folder / n for n in files.get(table, {}).pop(key, [])]
        if scopes:
            stale_files += _write(lake, stores, scopes, partitions, files, summary, progress)
        new_state = {
            "format": FORMAT,
            "exported_at": datetime.now().astimezone().isoformat(),
            "database": database_key(),
            "stores": {str(s.pk): store_stamp(s, stamp[s.pk]) for s in stores},
            "partitions": partitions,
            "files": files,
        }
        tmp = lake / (STATE + ".tmp")
        tmp.write_text(json.dumps(new_state, indent=1))
        tmp.replace(lake / STATE)
        for path in stale_files:
            path.unlink(missing_ok=True)
            _remove_empty(path.parent, lake)
        done = [m[0] for m in marks]
        for start in range(0, len(done), 5000):  # within every database's parameter limit
            DirtyDay.objects.filter(pk__in=done[start : start + 5000]).delete()
    summary["seconds"] = round(time.monotonic() - started, 2)
    summary["dir"] = str(lake)
    return summary


def _write(lake, stores, scopes, partitions, files, summary, progress) -> list[Path]:
    """Fingerprint the scoped partitions over the live rows, write the changed ones as new
    files and update `partitions` and `files` in place; returns the files they replace."""
    stale: list[Path] = []
    wanted = [s for s in stores if s.pk in scopes]
    every = all(scopes[s.pk] is None for s in wanted) and len(wanted) == len(stores)
    scope = None
    if not every:
        scope = {}
        for store in wanted:
            months = scopes[store.pk]
            scope[store.pk] = None if months is None else month_runs(months)
    covered = {str(s.pk) for s in wanted}
    con = connect()
    try:
        for table, sql in live_rows(con, wanted, scope).items():
            if progress:
                progress(f"{table} …")
            con.execute(f"CREATE TEMP TABLE x AS {sql()}")
            prints = {
                f"{store_id}/{month}": f"{n}:{h}"
                for store_id, month, n, h in con.execute(
                    "SELECT store_id, month, count(*), sum(hash(x)::HUGEINT) FROM x GROUP BY ALL"
                ).fetchall()
            }
            before = partitions.setdefault(table, {})
            listed = files.setdefault(table, {})

            def in_scope(key: str) -> bool:
                store_id, month = key.split("/")
                if store_id not in covered:
                    return False
                months = scopes[int(store_id)]
                return months is None or month in months

            changed = sorted(k for k, v in prints.items() if before.get(k) != v)
            removed = sorted(k for k in before if in_scope(k) and k not in prints)
            rows = 0
            if changed:
                # Whatever a changed partition's folder holds now is replaced: the files of
                # the last export, and any left by an export that stopped midway.
                folders = {k: partition_dir(lake, table, *k.split("/")) for k in changed}
                old = {k: {p.name for p in f.glob("*.parquet")} for k, f in folders.items()}
                con.execute("CREATE TEMP TABLE todo (store_id BIGINT, month VARCHAR)")
                con.executemany(
                    "INSERT INTO todo VALUES (?, ?)",
                    [(int(k.split("/")[0]), k.split("/")[1]) for k in changed],
                )
                rows = con.execute(
                    "SELECT count(*) FROM x SEMI JOIN todo USING (store_id, month)"
                ).fetchone()[0]
                con.execute(
                    f"""
                    COPY (SELECT * FROM x SEMI JOIN todo USING (store_id, month))
                    TO {sql_literal(str(lake / table))}
                    (FORMAT parquet, PARTITION_BY (store_id, month), OVERWRITE_OR_IGNORE true,
                     FILENAME_PATTERN 'part_{{uuid}}')
                    """
                )
                con.execute("DROP TABLE todo")
                for key, folder in folders.items():
                    listed[key] = sorted({p.name for p in folder.glob("*.parquet")} - old[key])
                    before[key] = prints[key]
                    stale += [folder / n for n in old[key]]
            for key in removed:
                folder = partition_dir(lake, table, *key.split("/"))
                listed.pop(key, None)
                stale += list(folder.glob("*.parquet"))
                before.pop(key, None)
            con.execute("DROP TABLE x")
            summary["tables"][table] = {
                "partitions": sum(1 for k in before if k.split("/")[0] in covered),
                "written": len(changed),
                "removed": len(removed),
                "rows": rows,
            }
            summary["rows"] += rows
    finally:
        con.close()
    return stale


def _remove_empty(folder: Path, lake: Path) -> None:
    while folder != lake and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
