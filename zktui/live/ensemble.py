"""The ensemble's state, polled: each server's mode, zxid, latency and connections, and what changed.

One poll asks every server `srvr` and `cons` at once, with a short timeout, so one dead server costs one
timeout, not one per server. The poller never overlaps itself: whoever drives it schedules the next poll
only after the previous one returned (`run_in_thread` does exactly that), so a slow ensemble is polled
less often instead of piling up requests on servers that are already struggling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from zktui.core.fourletter import Connection, ServerSummary
from zktui.core.servers import ServerAddress, ServerReply, ask, parse_server_address
from zktui.live.sessions import SessionDirectory
from zktui.live.timeline import TimelineEvent

CONFIG_NODE = "/zookeeper/config"
POLL_TIMEOUT = 1.0  # per server and word; a server slower than this is as good as down for a live view
SERVING_MODES = ("leader", "follower", "observer", "standalone", "read-only")
LEADING_MODES = ("leader", "standalone")


@dataclass(frozen=True)
class ServerState:
    address: str  # the client address, host:port
    mode: str  # leader, follower, observer, standalone, looking, down (or unknown)
    zxid: int | None = None
    latency_ms: float | None = None  # average
    connections: int | None = None
    outstanding: int | None = None
    error: str | None = None

    @property
    def epoch(self) -> int | None:
        return None if self.zxid is None else self.zxid >> 32

    @property
    def counter(self) -> int | None:
        return None if self.zxid is None else self.zxid & 0xFFFFFFFF

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address, "mode": self.mode,
            "zxid": None if self.zxid is None else f"0x{self.zxid:x}",
            "epoch": self.epoch, "counter": self.counter, "latency_ms": self.latency_ms,
            "connections": self.connections, "outstanding": self.outstanding, "error": self.error,
        }


@dataclass(frozen=True)
class EnsembleSnapshot:
    at: float
    servers: tuple[ServerState, ...]
    # Each server's `cons`, None where it did not answer: the SessionDirectory is built from it.
    connections: tuple[tuple[str, tuple[Connection, ...] | None], ...] = ()

    @property
    def leader(self) -> ServerState | None:
        return next((server for server in self.servers if server.mode in LEADING_MODES), None)

    def server(self, address: str) -> ServerState | None:
        return next((server for server in self.servers if server.address == address), None)

    def directory(self) -> SessionDirectory:
        return SessionDirectory(dict(self.connections), taken_ms=int(self.at * 1000))


# ----- which servers -----


def servers_from_config(text: str) -> list[str]:
    """Client addresses from `/zookeeper/config` lines `server.N=host:p1:p2[:role];[clienthost:]clientport`.

    A wildcard client host (0.0.0.0, ::) means "every interface": the server's own host is used instead.
    Servers without a client part are skipped: their client port is not known.
    """
    addresses = []
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or not key.startswith("server."):
            continue
        quorum, _, client = value.partition(";")
        if not client:
            continue
        quorum_host = _host_of(quorum)
        client_host, colon, client_port = client.strip().rpartition(":")
        if not colon:  # only a port
            client_host, client_port = "", client.strip()
        client_host = client_host.strip("[]")
        if client_host in ("", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"):
            client_host = quorum_host
        host = f"[{client_host}]" if ":" in client_host else client_host
        addresses.append(f"{host}:{client_port}")
    return addresses


def _host_of(quorum: str) -> str:
    """`host:p1:p2:role` or `[v6]:p1:p2` -> host."""
    if quorum.startswith("["):
        return quorum[1:quorum.index("]")]
    return quorum.split(":", 1)[0]


def merge_servers(*groups: Sequence[str]) -> list[ServerAddress]:
    """Every distinct address of the groups, in first-seen order; unparsable ones are dropped."""
    seen: dict[str, ServerAddress] = {}
    for group in groups:
        for text in group:
            try:
                address = parse_server_address(text)
            except ValueError:
                continue
            seen.setdefault(str(address), address)
    return list(seen.values())


# ----- polling -----


class EnsemblePoller:
    """Polls every server; `client` (a KazooClient), when given, adds the servers of `/zookeeper/config`."""

    def __init__(
        self,
        servers: Sequence[str],
        admin_ports: Mapping[str, int] | None = None,
        interval: float = 2.0,
        timeout: float = POLL_TIMEOUT,
        client: Any = None,
    ) -> None:
        self.connect_servers = list(servers)
        self.admin_ports = dict(admin_ports or {}) or None
        self.interval = interval
        self.timeout = timeout
        self.client = client
        self.last_leader: ServerState | None = None  # the last leader any poll saw, across leaderless polls

    def servers(self) -> list[ServerAddress]:
        return merge_servers(self.connect_servers, self._configured_servers())

    def _configured_servers(self) -> list[str]:
        if self.client is None:
            return []
        try:
            data, _ = self.client.get(CONFIG_NODE)
        except Exception:  # noqa: BLE001 - no config (old server, no access, disconnected): the connect string will do
            return []
        return servers_from_config((data or b"").decode("utf-8", errors="replace"))

    def poll_once(self) -> EnsembleSnapshot:
        """Ask every server `srvr` and `cons` in parallel; blocks for at most about one timeout."""
        servers = self.servers()
        jobs = [(server, word) for server in servers for word in ("srvr", "cons")]
        started = time.time()
        if not jobs:
            return EnsembleSnapshot(started, ())
        with ThreadPoolExecutor(max_workers=min(16, len(jobs)), thread_name_prefix="zktui-poll") as pool:
            replies = list(pool.map(lambda job: ask(job[0], job[1], self.timeout, self.admin_ports,
                                                    want_mode=False), jobs))
        states, connections = [], []
        for srvr, cons in zip(replies[::2], replies[1::2], strict=True):
            states.append(_state_from_reply(srvr))
            answered = cons.error is None and isinstance(cons.data, list)
            connections.append((cons.server, tuple(cons.data) if answered else None))
        return EnsembleSnapshot(started, tuple(states), tuple(connections))

    def poll_and_diff(self, before: EnsembleSnapshot | None) -> tuple[EnsembleSnapshot, list[TimelineEvent]]:
        """One poll and what changed since `before` (no events for the first poll)."""
        after = self.poll_once()
        events = diff(before, after, self.last_leader) if before is not None else []
        if after.leader is not None:
            self.last_leader = after.leader
        return after, events

    def run_in_thread(
        self,
        callback: Callable[[EnsembleSnapshot, list[TimelineEvent]], None],
        stop_event: threading.Event,
    ) -> threading.Thread:
        """Poll until `stop_event` is set, `interval` seconds after each poll ended; a daemon thread.

        `callback(snapshot, events)` runs on that thread: it must not block (post a message, append to a
        Timeline). An exception in it stops nothing: the next poll still comes.
        """

        def loop() -> None:
            before: EnsembleSnapshot | None = None
            while not stop_event.is_set():
                before, events = self.poll_and_diff(before)
                try:
                    callback(before, events)
                except Exception:  # noqa: BLE001 - a front end's bug must not end the live view
                    pass
                stop_event.wait(self.interval)

        thread = threading.Thread(target=loop, name="zktui-ensemble-poller", daemon=True)
        thread.start()
        return thread


def _state_from_reply(reply: ServerReply) -> ServerState:
    if reply.down or reply.mode == "down":
        return ServerState(reply.server, "down", error=reply.error)
    summary = reply.data if isinstance(reply.data, ServerSummary) else None
    if summary is None:
        return ServerState(reply.server, reply.mode or "unknown", error=reply.error)
    return ServerState(
        reply.server, summary.mode, zxid=summary.zxid, latency_ms=summary.latency_avg,
        connections=summary.connections, outstanding=summary.outstanding, error=reply.error,
    )


# ----- what changed -----


def diff(
    before: EnsembleSnapshot, after: EnsembleSnapshot, last_leader: ServerState | None = None
) -> list[TimelineEvent]:
    """Events between two polls: leader changed (or re-elected with a new epoch), server down, up, looking.

    `last_leader` is the leader seen before `before` when `before` itself had none (an election was under
    way during that poll), so a failover reads "A -> B" rather than "none -> B".
    """
    events = []
    for server in after.servers:
        old = before.server(server.address)
        if old is None or old.mode == server.mode:
            continue
        if server.mode == "down":
            reason = f": {server.error}" if server.error else ""
            events.append(_event(after, "server-down", f"server {server.address} down{reason}",
                                 server=server.address, was=old.mode))
        elif old.mode == "down":
            events.append(_event(after, "server-up", f"server {server.address} up ({server.mode})",
                                 server=server.address, mode=server.mode))
        elif server.mode == "looking":
            events.append(_event(after, "server-looking", f"server {server.address} looking (electing a leader)",
                                 server=server.address, was=old.mode))
    events.extend(_leader_events(before, after, last_leader))
    return events


def _leader_events(
    before: EnsembleSnapshot, after: EnsembleSnapshot, last_leader: ServerState | None
) -> list[TimelineEvent]:
    new = after.leader
    if new is None:
        return []
    old_state = before.leader or last_leader
    old = old_state.address if old_state else None
    if old_state is not None and old == new.address and (old_state.epoch or 0) >= (new.epoch or 0):
        return []  # the same reign
    if old == new.address:
        text = f"leader re-elected {new.address} (epoch {new.epoch})"
    else:
        text = f"leader changed {old or 'none'} -> {new.address} (epoch {new.epoch})"
    return [_event(after, "leader-changed", text, old=old, new=new.address, epoch=new.epoch)]


def _event(snapshot: EnsembleSnapshot, kind: str, text: str, **data: Any) -> TimelineEvent:
    return TimelineEvent(snapshot.at, kind, text, data)
