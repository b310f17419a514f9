"""Whole-subtree reads with many requests in flight.

ZooKeeper answers one connection's requests in order, so a window of outstanding getChildren calls
read first-in first-out keeps the pipe full from a single thread; one round trip per node is what makes
the naive walk slow on a remote ensemble.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kazoo.exceptions import NoAuthError, NoNodeError
from kazoo.protocol.states import ZnodeStat

from zktui.core.paths import join
from zktui.core.priority import Foreground

DEFAULT_IN_FLIGHT = 512


class WalkCancelled(Exception):
    """The walk was cancelled through its cancel event."""


@dataclass(frozen=True)
class WalkEntry:
    path: str
    depth: int
    stat: ZnodeStat | None
    children: tuple[str, ...]
    data: bytes | None = None
    locked: bool = False  # no READ permission: children and data unknown


def walk(
    client,
    root: str,
    *,
    with_data: bool = False,
    max_depth: int | None = None,
    in_flight: int = DEFAULT_IN_FLIGHT,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    sync: bool = True,
    yield_to: Foreground | None = None,
) -> Iterator[WalkEntry]:
    """Yield every node from root down (breadth first), each with its stat and children.

    Nodes that vanish during the walk are skipped; nodes we may not read come back `locked`.
    Raises NoNodeError when root itself does not exist, WalkCancelled when `cancel` is set.
    With `yield_to` (a background walk) no new request goes out while foreground work is under way.
    With `sync` the walk first has the connected server catch up with the leader: a follower may lag,
    and a bulk operation (deleteall, setAcl -R, export) must not miss a node another client just made.
    """
    if sync:
        client.sync(root)
    pending: deque = deque()
    waiting: deque[tuple[str, int]] = deque([(root, 0)])
    seen = 0

    def issue(path: str, depth: int) -> None:
        children = client.get_children_async(path, include_data=True)
        data = client.get_async(path) if with_data else None
        pending.append((path, depth, children, data))

    while waiting or pending:
        if yield_to is not None and waiting and yield_to.busy:
            yield_to.wait_idle()
        while waiting and len(pending) < in_flight:
            issue(*waiting.popleft())
        if cancel is not None and cancel.is_set():
            raise WalkCancelled(root)
        path, depth, children_result, data_result = pending.popleft()
        try:
            children, stat = children_result.get()
            data = data_result.get()[0] if data_result is not None else None
        except NoNodeError:
            if path == root:
                raise
            continue
        except NoAuthError:
            yield WalkEntry(path, depth, None, (), None, locked=True)
            continue
        if max_depth is None or depth < max_depth:
            waiting.extend((join(path, name), depth + 1) for name in children)
        seen += 1
        if progress is not None and seen % progress_every == 0:
            progress(seen)
        yield WalkEntry(path, depth, stat, tuple(children), data)
    if progress is not None:
        progress(seen)
