"""From kazoo's threads into the app: only `post_message`, never `call_from_thread`.

kazoo runs watch callbacks on one thread and state listeners on its connection thread; `call_from_thread`
would block them until the event loop runs, and `client.stop()` on quit joins that thread: a deadlock.
`post_message` queues and returns at once (and returns False once the app is closing).
"""

from __future__ import annotations

import threading

from kazoo.protocol.states import EventType

from zktui.core import protocol, watches
from zktui.core.session import ConnState, Session, StateChange
from zktui.tui.messages import ConnectionChanged, Resync, TreeEventsWaiting

EVENT_KINDS = {
    EventType.CREATED: "created",
    EventType.DELETED: "deleted",
    EventType.CHANGED: "changed",
    EventType.CHILD: "children",
}


class Bridge:
    def __init__(self, app) -> None:
        self.app = app
        self.session: Session | None = None
        self.watch_root: str | None = None
        self._events_lock = threading.Lock()
        self._events: dict[str, str] = {}  # path -> its latest kind, until the app takes them
        self._announced = False  # a TreeEventsWaiting is on its way for what is in _events

    def attach(self, session: Session) -> None:
        self.session = session
        session.add_listener(self._on_state)

    def _on_state(self, change: StateChange) -> None:
        self.app.post_message(ConnectionChanged(change))
        if change.new_session:
            self.app.post_message(Resync("the session expired; a new session started and everything was re-read"))
        elif change.state is ConnState.LOST:
            self.app.post_message(Resync("the session expired: ephemeral nodes of the old session are gone"))

    def watch_tree(self, root: str = "/") -> bool:
        """One persistent recursive watch on the tree's root (ZooKeeper 3.6+); False when unsupported.

        Blocking: call it from a worker.
        """
        try:
            protocol.add_watch(self.session.client, root, self._on_event, recursive=True)
        except Exception:  # older servers answer Unimplemented: the tree falls back to one-shot watches
            return False
        self.watch_root = root
        return True

    def _on_event(self, event) -> None:
        if event.type == watches.RESYNC:
            self.app.post_message(Resync("reconnected: watches re-added, the view was re-read"))
            return
        kind = EVENT_KINDS.get(event.type)
        if kind is not None:
            self.queue_event(event.path, kind)

    def queue_event(self, path: str, kind: str) -> None:
        """Any thread: note the event; tell the app only when nothing is waiting already."""
        with self._events_lock:
            self._events[path] = kind
            if self._announced:
                return
            self._announced = True
        self.app.post_message(TreeEventsWaiting())

    def take_events(self) -> dict[str, str]:
        """The app's thread: everything noted since the last call (the next event announces itself again)."""
        with self._events_lock:
            events, self._events = self._events, {}
            self._announced = False
        return events
