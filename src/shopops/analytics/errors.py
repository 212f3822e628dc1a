from django.core.exceptions import PermissionDenied


class MixedCurrencies(ValueError):
    """Money of stores in different currencies would be added up without the rates to
    convert it (`analytics.conversion`); per-store rows are always allowed. CLI exit 2,
    API 422."""


class EngineUnavailable(RuntimeError):
    """An engine cannot answer here and now (no PySpark, no current lake); the message says
    what to do. Pages, API (503) and CLI show it as it is."""


class CostsHidden(PermissionDenied):
    """Cost metrics (costs, profit, margins) asked for a viewer whose role may not see them.
    Raised by the metrics query layer (`queries.metrics(..., viewer=)`,
    `queries.refuse_hidden_costs`); the API answers 403, a page Django's 403."""

    def __init__(self, keys):
        self.keys = list(keys)
        super().__init__(f"Your role may not see costs or profit: {', '.join(self.keys)}")


class RateMissing(MixedCurrencies):
    """A converted total needs a rate for a day that has none within the window."""

    def __init__(self, currency: str, reporting: str, day, latest, window: int):
        self.currency, self.day = currency, day
        if latest:
            zh = f"最近的汇率是 {latest} 的，超过 {window} 天"
            en = f"the latest earlier one, of {latest}, is more than {window} days older"
        else:
            zh, en = f"之前 {window} 天内也没有", f"nor any in the {window} days before"
        super().__init__(
            f"缺少 {currency}→{reporting} {day} 的汇率（{zh}）：请导入汇率"
            f"（./shopops rates import），或加 --dim store 分店铺查看"
            f" / no {currency}→{reporting} rate for {day} ({en}): import rates "
            "(./shopops rates import) or add --dim store to see the stores apart"
        )
