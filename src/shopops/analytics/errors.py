from django.core.exceptions import PermissionDenied


class MixedCurrencies(ValueError):
    """Money of stores in different currencies would be added up (issue 21: until rates
    exist, a mixed total is refused; per-store rows are always allowed)."""


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
