"""Calls that arrive together in one process are run together (group commit).

In a flash sale every channel posts each order in its own call, and each call is a
transaction of about fifteen statements. `intake.receive_many` writes several new orders in
about as many statements as one (measured: 7.9 ms of CPU for one order alone, 4.7 ms an
order for two, 2.6 for four), answering each exactly as `intake.receive` would. So a call
that arrives while another call of the process is being run waits for that run to end, and
is then run together with every other call that arrived meanwhile. No call waits for more
than the one run before its own, and a lone call is run at once, alone.

`GroupCommit(run)`: `run(items)` gets the items of one group in their order of arrival and
returns a result for each (an answer, or the refusal of that item, returned, not raised).
If `run` raises, every call of the group raises it: nothing of the group was done.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# Calls in one run at most: a worker serves a few request threads (devtools
# processes.THREADS), so this is only a bound.
LIMIT = 100


@dataclass(eq=False)
class _Call:
    key: object
    item: object
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to run the next group, not with its result
    result: object = None
    failure: BaseException | None = None


class GroupCommit:
    def __init__(self, run: Callable[[list], list], limit: int = LIMIT):
        self.run = run
        self.limit = limit
        self._lock = threading.Lock()
        self._queued: list[_Call] = []
        self._running = False

    def submit(self, key, item):
        """`item`'s result, run with the other items of the same `key` (calls that may
        share a run: the same user's) that are waiting when its run starts."""
        call = _Call(key, item)
        with self._lock:
            self._queued.append(call)
            lead = not self._running
            self._running = True
        if not lead:
            call.done.wait()
        if not call.done.is_set() or call.lead:
            self._run(call)
        if call.failure is not None:
            raise call.failure
        return call.result

    def _run(self, own: _Call) -> None:
        """Runs `own` and the queued calls of its key, then wakes them, and the first call
        still queued to run the next group."""
        group = [own]
        try:
            with self._lock:
                kept = []
                for queued in self._queued:
                    if queued is own:
                        continue
                    if queued.key == own.key and len(group) < self.limit:
                        group.append(queued)
                    else:
                        kept.append(queued)
                self._queued = kept
            try:
                results = self.run([c.item for c in group])
            except Exception as exc:
                for call in group:
                    call.failure = exc
            else:
                for call, result in zip(group, results, strict=True):
                    call.result = result
        finally:
            with self._lock:
                if self._queued:
                    successor = self._queued[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._running = False
            for call in group:
                if call.failure is None and call.result is None:  # interrupted
                    call.failure = RuntimeError("the group's run was interrupted")
                call.lead = False
                call.done.set()
