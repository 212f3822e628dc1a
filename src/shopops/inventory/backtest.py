"""How good the demand forecast has been: a rolling-origin backtest per SKU over the last
weekly origins, against seasonal naive (each day forecast by the same weekday a week
before), with MASE, WAPE and bias.

- WAPE = Σ|actual - forecast| / Σ actual (weighted absolute percentage error);
- bias = Σ(forecast - actual) / Σ actual (over- or under-forecasting);
- MASE = mean |actual - forecast| / mean |y_t - y_(t-7)| of the history before each origin
  (Hyndman & Koehler 2006, the seasonal naive's own in-sample error as the scale): below 1
  beats seasonal naive.

The same cleaned demand as the forecast (`analytics.demand`), the same models
(`replenishment._fit`'s choice), refitted at each origin by statsforecast's
cross_validation.
"""

from dataclasses import dataclass
from datetime import date, timedelta

ORIGINS = 8  # weekly origins
HORIZON = 7


@dataclass
class Accuracy:
    mase: float | None
    wape: float | None
    bias: float | None
    naive_mase: float | None
    naive_wape: float | None

    @property
    def loses_to_naive(self) -> bool:
        return None not in (self.mase, self.naive_mase) and self.mase > self.naive_mase


def wape(actual: list[float], forecast: list[float]) -> float | None:
    total = sum(actual)
    if not total:
        return None
    return sum(abs(a - f) for a, f in zip(actual, forecast, strict=True)) / total


def bias(actual: list[float], forecast: list[float]) -> float | None:
    total = sum(actual)
    if not total:
        return None
    return sum(f - a for a, f in zip(actual, forecast, strict=True)) / total


def mase(actual: list[float], forecast: list[float], history: list[float], season=7):
    """Mean absolute error scaled by the seasonal naive's in-sample mean absolute error of
    `history`; None when that scale is 0 (a history without change)."""
    diffs = [abs(history[i] - history[i - season]) for i in range(season, len(history))]
    scale = sum(diffs) / len(diffs) if diffs else 0
    if not scale or not actual:
        return None
    error = sum(abs(a - f) for a, f in zip(actual, forecast, strict=True)) / len(actual)
    return error / scale


def backtest(series: dict[str, list[int]], today: date, models: dict[str, str]) -> dict:
    """{sku: Accuracy} and "__all__" over every SKU, for the SKUs whose series (daily
    cleaned demand ending yesterday, as in `replenishment._history`) is long enough for
    ORIGINS weekly origins after four weeks of history."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, AutoETS, SeasonalNaive

    need = 28 + ORIGINS * HORIZON
    frames = {"ets": [], "intermittent": []}
    for code, values in series.items():
        first = next((i for i, v in enumerate(values) if v), None)
        if first is None or len(values) - first < need:
            continue
        kind = "intermittent" if models.get(code) == "ADIDA" else "ets"
        days = pd.date_range(
            end=pd.Timestamp(today - timedelta(days=1)), periods=len(values) - first, freq="D"
        )
        frames[kind].append(pd.DataFrame({"unique_id": code, "ds": days, "y": values[first:]}))
    out: dict = {}
    pooled = {"a": [], "f": [], "n": [], "mase": [], "naive_mase": []}
    for kind, parts in frames.items():
        if not parts:
            continue
        model = ADIDA() if kind == "intermittent" else AutoETS(season_length=7)
        cv = StatsForecast(
            models=[model, SeasonalNaive(season_length=7)], freq="D", n_jobs=1
        ).cross_validation(
            df=pd.concat(parts, ignore_index=True), h=HORIZON, n_windows=ORIGINS, step_size=HORIZON
        )
        name = next(
            c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y", "SeasonalNaive")
        )
        history = {p["unique_id"].iloc[0]: p["y"].tolist() for p in parts}
        for code, rows in cv.groupby("unique_id"):
            actual, fc, naive = (
                rows["y"].tolist(),
                rows[name].tolist(),
                rows["SeasonalNaive"].tolist(),
            )
            cut = len(history[code]) - ORIGINS * HORIZON
            scale_history = history[code][:cut]
            out[str(code)] = Accuracy(
                mase=mase(actual, fc, scale_history),
                wape=wape(actual, fc),
                bias=bias(actual, fc),
                naive_mase=mase(actual, naive, scale_history),
                naive_wape=wape(actual, naive),
            )
            pooled["a"] += actual
            pooled["f"] += fc
            pooled["n"] += naive
            if out[str(code)].mase is not None:
                pooled["mase"].append(out[str(code)].mase)
                pooled["naive_mase"].append(out[str(code)].naive_mase)
    if pooled["a"]:
        out["__all__"] = Accuracy(
            mase=_mean(pooled["mase"]),
            wape=wape(pooled["a"], pooled["f"]),
            bias=bias(pooled["a"], pooled["f"]),
            naive_mase=_mean(pooled["naive_mase"]),
            naive_wape=wape(pooled["a"], pooled["n"]),
        )
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
