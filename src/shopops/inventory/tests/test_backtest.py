"""The backtest's measures against a hand computation, and a rolling-origin run on a
series long enough for eight weekly origins."""

from datetime import date

import pytest

from shopops.inventory.backtest import ORIGINS, backtest, bias, mase, wape


def test_wape_bias_and_mase_by_hand():
    actual, forecast = [4, 0, 6, 10], [5, 1, 5, 9]
    # |errors| 1 + 1 + 1 + 1 = 4 over 20 actual units.
    assert wape(actual, forecast) == pytest.approx(4 / 20)
    # forecast - actual: +1 +1 -1 -1 = 0.
    assert bias(actual, forecast) == pytest.approx(0)
    # History of 9 days, season 7: |h7 - h0| = |3 - 1| = 2, |h8 - h1| = |5 - 1| = 4, scale 3;
    # the forecast's mean absolute error 4 / 4 = 1: MASE 1 / 3.
    history = [1, 1, 2, 2, 2, 2, 2, 3, 5]
    assert mase(actual, forecast, history) == pytest.approx(1 / 3)
    assert mase(actual, forecast, [1] * 9) is None  # no change to scale by
    assert wape([0, 0], [1, 1]) is None


def test_a_weekly_pattern_is_backtested_over_eight_origins():
    pattern = [20, 8, 8, 9, 10, 12, 30]
    series = {"WEEKLY": [pattern[i % 7] + (i % 3) for i in range(120)], "NEW": [0] * 100 + [5] * 20}
    found = backtest(series, date(2024, 6, 30), {"WEEKLY": "ETS (weekly)", "NEW": "ETS (weekly)"})
    assert set(found) == {"WEEKLY", "__all__"}  # NEW has too little history to test
    weekly = found["WEEKLY"]
    assert 0 <= weekly.wape < 0.3 and weekly.mase is not None and weekly.naive_mase is not None
    assert ORIGINS == 8
