"""`./shopops bench alerts`: one evaluation round of the default rules over many stores.

A fresh database gets N demo stores (a simulated year each, as `./shopops demo` makes
them) and their default rules. A round evaluates every store's enabled rules as the worker
does (alerts.services.run, dry: nothing written between rounds, so each round does the same
work). It is timed cold (every store's cached numbers stale, as after an import) and warm,
and the number of engine calls (`analytics.queries.metrics`) is counted. The baseline in
the same run does the same work with the same answers without batching: each metric rule
reads its own numbers (one engine call per rule and period). Goal: a cold round under 5 s.
"""

import json
import os
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 5.0


def run(stores: int, orders: int, months: int, fmt: str, progress=print) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-alerts-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'alerts.sqlite3'}"
    os.environ["SHOPOPS_VAR_DIR"] = str(work / "var")
    from shopops.bootstrap import setup_django

    setup_django(migrate=True)
    from django.utils import timezone

    from shopops.alerts import evaluation, services
    from shopops.alerts.models import AlertRule
    from shopops.analytics.cache import facts_changed
    from shopops.core import services as core
    from shopops.devtools import demo_data

    made = []
    for n in range(stores):
        store = core.create_store(None, code=f"s{n:02d}", name=f"店铺{n:02d}", platform="tmall")
        demo_data.load(store, seed=n, months=months, target_orders=orders, progress=lambda m: None)
        services.ensure_default_rules(store)
        made.append(store)
        if fmt == "table":
            progress(f"store {n + 1}/{stores} made")
    calls = {"n": 0}
    real = evaluation.metrics

    def counted(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    evaluation.metrics = counted
    now = timezone.now()

    def round_of(batched: bool, cold: bool) -> tuple[float, int, list]:
        if cold:
            for store in made:
                facts_changed(store.pk)
        calls["n"] = 0
        answers = []
        started = time.perf_counter()
        for store in made:
            rules = list(AlertRule.objects.filter(store=store, enabled=True))
            groups = [rules] if batched else [[r] for r in rules]
            for group in groups:
                result = services.run(store, rules=group, now=now, dry_run=True)
                answers += sorted((a.rule_id, a.scope, str(a.value)) for a in result.opened)
        return time.perf_counter() - started, calls["n"], sorted(answers)

    round_of(True, True)  # the process's first round: imports, the engine's first queries
    cold, cold_calls, answer = round_of(True, True)
    warm, warm_calls, _ = round_of(True, False)
    base_cold, base_calls, base_answer = round_of(False, True)
    base_warm, _, _ = round_of(False, False)
    evaluation.metrics = real
    if answer != base_answer:
        raise SystemExit("bench: the batched round found other alerts than the baseline")
    result = {
        "stores": stores,
        "orders_per_store": orders,
        "rules": AlertRule.objects.filter(enabled=True).count(),
        "alerts_found": len(answer),
        "cold_round_seconds": round(cold, 3),
        "cold_engine_calls": cold_calls,
        "warm_round_seconds": round(warm, 3),
        "warm_engine_calls": warm_calls,
        "baseline_cold_seconds": round(base_cold, 3),
        "baseline_engine_calls": base_calls,
        "baseline_warm_seconds": round(base_warm, 3),
        "ratio_cold": round(cold / base_cold, 3) if base_cold else None,
        "ratio_warm": round(warm / base_warm, 3) if base_warm else None,
        "goal_seconds": GOAL_SECONDS,
        "goal_met": cold <= GOAL_SECONDS,
    }
    if fmt == "json":
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>24}  {value}")
    return 0 if result["goal_met"] else 1
