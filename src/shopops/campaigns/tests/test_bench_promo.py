"""`bench promo` runs the calculator and the naive search on the same carts and agrees."""

import json

from shopops.devtools import bench_promo


def test_bench_promo_prices_the_same_carts_both_ways(capsys):
    assert bench_promo.run(300, 300, "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["carts"] == report["naive_carts"] == 300
    assert report["mismatches"] == 0
    assert report["carts_per_second"] > 0 and report["naive_carts_per_second"] > 0
