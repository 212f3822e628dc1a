"""`shopops bench soak` end to end, shortened: web, worker, CLI import, upload and the
outside opener together on SQLite, and nothing committed is lost."""

import json


def test_bench_soak_short_run_passes(cli):
    out = cli("bench", "soak", "--minutes", "0.3", "--format", "json")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    report = json.loads(out.stdout)
    assert report["pass"] and report["integrity_check"] == "ok", report["checks"]
    assert report["heartbeat_alive"]
    writes = report["writes"]
    assert writes["orders"]["committed"] > 0 and writes["orders"]["missing"] == 0
    assert all(w["missing"] == 0 for w in writes.values()), writes
    assert report["imports"]["cli_done"] >= 1 and report["imports"]["api_done"] >= 1
    assert report["server_errors_5xx"] == 0 and report["connection_errors"] == 0
