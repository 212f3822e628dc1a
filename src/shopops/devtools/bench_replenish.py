"""`./shopops bench replenish`: the forecast's rolling-origin backtest on the real UCI Online
Retail data (its best-selling SKUs, imported as a store with their whole year), beside
seasonal naive's from the same run, and the suggestions of the days after the year's five
largest order lines. Prints MASE, WAPE and bias (inventory.backtest)."""

import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2011, 12, 1)  # eight weekly origins back from here lie inside the data


def _top_skus(by_day: Path, n: int) -> set[str]:
    import csv
    from collections import Counter

    units = Counter()
    for path in sorted(by_day.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if not r["InvoiceNo"].startswith("C") and int(r["Quantity"]) > 0:
                    units[r["StockCode"].strip()] += int(r["Quantity"])
    return {code for code, _units in units.most_common(n)}


def run(data: Path, skus: int, fmt: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="shopops-bench-replenish-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'replenish.sqlite3'}"
    os.environ["SHOPOPS_VAR_DIR"] = str(work / "var")
    from shopops.bootstrap import setup_django

    setup_django(migrate=True)
    from shopops.core import services
    from shopops.devtools.online_retail import convert
    from shopops.ingest.pipeline import run_import
    from shopops.inventory import replenishment

    by_day = data / "online-retail" / "by-day"
    if not by_day.is_dir():
        raise SystemExit(f"bench: {by_day} is missing (the real data lives in ../shared/data)")
    store = services.create_store(
        None, code="uk", name="UK", platform="own", currency="GBP", timezone="Europe/London"
    )
    started = time.perf_counter()
    paths = convert(by_day, work / "files", skus=_top_skus(by_day, skus))
    for kind in ("products", "stock", "orders", "order_lines"):
        run_import(store=store, kind=kind, path=paths[kind])
    imported = time.perf_counter() - started
    started = time.perf_counter()
    fc = replenishment.forecast(store, AS_OF)
    fitted = time.perf_counter() - started
    overall = replenishment.overall_accuracy(store, AS_OF)
    tested = [f for f in fc.values() if f.accuracy is not None]
    report = {
        "skus": len(fc),
        "tested": len(tested),
        "as_of": AS_OF.isoformat(),
        "model": {"mase": overall.mase, "wape": overall.wape, "bias": overall.bias},
        "seasonal_naive": {"mase": overall.naive_mase, "wape": overall.naive_wape},
        "fell_back_to_naive": sum(1 for f in fc.values() if f.model == replenishment.NAIVE),
        "excluded_lines": sum(len(f.excluded) for f in fc.values()),
        "seconds": {"import": round(imported, 1), "forecast_and_backtest": round(fitted, 1)},
    }
    if fmt == "json":
        print(json.dumps(report, indent=2))
        return 0
    print(f"UCI Online Retail, top {skus} SKUs by units, as of {AS_OF} ({len(tested)} tested)")
    print(f"{'':16}{'MASE':>8}{'WAPE':>8}{'bias':>8}")
    m, n = report["model"], report["seasonal_naive"]
    print(f"{'model':16}{m['mase']:8.3f}{m['wape']:8.3f}{m['bias']:+8.3f}")
    print(f"{'seasonal naive':16}{n['mase']:8.3f}{n['wape']:8.3f}{'':>8}")
    print(f"fell back to seasonal naive: {report['fell_back_to_naive']}; order lines left out "
          f"of demand: {report['excluded_lines']}")  # fmt: skip
    print(f"import {imported:.1f} s, forecast and backtest {fitted:.1f} s")
    return 0
