"""Messages that carry ZooKeeper news into the Textual app. Immutable data only; posted from any thread."""

from __future__ import annotations

from dataclasses import dataclass

from kazoo.protocol.states import ZnodeStat
from textual.message import Message

from zktui.core.session import StateChange


class ConnectionChanged(Message):
    def __init__(self, change: StateChange) -> None:
        super().__init__()
        self.change = change


class TreeEventsWaiting(Message):
    """Watch events wait in the bridge: one message however many arrive before the app takes them, so a
    storm of 20,000 creates costs the event loop a handful of messages instead of 20,000."""


class Resync(Message):
    """Watches were re-added after a reconnect (events may be missing) or a new session began."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


@dataclass(frozen=True)
class ChildInfo:
    name: str
    stat: ZnodeStat | None  # None: vanished between the listing and the stat read, or not readable


class ChildrenLoaded(Message):
    """A page of a parent's children (offset -1: the refreshed window of what is shown, in `window`)."""

    def __init__(self, path: str, children: tuple[ChildInfo, ...], total: int, offset: int,
                 stat: ZnodeStat | None, locked: bool = False, names: tuple[str, ...] = (),
                 window: tuple[str, ...] = (), failed: bool = False) -> None:
        super().__init__()
        self.path = path
        self.failed = failed  # a re-read that could not be done (node gone, connection trouble)
        self.names = names
        self.window = window
        self.children = children
        self.total = total
        self.offset = offset
        self.stat = stat
        self.locked = locked


class NodeLoaded(Message):
    """The selected node's stat, ACL and data, read together."""

    def __init__(self, path: str, data: bytes | None, stat: ZnodeStat | None, acl: tuple | None,
                 error: str | None = None, locked: bool = False) -> None:
        super().__init__()
        self.path = path
        self.data = data
        self.stat = stat
        self.acl = acl
        self.error = error
        self.locked = locked


class CommandFinished(Message):
    def __init__(self, line: str, text: str, error: str | None, pinned: str | None = None) -> None:
        super().__init__()
        self.line = line
        self.text = text
        self.error = error
        self.pinned = pinned  # `members --pin PATH` ran: the live panel follows PATH as a group


class EngineNote(Message):
    """A watch event or progress line from the engine (printed in the output log)."""

    def __init__(self, text: str, progress: bool = False) -> None:
        super().__init__()
        self.text = text
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return self.progress and isinstance(message, EngineNote) and message.progress


class DiscoveryProgress(Message):
    """How far the background recipe discovery has walked (shown in the live panel, not logged)."""

    def __init__(self, nodes_read: int) -> None:
        super().__init__()
        self.nodes_read = nodes_read

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DiscoveryProgress)


class EnsemblePolled(Message):
    """One poll of every server (mode, zxid, latency, connections) for the live panel."""

    def __init__(self, snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class LiveChanged(Message):
    """The tracker saw recipes change (handovers, joins, leaves); `events` go to the timeline."""

    def __init__(self, events: list) -> None:
        super().__init__()
        self.events = events
