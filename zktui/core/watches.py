"""Persistent watches (ZooKeeper 3.6+ addWatch) on a kazoo client: wire requests, registry, dispatch.

kazoo 2.11 only knows one-shot watches: its connection handler looks a notification's path up in its own
tables and pops the callbacks. A persistent watch keeps firing, and a recursive one fires for paths below
the one registered, so `install(client)` wraps that one method on this client's connection handler (no
global patching; installing twice returns the same registry) and offers every notification to a registry
after kazoo has handled it. kazoo's one-shot watches keep working unchanged.

Contract for handlers (`handler(event: WatchedEvent)`):
- Called on kazoo's callback thread (`client.handler.dispatch_callback`), never on the connection thread,
  in the order the server sent the events; each event reaches a handler once even if several of its
  registrations match. Paths have the client's chroot stripped. A handler is not removed after firing.
- PERSISTENT_RECURSIVE on /a: CREATED, DELETED, CHANGED for /a and every path below it; no CHILD events.
  PERSISTENT on /a: CREATED, DELETED, CHANGED and CHILD for /a only.
- No event for the state at registration: read it after add_watch returns.
- `event.type == RESYNC` (path = the watch's own path): the connection was re-established and the watch
  re-added; events in the gap may be lost, so re-read whatever the handler shows. It is queued as soon as
  the server confirms the re-add, so it precedes every event of the new registration.
- `event.type == REMOVED`: the server said it dropped the watch (PersistentWatchRemoved); nothing follows.
  `remove_watches` does not send it: the caller already knows.

Server watches belong to one connection and kazoo restores none after a reconnect, so every registration is
re-added on each transition to CONNECTED, whether the session survived (after SUSPENDED) or is new (after
LOST). kazoo's own one-shot watches are kept by `one_shots` (installed here too) while the session lives.

ZooKeeper 3.8 keeps one watch mode per path and connection (ZOOKEEPER-4466, fixed in 3.9): a second
addWatch with the other mode, or a kazoo one-shot watch (get/exists/get_children with watch=) on the very
same path, replaces the persistent watch on the server, and events below that path stop without a word.
`register` refuses the first case. For the second, `install` also wraps the client's request queue: a
one-shot watch that would replace a persistent one is kept on this side only (in kazoo's own one-shot
tables) and the read goes out without it; the persistent watch's events for that path fire it, once, as
the server would have. So `get -w /` typed while the tree follows `/` leaves the tree's watch alone.
kazoo's one-shot watches also survive a reconnect now (SetWatches, as the Java client does): see one_shots.
"""

from __future__ import annotations

import logging
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss, SessionExpiredError
from kazoo.protocol.serialization import GetChildren, GetChildren2, Watch, int_struct, write_string
from kazoo.protocol.states import EVENT_TYPE_MAP, Callback, KazooState, WatchedEvent

from zktui.core.one_shots import OneShotKeeper

log = logging.getLogger(__name__)

Handler = Callable[[WatchedEvent], Any]

RESYNC = "RESYNC"
REMOVED = "REMOVED"

# AddWatch modes (org.apache.zookeeper.AddWatchMode)
PERSISTENT = 0
PERSISTENT_RECURSIVE = 1

# Watcher.Event.EventType codes as sent in a notification
NODE_CREATED = 1
NODE_DELETED = 2
NODE_DATA_CHANGED = 3
NODE_CHILDREN_CHANGED = 4
DATA_WATCH_REMOVED = 5
CHILD_WATCH_REMOVED = 6
PERSISTENT_WATCH_REMOVED = 7
_NODE_EVENTS = (NODE_CREATED, NODE_DELETED, NODE_DATA_CHANGED)

_REGISTRY_ATTRIBUTE = "_zktui_persistent_watches"
_install_lock = threading.Lock()


# ----- wire requests -----


class AddWatch(namedtuple("AddWatch", "path mode")):
    """AddWatchRequest{ustring path; int mode}: the reply has no body."""

    type = 106

    def serialize(self) -> bytes:
        return write_string(self.path) + int_struct.pack(self.mode)

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> bool:
        return True


class RemoveWatches(namedtuple("RemoveWatches", "path watcher_type")):
    """RemoveWatchesRequest{ustring path; int type}; no field named `type`: kazoo keeps the opcode there."""

    type = 18

    def serialize(self) -> bytes:
        return write_string(self.path) + int_struct.pack(self.watcher_type)

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> bool:
        return True


class CheckWatches(RemoveWatches):
    """CheckWatchesRequest{ustring path; int type}: succeeds when this connection holds such a watch."""

    type = 17


# ----- which registrations an event reaches (pure) -----

Key = tuple[str, bool]  # (server path, recursive)


def self_and_ancestors(path: str) -> Iterator[str]:
    """/a/b/c -> /a/b/c, /a/b, /a, /"""
    while True:
        yield path
        if path == "/":
            return
        path = path.rsplit("/", 1)[0] or "/"


