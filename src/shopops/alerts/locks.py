"""Row locks of the alerts' models (see core.locks)."""


def unresolved(rule):
    """A rule's alerts not resolved yet, while an evaluation applies what it found: two
    evaluations at once take turns instead of both opening and closing the same alerts."""
    from shopops.alerts.models import Alert, AlertState

    return Alert.objects.select_for_update().filter(rule=rule).exclude(state=AlertState.RESOLVED)


def alert(pk: int):
    """One alert while a person changes its state."""
    from shopops.alerts.models import Alert

    return Alert.objects.select_for_update().get(pk=pk)


def benchmarks(store, metrics: set[str]):
    """A store's benchmarks of these metrics while they are set or removed."""
    from shopops.alerts.models import Benchmark

    return Benchmark.objects.select_for_update().filter(store=store, metric__in=sorted(metrics))
