"""`bench startup` runs every case as a real process and reports it beside its baseline."""

import json
import os
import subprocess
import sys


def test_bench_startup_reports_each_command_against_help(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopops.cli",
            "bench",
            "startup",
            "--runs",
            "1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "SHOPOPS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
    )
    assert out.returncode == 0, out.stderr
    rows = {r["what"]: r for r in json.loads(out.stdout)}
    assert set(rows) == {
        "python -c pass",
        "shopops --help",
        "store list",
        "metrics --help",
        "worker ready",
        "serve ready",
    }
    assert rows["shopops --help"]["x_help"] == "1.0"
    for name in ("store list", "worker ready", "serve ready"):
        assert float(rows[name]["seconds"]) > 0 and rows[name]["target"] is not None
        assert isinstance(rows[name]["ok"], bool)