def matching_keys(event_type: int, path: str) -> Iterator[Key]:
    """The registrations a notification of event_type on path belongs to, by ZooKeeper's rules."""
    if event_type == NODE_CHILDREN_CHANGED:
        yield (path, False)
    elif event_type in _NODE_EVENTS:
        yield (path, False)
        for ancestor in self_and_ancestors(path):
            yield (ancestor, True)


def keys_dropped_by(kind: str, path: str) -> tuple[Key, ...]:
    """What removeWatches of kind takes away locally, as ZooKeeper's Java client does it."""
    if kind == "children":
        return ((path, False),)
    return ((path, False), (path, True))


class WatchTable:
    """Handlers per registration; thread-safe, no I/O."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[Key, list[Handler]] = {}

    def add(self, key: Key, handler: Handler) -> None:
        path, recursive = key
        with self._lock:
            if (path, not recursive) in self._handlers:
                raise ValueError(
                    f"{path} already has a {'non-' if recursive else ''}recursive persistent watch; "
                    "ZooKeeper 3.8 keeps one watch mode per path, so another mode would silently replace it"
                )
            handlers = self._handlers.setdefault(key, [])
            if handler not in handlers:
                handlers.append(handler)

    def discard(self, key: Key, handler: Handler) -> None:
        with self._lock:
            handlers = self._handlers.get(key, [])
            if handler in handlers:
                handlers.remove(handler)
            if not handlers:
                self._handlers.pop(key, None)

    def drop(self, keys: tuple[Key, ...]) -> dict[Key, list[Handler]]:
        with self._lock:
            return {key: self._handlers.pop(key) for key in keys if key in self._handlers}

    def holds_any(self, keys: tuple[Key, ...]) -> bool:
        with self._lock:
            return any(key in self._handlers for key in keys)

    def handlers(self, key: Key) -> list[Handler]:
        with self._lock:
            return list(self._handlers.get(key, ()))

    def keys(self) -> list[Key]:
        with self._lock:
            return list(self._handlers)

    def match(self, event_type: int, path: str) -> list[Handler]:
        """Handlers for this event, each once, in registration order of the matching keys."""
        found: list[Handler] = []
        with self._lock:
            for key in matching_keys(event_type, path):
                for handler in self._handlers.get(key, ()):
                    if handler not in found:
                        found.append(handler)
        return found


# ----- one client's registry -----


class _ReAddReply:
    """Stands in for an async result when re-adding: kazoo calls set() on its connection thread as it
    reads the reply, and queuing RESYNC right there puts it ahead of every event of the new registration."""

    def __init__(self, registry: PersistentWatches, key: Key) -> None:
        self._registry = registry
        self._key = key

    def set(self, value: object = None) -> None:
        self._registry._deliver(self._registry._table.handlers(self._key), RESYNC, self._key[0])

    def set_exception(self, exception: BaseException) -> None:
        # A lost connection or session is retried on the next CONNECTED; anything else leaves it unarmed.
        retried = isinstance(exception, (ConnectionLoss, SessionExpiredError))
        log.log(
            logging.DEBUG if retried else logging.WARNING,
            "re-adding persistent watch on %s (recursive=%s) failed: %r",
            *self._key,
            exception,
        )


class PersistentWatches:
    """The persistent watches of one KazooClient. Obtain it with `install(client)`."""

    def __init__(self, client: KazooClient) -> None:
        self._client = client
        self._table = WatchTable()

    # -- registrations --

    def register(self, path: str, handler: Handler, recursive: bool) -> Key:
        """Deliver events for the server path to handler; the caller sends AddWatch next.

        Registering before the request goes out means no event can slip in between the server's reply
        and the registration. Raises ValueError for a second mode on the same path.
        """
        if not callable(handler):
            raise TypeError("handler must be callable")
        key = (path, bool(recursive))
        self._table.add(key, handler)
        return key

    def unregister(self, key: Key, handler: Handler) -> None:
        """Undo register, when the server refused the watch."""
        self._table.discard(key, handler)

    def forget(self, path: str, kind: str) -> None:
        """Stop local delivery for what removeWatches(path, kind) removes, kazoo's one-shot watchers too."""
        self._table.drop(keys_dropped_by(kind, path))
        # kazoo only touches these dicts on its connection thread and dict.pop is atomic: safe from here.
        if kind in ("children", "any"):
            self._client._child_watchers.pop(path, None)
        if kind in ("data", "any"):
            self._client._data_watchers.pop(path, None)

    def registered(self) -> list[Key]:
        """(server path, recursive) of every registration, for display and tests."""
        return self._table.keys()

    # -- hooks into kazoo --

    def covers_one_shot(self, path: str, for_children: bool) -> bool:
        """A persistent watch of ours on this very server path that a one-shot watch there would replace,
        and whose events fire that one-shot watch: child events come from non-recursive persistent watches
        only, data events from either mode."""
        replaced = ((path, False),) if for_children else ((path, False), (path, True))
        return self._table.holds_any(replaced)

    def sparing_persistent_watches(self, request: Any, async_object: Any) -> Any:
        """The request to queue in place of request: without its one-shot watch when the server would let that
        watch replace a persistent one of ours on the same path (ZOOKEEPER-4466). The one-shot watcher is then
        filed in kazoo's table at once, where our persistent watch's next event for the path fires it; it is
        taken out again if the read fails, as kazoo files it only after a successful read."""
        watcher = getattr(request, "watcher", None)
        if watcher is None:
            return request
        for_children = isinstance(request, (GetChildren, GetChildren2))
        if not self.covers_one_shot(request.path, for_children):
            return request
        one_shots = self._client._child_watchers if for_children else self._client._data_watchers
        one_shots[request.path].add(watcher)

        def forget_if_failed(result) -> None:
            if result.exception is not None:
                one_shots.get(request.path, set()).discard(watcher)

        async_object.rawlink(forget_if_failed)
        return request._replace(watcher=None)

    def on_notification(self, kazoo_reader: Callable[[bytes, int], None], buffer: bytes, offset: int) -> None:
        """Runs on kazoo's connection thread for every notification (xid -1), in place of kazoo_reader."""
        watch, _ = Watch.deserialize(buffer, offset)
        if watch.type in (DATA_WATCH_REMOVED, CHILD_WATCH_REMOVED, PERSISTENT_WATCH_REMOVED):
            # kazoo knows types 1-4 only. The Java client makes these up itself; 3.8 never sends them.
            self._on_removed_by_server(watch)
            return
        client = self._client
        if watch.path in client._data_watchers or watch.path in client._child_watchers:
            kazoo_reader(buffer, offset)  # kazoo's one-shot watchers first, exactly as without us
        self._deliver(self._table.match(watch.type, watch.path), EVENT_TYPE_MAP.get(watch.type), watch.path)

    def on_state(self, state: str) -> None:
        """kazoo state listener (connection thread): on every CONNECTED, re-add from the callback thread."""
        if state == KazooState.CONNECTED and self._table.keys():
            self._client.handler.dispatch_callback(Callback("rearm", self._re_add_all, ()))

    # -- internals --

    def _re_add_all(self) -> None:
        for key in self._table.keys():
            self._client._call(AddWatch(key[0], mode_of(key)), _ReAddReply(self, key))

    def _on_removed_by_server(self, watch: Watch) -> None:
        log.debug("server removed a watch: %s", watch)
        if watch.type == PERSISTENT_WATCH_REMOVED:
            dropped = self._table.drop(((watch.path, False), (watch.path, True)))
            self._deliver([h for handlers in dropped.values() for h in handlers], REMOVED, watch.path)

    def _deliver(self, handlers: list[Handler], event_type: str | None, server_path: str) -> None:
        if not handlers or event_type is None or self._client._stopped.is_set():
            return
        event = WatchedEvent(event_type, self._client._state, self._client.unchroot(server_path))
        # One callback for all of them: each dispatch wakes kazoo's callback thread, thousands of times a
        # second in a storm, and the handlers still run one after another on that thread.
        self._client.handler.dispatch_callback(Callback("watch", _call_each, (handlers, event)))


