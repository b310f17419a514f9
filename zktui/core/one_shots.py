"""kazoo's one-shot watches (get/exists/get_children with watch=) kept across a reconnect, as the Java client does.

kazoo ends every one-shot watch with a NONE event when the connection drops, even when the session lives on,
and does not set them again on the next server. The Java client sends SetWatches after reconnecting instead:
the server sets each watch again and at once fires those whose node changed after the last zxid the client
saw, so nothing in the gap is missed. `OneShotKeeper` does that for one kazoo client:
- SUSPENDED: it takes kazoo's one-shot tables before kazoo empties them (state listeners run first), so no
  NONE event goes out;
- CONNECTED again (the same session: an expired one passes through LOST first): the watchers go back into
  kazoo's tables, which fire them as usual, and SetWatches names their paths with the client's last zxid;
- LOST (session expired or client closed): the server forgot them too; each watcher gets kazoo's NONE event.

The server fires NodeCreated for an exists watch on a node that appeared, NodeDeleted for a data watch on one
that went: so it must know which data watches were set by an exists read that found no node. Watched reads
are followed to their replies for that.
"""

from __future__ import annotations

import threading
from collections import defaultdict, namedtuple
from collections.abc import Callable
from typing import Any

from kazoo.protocol.serialization import Exists, GetData, int_struct, long_struct, write_string
from kazoo.protocol.states import Callback, EventType, KazooState, WatchedEvent

Covered = Callable[[str, bool], bool]  # (server path, for children) -> a persistent watch delivers it


class SetWatches(namedtuple("SetWatches", "relative_zxid data exist child")):
    """SetWatches{long relativeZxid; vector<ustring> dataWatches, existWatches, childWatches}: no reply body."""

    type = 101

    def serialize(self) -> bytes:
        out = bytearray(long_struct.pack(self.relative_zxid))
        for paths in (self.data, self.exist, self.child):
            out += int_struct.pack(len(paths))
            for path in paths:
                out += write_string(path)
        return bytes(out)

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> bool:
        return True


class OneShotKeeper:
    def __init__(self, client, covered_by_persistent: Covered) -> None:
        self._client = client
        self._covered = covered_by_persistent
        self._lock = threading.Lock()
        self._missing: set[str] = set()  # server paths whose last watched exists() found no node
        self._data: dict[str, set] = {}
        self._child: dict[str, set] = {}

    # -- following watched reads (any thread, as the request is queued) --

    def follow(self, request: Any, async_object: Any) -> None:
        if getattr(request, "watcher", None) is None or not isinstance(request, (Exists, GetData)):
            return
        path = request.path

        def note(result) -> None:
            if result.exception is not None:
                return
            with self._lock:
                if result.value is None:  # only exists() answers None: no node
                    self._missing.add(path)
                else:
                    self._missing.discard(path)

        async_object.rawlink(note)

    # -- kazoo state listener (connection thread) --

    def on_state(self, state: str) -> None:
        if state == KazooState.SUSPENDED:
            self._take_kazoos_tables()
        elif state == KazooState.CONNECTED:
            self._set_again()
        elif state == KazooState.LOST:
            self._end_all()

    def _take_kazoos_tables(self) -> None:
        client = self._client
        # Swap in empty tables: kazoo's _reset_watchers, next, then finds nothing to end.
        data, client._data_watchers = client._data_watchers, defaultdict(set)
        child, client._child_watchers = client._child_watchers, defaultdict(set)
        with self._lock:
            _merge(self._data, data)
            _merge(self._child, child)

    def _set_again(self) -> None:
        client = self._client
        with self._lock:
            data, child, self._data, self._child = self._data, self._child, {}, {}
            missing = set(self._missing)
        if not data and not child:
            return
        _merge(client._data_watchers, data)
        _merge(client._child_watchers, child)
        # Paths a persistent watch covers stay on this side only (see watches: it would replace that watch).
        on_server_data = sorted(p for p in data if not self._covered(p, False))
        request = SetWatches(
            client.last_zxid,
            [p for p in on_server_data if p not in missing],
            [p for p in on_server_data if p in missing],
            sorted(p for p in child if not self._covered(p, True)),
        )
        if request.data or request.exist or request.child:
            client._call(request, client.handler.async_result())

    def _end_all(self) -> None:
        with self._lock:
            watchers = [w for table in (self._data, self._child) for ws in table.values() for w in ws]
            self._data, self._child = {}, {}
            self._missing.clear()
        event = WatchedEvent(EventType.NONE, self._client._state, None)
        for watcher in watchers:
            self._client.handler.dispatch_callback(Callback("watch", watcher, (event,)))


def _merge(into: dict[str, set], tables: dict[str, set]) -> None:
    for path, watchers in tables.items():
        if watchers:
            into.setdefault(path, set()).update(watchers)
