"""Background walks give way to what a person is waiting for.

A discovery walk of a 110,000-node tree keeps kazoo's reader thread and the GIL busy for many seconds;
the read behind a key press (a node's children, its stat) then waits its turn behind hundreds of walk
requests and thousands of replies. Foreground work marks itself; a walk handed this object stops issuing
new requests while any is under way (the ones in flight drain within milliseconds).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A walk never waits longer than this at once: a foreground read stuck on a dead connection must not
# stall the background for its whole timeout.
LONGEST_PAUSE_S = 2.0


class Foreground:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._under_way = 0
        self._idle = threading.Event()
        self._idle.set()

    @contextmanager
    def working(self) -> Iterator[None]:
        """Around a read someone waits for (any thread)."""
        with self._lock:
            self._under_way += 1
            self._idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._under_way -= 1
                if self._under_way == 0:
                    self._idle.set()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait_idle(self, timeout: float = LONGEST_PAUSE_S) -> bool:
        """Called by background work between its requests; True when nothing foreground is under way."""
        return self._idle.wait(timeout)
