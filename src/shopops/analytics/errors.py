class EngineUnavailable(RuntimeError):
    """An engine cannot answer here and now (no PySpark, no current lake); the message says
    what to do. Pages, API (503) and CLI show it as it is."""
