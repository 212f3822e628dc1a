"""Committed writes survive on the embedded database when analytics run in a writing process.

The hazard (SQLite's *How To Corrupt An SQLite Database File*, "multiple copies of SQLite
linked into the same application"): a process that holds Django's SQLite connection and
reads the same file through a second SQLite library (DuckDB's scanner) loses its POSIX
locks whenever that library closes a descriptor; another process that opens and closes the
file then believes it is the last one, checkpoints and deletes the WAL, and the writer's
later commits go into a deleted file. This test runs that scenario with real processes:
A makes one engine call and then commits rows through Django's connection, B opens and
closes the file in a loop, C commits rows of its own. Every committed row must be there
once all have exited, and the file must pass integrity_check.
"""

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from datetime import date
    from django.db import connection
    from shopops.analytics.queries import metrics
    from shopops.core.models import Store

    store = Store.objects.get(code="probe")
    connection.cursor().execute("SELECT count(*) FROM probe")  # Django's connection is open
    metrics(["gmv", "orders", "units"], store, date(2024, 6, 1), date(2024, 6, 30), grain="day")
    print("engine-called", flush=True)
    for i in range(8):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO probe (who, n) VALUES ('A', %s)", [i])
        print(f"A committed {i}", flush=True)
        time.sleep(0.25)
    """
)

OPENER = textwrap.dedent(
    """
    import sqlite3, sys, time
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        db = sqlite3.connect(sys.argv[1])
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        db.close()
        time.sleep(0.02)
    """
)

OTHER_WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], timeout=30)
    for i in range(3):
        db.execute("INSERT INTO probe (who, n) VALUES ('C', ?)", [i])
        db.commit()
        time.sleep(0.3)
    seen = db.execute("SELECT count(*) FROM probe WHERE who = 'A'").fetchone()[0]
    print(f"C saw {seen} rows of A", flush=True)
    db.close()
    """
)


def _env(db: Path, var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        SHOPOPS_VAR_DIR=str(var),
        SHOPOPS_DUCKDB_LAKE="off",
        DJANGO_SETTINGS_MODULE="shopops.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    )
    return env


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the embedded database"
)
def test_committed_rows_survive_an_engine_call_in_a_writing_process(tmp_path):
    db, var = tmp_path / "shop.sqlite3", tmp_path / "var"
    env = _env(db, var)
    py = sys.executable
    subprocess.run(
        [py, "-m", "shopops.cli", "manage", "migrate", "--noinput", "-v", "0"], env=env, check=True
    )
    subprocess.run(
        [
            py,
            "-m",
            "shopops.cli",
            "store",
            "add",
            "probe",
            "--name",
            "Probe",
            "--platform",
            "tmall",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(db) as setup:
        setup.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)")
    setup.close()

    writer = subprocess.Popen([py, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "engine-called"
    opener = subprocess.Popen([py, "-c", OPENER, str(db), "2.5"], env=env)
    time.sleep(0.3)
    other = subprocess.run(
        [py, "-c", OTHER_WRITER, str(db)], env=env, capture_output=True, text=True, timeout=60
    )
    assert other.returncode == 0, other.stderr
    committed_by_a = [line for line in writer.stdout.read().splitlines() if "committed" in line]
    assert writer.wait(timeout=60) == 0
    assert opener.wait(timeout=60) == 0
    assert len(committed_by_a) == 8

    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = check.execute("SELECT who, count(*) FROM probe GROUP BY who ORDER BY who").fetchall()
    check.close()
    assert rows == [("A", 8), ("C", 3)], f"committed rows lost: {rows}; {other.stdout}"
