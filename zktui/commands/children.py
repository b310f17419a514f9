"""Znode children for path completion: fetched on demand, cached per parent, kept live by one-shot watches.

Completion asks for the same parent on every keystroke, so each parent is read once and cached; a child
watch on it drops the entry when the children change, and the next keystroke reads it again. Reads run
on the completer's background thread, never on the one that draws the prompt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NoNodeError
from kazoo.handlers.threading import KazooTimeoutError

from zktui.core.session import ConnState, Session, StateChange

_RECONNECTED = (ConnState.CONNECTED, ConnState.READ_ONLY)
_WATCHES_GONE = (ConnState.LOST, ConnState.CLOSED)


class ChildrenCache:
    def __init__(self, current_session: Callable[[], Session | None], timeout: float = 5.0) -> None:
        self._current_session = current_session
        self._timeout = timeout
        self._lock = threading.Lock()
        self._client: KazooClient | None = None
        self._names: dict[str, list[str]] = {}
        self._watched: set[str] = set()  # parents with a child watch outstanding on the server
        self._generation = 0  # bumped whenever entries are dropped, so a read that raced it is not cached
        self._epoch = 0  # bumped when the server forgets our watches (another client, another session)

    def __call__(self, parent: str) -> list[str] | None:
        return self.children(parent)

    def cached(self, parent: str) -> list[str] | None:
        with self._lock:
            names = self._names.get(parent)
        return None if names is None else list(names)

    def children(self, parent: str) -> list[str] | None:
        """The children of `parent`; None when they cannot be known now (not connected, no answer)."""
        session = self._current_session()
        if session is None or not session.connected:
            return None
        client = session.client
        with self._lock:
            if client is not self._client:  # `connect` opened another session: nothing carries over
                self._reset_locked(client)
            if parent in self._names:
                return list(self._names[parent])
            generation, epoch, needs_watch = self._generation, self._epoch, parent not in self._watched
            if needs_watch:
                self._watched.add(parent)
        watch = self._watcher(parent, epoch) if needs_watch else None
        try:
            names = client.get_children_async(parent, watch=watch).get(timeout=self._timeout)
        except NoNodeError:
            self._unwatch(parent, epoch)
            return []  # not cached: the node may be created any moment, and no watch was left
        except (KazooException, KazooTimeoutError, ValueError):
            self._unwatch(parent, epoch)
            return None
        with self._lock:
            if generation == self._generation:
                self._names[parent] = list(names)
        return list(names)

    def on_state(self, change: StateChange) -> None:
        """Session listener (kazoo's connection thread): after a reconnect, read everything afresh."""
        if change.state in _RECONNECTED or change.state in _WATCHES_GONE:
            with self._lock:
                self._names.clear()
                self._generation += 1
                if change.new_session or change.state in _WATCHES_GONE:
                    self._watched.clear()  # the server forgot the old session's watches
                    self._epoch += 1

    def reset(self) -> None:
        with self._lock:
            self._reset_locked(self._client)

    def _reset_locked(self, client: KazooClient | None) -> None:
        self._client = client
        self._names.clear()
        self._watched.clear()
        self._generation += 1
        self._epoch += 1

    def _unwatch(self, parent: str, epoch: int) -> None:
        with self._lock:
            if epoch == self._epoch:
                self._watched.discard(parent)

    def _watcher(self, parent: str, epoch: int) -> Callable[[object], None]:
        def children_changed(event: object) -> None:  # kazoo's callback thread: bookkeeping only
            with self._lock:
                if epoch == self._epoch:
                    self._watched.discard(parent)
                self._names.pop(parent, None)
                self._generation += 1  # a read of this parent in flight right now may be stale already

        return children_changed
