"""What happened, in order: failovers, members leaving, lock handovers, this client's own connection.

Events are produced on several threads (the ensemble poller, kazoo's callback and connection threads), so
`Timeline.append` takes a lock. An event's `text` is the one line people read; `data` carries the same
facts for JSON (other modules add kinds like "member-joined", "member-left", "lock-handover").
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from zktui.core.session import ConnState, Session, StateChange

DEFAULT_MAX_EVENTS = 10_000


@dataclass(frozen=True)
class TimelineEvent:
    at: float  # seconds since the epoch
    kind: str  # e.g. "leader-changed", "server-down", "connection-suspended", "member-left"
    text: str  # one line for people, without the time
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.text}"

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "text": self.text, "data": self.data}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> TimelineEvent:
        return cls(float(value["at"]), str(value["kind"]), str(value["text"]), dict(value.get("data") or {}))


# What the live tracker reports about recipes; everything else (leaders, servers, this client's connection,
# lab actions) is a failover event.
RECIPE_KINDS = ("member-", "lock-", "leadership-", "waiter-")
QUEUE_KINDS = ("waiter-added", "waiter-left")  # queue churn: kept for `timeline`, too busy for a panel


def is_failover(event: TimelineEvent) -> bool:
    return not event.kind.startswith(RECIPE_KINDS)


def highlights(events: Iterable[TimelineEvent], failovers: int = 5, others: int = 4) -> list[TimelineEvent]:
    """A few lines for a panel: the last failover events, which a busy lock's handovers must not push out,
    and the last recipe events (queue churn left out), in time order."""
    events = list(events)
    kept_failovers = [event for event in events if is_failover(event)][-failovers:]
    kept_others = [event for event in events if not is_failover(event) and event.kind not in QUEUE_KINDS][-others:]
    return sorted(kept_failovers + kept_others, key=lambda event: event.at)


class Timeline:
    """A bounded, thread-safe list of events; the oldest are dropped beyond `max_events`."""

    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self._events: deque[TimelineEvent] = deque(maxlen=max_events)
        self._lock = threading.Lock()

    def append(self, event: TimelineEvent) -> None:
        with self._lock:
            self._events.append(event)

    def extend(self, events: Iterable[TimelineEvent]) -> None:
        with self._lock:
            self._events.extend(events)

    def events(self) -> list[TimelineEvent]:
        with self._lock:
            return list(self._events)

    def lines(self) -> list[str]:
        return [event.line() for event in self.events()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def save_jsonl(self, path: str) -> int:
        """Write every event as one JSON object per line; returns how many were written."""
        events = self.events()
        with open(path, "w", encoding="utf-8") as out:
            for event in events:
                out.write(json.dumps(event.to_dict(), sort_keys=True) + "\n")
        return len(events)


def load_jsonl(path: str) -> list[TimelineEvent]:
    with open(path, encoding="utf-8") as source:
        return [TimelineEvent.from_dict(json.loads(line)) for line in source if line.strip()]


# ----- this client's own connection -----

_CONNECTED = (ConnState.CONNECTED, ConnState.READ_ONLY)


def events_from_state(change: StateChange, previous: StateChange | None) -> list[TimelineEvent]:
    """The events one state change of our own session means (none for repeats and CONNECTING)."""
    session = _hex(change.session_id)
    server = change.server or "?"
    if change.state == ConnState.SUSPENDED:
        return [_event(change, "connection-suspended", "connection SUSPENDED")]
    if change.state == ConnState.LOST:
        # The session id is still the expired one: ZooKeeper gives the new one only on reconnecting.
        return [_event(change, "session-lost", f"session {session} LOST (expired)")]
    if change.state == ConnState.CLOSED:
        return [_event(change, "connection-closed", "connection CLOSED")]
    if change.state not in _CONNECTED:
        return []  # CONNECTING: the SUSPENDED or LOST before it already said it
    read_only = " (read-only server)" if change.state == ConnState.READ_ONLY else ""
    if previous is None or previous.state == ConnState.CLOSED:
        return [_event(change, "connected", f"connected to {server}{read_only} (session {session})")]
    if change.new_session:
        # Watches and ephemeral nodes of the old session are gone: whoever shows state must re-read it.
        return [_event(change, "new-session", f"new session {session} on {server}{read_only}: everything re-read")]
    if previous.state in _CONNECTED and previous.server == change.server:
        return []
    return [_event(change, "reconnected", f"reconnected to {server}{read_only}")]


def follow_session(timeline: Timeline, session: Session) -> Callable[[StateChange], None]:
    """Record `session`'s state changes in `timeline`; returns the listener (for remove_listener).

    The listener runs on kazoo's connection thread: it only builds events and appends them.
    """
    previous: list[StateChange] = [session.current()]

    def closing() -> bool:
        # kazoo reports LOST when we close the session ourselves; its stop() sets `_stopped` first.
        stopped = getattr(session.client, "_stopped", None)
        return stopped is not None and stopped.is_set()

    def listener(change: StateChange) -> None:
        if not (change.state == ConnState.LOST and closing()):
            timeline.extend(events_from_state(change, previous[0]))
        previous[0] = change

    session.add_listener(listener)
    return listener


def timeline_of(engine: Any) -> Timeline:
    """The engine's timeline, created on first use, following whichever session the engine has now.

    Stored on the engine as `engine.timeline` (the engine does not know about live views).
    """
    timeline = getattr(engine, "timeline", None)
    if timeline is None:
        timeline = Timeline()
        engine.timeline = timeline
    session = getattr(engine, "session", None)
    if session is not None and getattr(engine, "_timeline_session", None) is not session:
        follow_session(timeline, session)
        engine._timeline_session = session
    return timeline


def _event(change: StateChange, kind: str, text: str) -> TimelineEvent:
    data = {"state": change.state.name, "server": change.server, "session": _hex(change.session_id),
            "new_session": change.new_session}
    return TimelineEvent(change.at, kind, text, data)


def _hex(session_id: int | None) -> str:
    return "?" if session_id is None else f"0x{session_id:x}"
