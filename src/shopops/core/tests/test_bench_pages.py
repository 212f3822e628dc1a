"""`shopops bench pages`, tiny: every console page answers 200 as the ops lead, and the
output has its columns and the /healthz baseline."""

import json

from shopops.devtools.bench_pages import COLUMNS


def test_bench_pages_tiny_run_answers_every_page(cli):
    out = cli(
        "bench", "pages", "--requests", "2", "--months", "1", "--orders", "300", "--format", "json"
    )
    assert out.returncode in (0, 1), out.stdout[-4000:] + out.stderr[-4000:]
    rows = json.loads(out.stdout)
    assert all(list(row) == list(COLUMNS) for row in rows)
    assert rows[0]["path"] == "/healthz"
    pages = {row["path"]: row for row in rows[1:]}
    expected = {"/", "/inventory/", "/inventory/replenishment/", "/orders/", "/stores/demo/"}
    assert expected <= set(pages)  # module pages and a page of the store
    assert "/stores/switch/" not in pages  # POST only
    assert {row["status"] for row in rows} == {"200"}, [r for r in rows if r["status"] != "200"]
    assert all(float(row["p95_ms"]) > 0 and row["ratio_p95"] for row in rows)
    assert out.returncode == (0 if all(row["goal_met"] for row in rows) else 1)
