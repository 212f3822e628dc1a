"""`./shopops bench promo`: the promotion calculator on random carts (1-8 lines) under random
campaigns (3-6 rules: 满减 tiers and 每满, 满件折, coupons, gifts, a 秒杀 on up to two SKUs),
against the naive search that evaluates every subset of flash lines and rules, in the same
run. The naive search prices a sample of the same carts (it is slow); both must give every
sampled cart the same total, or the run fails."""

import json
import random
import time

from shopops.campaigns import pricing as p

SKUS = [f"S{i:02d}" for i in range(40)]


def _rule(rng: random.Random, key: str) -> p.Rule:
    kind = rng.choice(
        (p.FULL_REDUCTION, p.FULL_REDUCTION, p.ITEM_DISCOUNT, p.COUPON, p.COUPON, p.GIFT)
    )
    scope = frozenset(rng.sample(SKUS, rng.randint(5, 20))) if rng.random() < 0.3 else frozenset()
    stackable = rng.random() < 0.8
    if kind == p.FULL_REDUCTION:
        if rng.random() < 0.3:
            t = rng.choice((10_000, 20_000, 30_000))
            return p.Rule(key, kind, stackable=stackable, tiers=(p.Tier(t, t // 10),), repeat=True,
                          cap=rng.choice((None, 10_000)), scope=scope)  # fmt: skip
        tiers = sorted(rng.sample((9_900, 19_900, 29_900, 39_900, 49_900), rng.randint(1, 3)))
        return p.Rule(
            key, kind, stackable=stackable, scope=scope,
            tiers=tuple(p.Tier(t, (t + 100) // 10 + 1000 * i) for i, t in enumerate(tiers)),
        )  # fmt: skip
    if kind == p.ITEM_DISCOUNT:
        return p.Rule(key, kind, stackable=stackable, scope=scope,
                      tiers=(p.Tier(2, 9_500), p.Tier(3, 9_000)))  # fmt: skip
    if kind == p.COUPON:
        threshold = rng.choice((0, 9_900, 19_900, 29_900))
        return p.Rule(key, kind, stackable=stackable, scope=scope, threshold=threshold,
                      amount=rng.choice((500, 1_000, 2_000, 5_000)))  # fmt: skip
    return p.Rule(key, kind, threshold=rng.choice((19_900, 39_900)), gift_sku="GIFT")


def scenarios(n: int, seed: int = 17):
    rng = random.Random(seed)  # noqa: S311 (a benchmark's carts, not a secret)
    list_price = {s: rng.randint(990, 39_900) for s in SKUS}
    out = []
    for _ in range(n):
        flash = {
            s: p.Flash(list_price[s] * rng.randint(50, 80) // 100, rng.choice((None, 5, 100)), 1)
            for s in rng.sample(SKUS, rng.randint(0, 2))
        }
        prices = {s: list_price[s] * 9 // 10 for s in rng.sample(SKUS, 8)}
        promo = p.Promotion(
            prices=prices,
            flash=flash,
            rules=tuple(_rule(rng, f"r{i}") for i in range(rng.randint(3, 6))),
        )
        skus = rng.sample(SKUS[:20] + list(flash), rng.randint(1, 8))
        lines = [p.Line(s, rng.choice((1, 1, 1, 2, 3)), list_price[s]) for s in dict.fromkeys(skus)]
        out.append((promo, lines))
    return out


def run(carts: int, naive_carts: int, fmt: str) -> int:
    work = scenarios(carts)
    started = time.perf_counter()
    totals = [p.price(promo, lines).total for promo, lines in work]
    fast = time.perf_counter() - started
    sample = work[: min(naive_carts, carts)]
    started = time.perf_counter()
    naive_totals = [p.price_naive(promo, lines).total for promo, lines in sample]
    naive = time.perf_counter() - started
    mismatches = sum(a != b for a, b in zip(totals, naive_totals, strict=False))
    report = {
        "carts": carts,
        "naive_carts": len(sample),
        "seconds": round(fast, 2),
        "carts_per_second": round(carts / fast),
        "naive_seconds": round(naive, 2),
        "naive_carts_per_second": round(len(sample) / naive),
        "speedup": round((carts / fast) / (len(sample) / naive), 1),
        "mismatches": mismatches,
    }
    if fmt == "json":
        print(json.dumps(report, indent=2))
    else:
        print(f"promotion calculator: {carts:,} random carts (1-8 lines, 3-6 rules)")
        print(f"  calculator   {report['carts_per_second']:>10,} carts/s  ({fast:.2f} s)")
        print(f"  naive search {report['naive_carts_per_second']:>10,} carts/s  "
              f"({naive:.2f} s for {len(sample):,} of the same carts)")  # fmt: skip
        print(f"  ratio {report['speedup']}x; totals differing on the sample: {mismatches}")
    return 1 if mismatches else 0
