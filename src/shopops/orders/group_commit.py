"""Calls that arrive together in one process are run together (group commit).

In a flash sale every channel posts each order in its own call, and each call is a
transaction of about fifteen statements. `intake.receive_many` writes several new orders in
about as many statements as one (measured: 7.9 ms of CPU for one order alone, 4.7 ms an
order for two, 2.6 for four), answering each exactly as `intake.receive` would. So a call
that arrives while another call of the same key (the same user, say) is being run waits
for that run to end, and is then run together with every other call of its key that
arrived meanwhile. Calls of other keys run at the same time, as they would without this.
No call waits for more than the one run of its key before its own; a lone call runs at
once, alone.

`GroupCommit(run_many, run_one)`: `run_one(item)` runs a call alone, in its own thread, and
returns its result or raises. `run_many(items)` runs a group, in the thread of its first
call, and returns a result for each item (an answer, or the refusal of that item, returned,
not raised). If `run_many` raises, part of the group may be done (it need not be one
transaction), so every call of the group then runs alone, in its own thread: `run_one` must
be idempotent, as order intake is (an order stored before is answered from its receipt).
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# Calls in one run at most: a worker serves a few request threads (devtools
# processes.THREADS), so this is only a bound.
LIMIT = 100

_PENDING = object()  # no result yet


@dataclass(eq=False)
class _Call:
    key: object
    item: object
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to run the next group of its key, not with its result
    result: object = _PENDING
    alone: bool = False  # its group failed: run it alone


class GroupCommit:
    def __init__(
        self, run_many: Callable[[list], list], run_one: Callable[[object], object], limit=LIMIT
    ):
        self.run_many = run_many
        self.run_one = run_one
        self.limit = limit
        self._lock = threading.Lock()
        self._queued: dict[object, list[_Call]] = {}  # by key, in order of arrival

    def submit(self, key, item):
        """`item`'s result, run with the other items of the same `key` (calls that may
        share a run) that are waiting when its run starts."""
        call = _Call(key, item)
        with self._lock:
            queue = self._queued.get(key)
            lead = queue is None  # no run of this key is going on
            if lead:
                self._queued[key] = []
            else:
                queue.append(call)
        if not lead:
            call.done.wait()
            lead = call.lead
        if lead:
            self._run(call)
        if call.alone:
            return self.run_one(call.item)
        return call.result

    def _run(self, own: _Call) -> None:
        """Runs `own` with the queued calls of its key, then wakes them, and the first call
        of its key still queued to run the next group."""
        with self._lock:
            queue = self._queued[own.key]
            if own in queue:
                queue.remove(own)
            group = [own, *queue[: self.limit - 1]]
            del queue[: self.limit - 1]
        failed = None
        try:
            if len(group) == 1:
                # Alone, but still as the key's run, so that the calls arriving meanwhile
                # wait for it and form the next group.
                try:
                    own.result = self.run_one(own.item)
                except Exception as exc:
                    failed = exc  # raised in this thread, after the hand-over
            else:
                try:
                    results = self.run_many([c.item for c in group])
                    for call, result in zip(group, results, strict=True):
                        call.result = result
                except Exception:
                    for call in group:
                        call.alone = True
        finally:
            with self._lock:
                queue = self._queued[own.key]
                if queue:
                    successor = queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    del self._queued[own.key]
            for call in group:
                if call.result is _PENDING and failed is None:  # interrupted: alone
                    call.alone = True
                call.lead = False
                call.done.set()
        if failed is not None:
            raise failed
