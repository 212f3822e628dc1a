"""`shopops bench alerts`, tiny: a round over two demo stores, cold and warm, with its engine
calls against the unbatched baseline, which finds the same alerts with more calls."""

import json


def test_bench_alerts_tiny_run(cli):
    out = cli("bench", "alerts", "--stores", "2", "--orders", "300", "--months", "2",
              "--format", "json")  # fmt: skip
    assert out.returncode in (0, 1), out.stdout[-4000:] + out.stderr[-4000:]
    result = json.loads(out.stdout)
    assert result["stores"] == 2 and result["rules"] == 26  # 13 default rules each
    assert result["cold_engine_calls"] == 2  # one per store: its metric rules batched
    assert result["baseline_engine_calls"] == 8  # one per metric rule
    assert result["cold_round_seconds"] > 0 and result["ratio_cold"] > 0
    assert out.returncode == (0 if result["goal_met"] else 1)
