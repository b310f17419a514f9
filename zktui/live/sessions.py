"""Which client owns which session, and on which server, from `cons` of every server; ephemerals from `dump`.

A session lives on exactly one server at a time, so a session that no server lists is gone: its ephemeral
nodes (a lock holder's, a member's) belong to a zombie until the leader expires it. That verdict needs
every server's answer; with one missing, `is_alive` says None (unknown), never False.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zktui.core.fourletter import Connection
from zktui.core.servers import DEFAULT_TIMEOUT, ServerAddress, ServerReply, ask_all


@dataclass(frozen=True)
class SessionInfo:
    session_id: int
    client: str  # the client's ip:port as the server sees it
    server: str  # the server's client address (host:port)
    connection: Connection

    @property
    def session_hex(self) -> str:
        return f"0x{self.session_id:x}"


class SessionDirectory:
    """Sessions by id; `connections_by_server` maps each asked server to its connections, or None when
    it did not answer."""

    def __init__(self, connections_by_server: Mapping[str, Sequence[Connection] | None],
                 taken_ms: int | None = None) -> None:
        self.taken_ms = int(time.time() * 1000) if taken_ms is None else taken_ms  # when the servers answered
        self._unanswered = tuple(server for server, conns in connections_by_server.items() if conns is None)
        self._by_session: dict[int, SessionInfo] = {}
        for server, connections in connections_by_server.items():
            for connection in connections or ():
                if connection.session_id is not None:  # four-letter-word connections have no session
                    self._by_session.setdefault(
                        connection.session_id,
                        SessionInfo(connection.session_id, connection.address, server, connection),
                    )

    @classmethod
    def from_replies(cls, replies: Iterable[ServerReply], asked_ms: int | None = None) -> SessionDirectory:
        """From `cons` replies (as `ask_all(servers, "cons")` gives them), asked at `asked_ms`."""
        return cls({reply.server: (None if reply.error or reply.data is None else list(reply.data))
                    for reply in replies}, taken_ms=asked_ms)

    @classmethod
    def collect(
        cls,
        servers: Sequence[ServerAddress],
        admin_ports: Mapping[str, int] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SessionDirectory:
        """Ask every server `cons` at once."""
        asked_ms = int(time.time() * 1000)
        return cls.from_replies(ask_all(servers, "cons", timeout=timeout, admin_ports=admin_ports,
                                        want_mode=False), asked_ms)

    @property
    def complete(self) -> bool:
        """Every server answered: absence from the directory then means the session is gone."""
        return not self._unanswered

    @property
    def unanswered(self) -> tuple[str, ...]:
        return self._unanswered

    def sessions(self) -> set[int]:
        return set(self._by_session)

    def info(self, session_id: int) -> SessionInfo | None:
        return self._by_session.get(session_id)

    def all(self) -> list[SessionInfo]:
        return sorted(self._by_session.values(), key=lambda info: info.session_id)

    def client_of(self, session_id: int) -> str | None:
        info = self._by_session.get(session_id)
        return info.client if info else None

    def server_of(self, session_id: int) -> str | None:
        info = self._by_session.get(session_id)
        return info.server if info else None

    def is_alive(self, session_id: int) -> bool | None:
        if session_id in self._by_session:
            return True
        return False if self.complete else None

    def is_zombie(self, session_id: int, node_ctime_ms: int) -> bool:
        """An ephemeral node whose owner is on no server, though it existed when the servers were asked
        (a node made since then may belong to a session newer than this directory)."""
        return node_ctime_ms < self.taken_ms and self.is_alive(session_id) is False


# ----- ephemeral nodes by session, from `dump` -----


def parse_dump_ephemerals(text: str) -> dict[int, list[str]]:
    """The `Sessions with Ephemerals` part of `dump`: session id -> its ephemeral paths.

    ```
    ephemeral nodes dump:
    Sessions with Ephemerals (1):
    0x100008f0a5f0000:
    \t/app/lock/_c_...-lock-0000000001
    Connections dump: ...
    ```
    """
    result: dict[int, list[str]] = {}
    current: list[str] | None = None
    in_section = False
    for line in text.splitlines():
        if line.startswith("Sessions with Ephemerals"):
            in_section = True
            continue
        if not in_section:
            continue
        if line.startswith("\t"):
            if current is not None and line.strip():
                current.append(line.strip())
        elif line.startswith("0x") and line.rstrip().endswith(":"):
            current = result.setdefault(int(line.strip().rstrip(":"), 16), [])
        elif line.strip():
            break  # the next section (Connections dump) starts
    return result


def ephemerals_from_reply(reply: ServerReply) -> dict[int, list[str]] | None:
    """One `dump` reply's ephemerals by session; None when the server gave none (down, refused)."""
    if reply.error is not None or reply.mode in ("down", "looking"):
        return None
    if reply.admin is not None:  # AdminServer `dump`: decimal session ids -> paths
        mapping = reply.admin.get("session_id_to_ephemeral_paths") or {}
        return {int(sid): sorted(paths) for sid, paths in mapping.items()}
    if "Sessions with Ephemerals" not in reply.text:
        return None
    return parse_dump_ephemerals(reply.text)


def collect_ephemerals(
    servers: Sequence[ServerAddress],
    admin_ports: Mapping[str, int] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[int, list[str]] | None:
    """Ephemeral paths by session: the leader's `dump` when it answers, else the union of the others'.

    Every server holds the whole tree, but a follower may lag the leader; None when nobody answered.
    """
    answers = [(reply.mode, ephemerals_from_reply(reply))
               for reply in ask_all(servers, "dump", timeout=timeout, admin_ports=admin_ports)]
    for mode, ephemerals in answers:
        if mode in ("leader", "standalone") and ephemerals is not None:
            return ephemerals
    merged: dict[int, set[str]] = {}
    answered = False
    for _, ephemerals in answers:
        if ephemerals is None:
            continue
        answered = True
        for session_id, paths in ephemerals.items():
            merged.setdefault(session_id, set()).update(paths)
    return {sid: sorted(paths) for sid, paths in merged.items()} if answered else None