def _call_each(handlers: list[Handler], event: WatchedEvent) -> None:
    """kazoo's callback thread: one handler failing must not keep the event from the others."""
    for handler in handlers:
        try:
            handler(event)
        except Exception:
            log.exception("watch handler %r failed on %s", handler, event)


def mode_of(key: Key) -> int:
    """The AddWatch mode for a registration."""
    return PERSISTENT_RECURSIVE if key[1] else PERSISTENT


def install(client: KazooClient) -> PersistentWatches:
    """The client's persistent-watch registry, hooking it into this client on first use."""
    with _install_lock:
        registry = getattr(client, _REGISTRY_ATTRIBUTE, None)
        if registry is not None:
            return registry
        registry = PersistentWatches(client)
        connection = client._connection
        kazoo_read_watch_event = connection._read_watch_event  # the class's method, bound to this handler

        def read_watch_event(buffer: bytes, offset: int) -> None:
            registry.on_notification(kazoo_read_watch_event, buffer, offset)

        # An instance attribute shadows the method for this connection handler only.
        connection._read_watch_event = read_watch_event

        kept = OneShotKeeper(client, registry.covers_one_shot)  # one-shot watches across reconnects
        client.add_listener(kept.on_state)
        kazoo_call = client._call  # every request passes here on its way to the connection's queue
        sending = threading.Lock()

        def call(request, async_object):
            kept.follow(request, async_object)
            # Deciding about a one-shot watch and queuing the read happen together, so an addWatch
            # registered meanwhile is either seen here or queued after this read (then it wins on the server).
            with sending:
                return kazoo_call(registry.sparing_persistent_watches(request, async_object), async_object)

        client._call = call
        client.add_listener(registry.on_state)
        setattr(client, _REGISTRY_ATTRIBUTE, registry)
        return registry
