"""Four-letter words (`srvr`, `mntr`, `cons`, ...) and the AdminServer's HTTP `/commands`.

Plain sockets and urllib only: the sandbox, the ensemble poller and the commands all use it,
and none of them may block a UI thread (callers run it in workers).

The parsers take the text as a ZooKeeper 3.5-3.9 server writes it; the `*_from_admin` functions turn the
AdminServer's JSON for the same command into the same shape, so callers need not care where it came from.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass

FOUR_LETTER_WORDS = ("srvr", "stat", "mntr", "cons", "wchs", "wchp", "wchc", "dump", "conf", "ruok", "envi", "isro")

NOT_SERVING = "This ZooKeeper instance is not currently serving requests"


class FourLetterWordError(Exception):
    """The server could not be reached or refused the word; `reason` says why without the address."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class NotWhitelisted(FourLetterWordError):
    """The word is not in the server's `4lw.commands.whitelist`."""


def four_letter_word(host: str, port: int, word: str, timeout: float = 2.0) -> str:
    """Send one four-letter word and return the server's whole reply as text."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(word.encode("ascii"))
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except TimeoutError as exc:  # connected, but a paused or overloaded server says nothing
        reason = f"no answer within {timeout:g} s"
        raise FourLetterWordError(f"{host}:{port}: {reason}", reason) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FourLetterWordError(f"{host}:{port}: {reason}", reason) from exc
    reply = b"".join(chunks).decode("utf-8", errors="replace")
    if "is not executed because it is not in the whitelist" in reply:
        reason = f"{word} is not in the server's 4lw.commands.whitelist"
        raise NotWhitelisted(f"{host}:{port}: {reason}", reason)
    return reply


def admin_command(host: str, admin_port: int, command: str, timeout: float = 2.0) -> dict:
    """GET the AdminServer's `/commands/<command>` and return its JSON object.

    The server's own complaints ("not currently serving", "Unknown command") come back as JSON with a
    non-null "error"; they are returned, not raised. Raises FourLetterWordError when no AdminServer
    answered with JSON.
    """
    host_part = f"[{host}]" if ":" in host else host
    url = f"http://{host_part}:{admin_port}/commands/{command}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        # 3.8 answers some commands on a server that is not serving with an HTTP 500 page.
        body = exc.read()
        if not _is_admin_json(body):
            reason = f"AdminServer {command}: HTTP {exc.code} {exc.reason}"
            raise FourLetterWordError(f"{host}:{admin_port}: {reason}", reason) from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        error = getattr(exc, "reason", exc)
        reason = f"AdminServer {command}: {getattr(error, 'strerror', None) or error}"
        raise FourLetterWordError(f"{host}:{admin_port}: {reason}", reason) from exc
    if not _is_admin_json(body):
        reason = f"AdminServer {command}: the answer is not the AdminServer's JSON"
        raise FourLetterWordError(f"{host}:{admin_port}: {reason}", reason)
    return json.loads(body.decode("utf-8"))


def _is_admin_json(body: bytes) -> bool:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(value, dict) and "command" in value


@dataclass(frozen=True)
class ServerSummary:
    """What `srvr` says about one server."""

    mode: str  # leader, follower, observer, standalone, read-only, or looking (running, not serving)
    zxid: int | None = None
    latency_min: float | None = None
    latency_avg: float | None = None
    latency_max: float | None = None
    connections: int | None = None
    outstanding: int | None = None
    node_count: int | None = None
    version: str | None = None

    @property
    def epoch(self) -> int | None:
        return None if self.zxid is None else self.zxid >> 32

    @property
    def serving(self) -> bool:
        return self.mode in ("leader", "follower", "observer", "standalone", "read-only")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["zxid"] = None if self.zxid is None else f"0x{self.zxid:x}"
        return data


def parse_srvr(text: str) -> ServerSummary:
    """Parse the reply of `srvr` (or `stat`, which starts with the same lines)."""
    if NOT_SERVING in text:
        return ServerSummary(mode="looking")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    mode = fields.get("mode", "unknown")
    latency = fields.get("latency min/avg/max", "")
    parts = latency.split("/") if latency else []

    def number(value: str | None, kind=int):
        try:
            return kind(value) if value is not None else None
        except ValueError:
            return None

    zxid_text = fields.get("zxid")
    return ServerSummary(
        mode=mode,
        zxid=int(zxid_text, 16) if zxid_text and zxid_text.startswith("0x") else None,
        latency_min=number(parts[0], float) if len(parts) == 3 else None,
        latency_avg=number(parts[1], float) if len(parts) == 3 else None,
        latency_max=number(parts[2], float) if len(parts) == 3 else None,
        connections=number(fields.get("connections")),
        outstanding=number(fields.get("outstanding")),
        node_count=number(fields.get("node count")),
        version=fields.get("zookeeper version"),
    )


def server_summary(host: str, port: int, timeout: float = 2.0) -> ServerSummary:
    """`srvr` on one server; raises FourLetterWordError when it does not answer."""
    return parse_srvr(four_letter_word(host, port, "srvr", timeout=timeout))


def summary_from_admin(data: dict) -> ServerSummary:
    """The AdminServer's `server_stats` (or `stats`) JSON as a ServerSummary."""
    if data.get("error"):
        return ServerSummary(mode="looking" if NOT_SERVING in str(data["error"]) else "unknown")
    stats = data.get("server_stats") or {}
    return ServerSummary(
        mode=str(stats.get("server_state", "unknown")),
        zxid=stats.get("last_processed_zxid"),
        latency_min=_float(stats.get("min_latency")),
        latency_avg=_float(stats.get("avg_latency")),
        latency_max=_float(stats.get("max_latency")),
        connections=stats.get("num_alive_client_connections"),
        outstanding=stats.get("outstanding_requests"),
        node_count=data.get("node_count"),
        version=data.get("version"),
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


# ----- mntr -----

MntrValue = int | float | str


def parse_mntr(text: str) -> dict[str, MntrValue]:
    """`mntr`'s `key<TAB>value` lines as a dict; numbers become int or float, the rest stays text.

    A server that is not serving answers with one sentence and no tab: the result is then empty.
    """
    values: dict[str, MntrValue] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("\t")
        if sep and key:
            values[key] = _number_or_text(value)
    return values


def mntr_from_admin(data: dict) -> dict[str, MntrValue]:
    """The AdminServer's `monitor` JSON with mntr's `zk_` names (mntr prints the same map with the prefix)."""
    return {f"zk_{key}": value for key, value in data.items() if key not in ("command", "error")}


def _number_or_text(value: str) -> MntrValue:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


# ----- cons -----


@dataclass(frozen=True)
class Connection:
    """One client connection as `cons` (or the AdminServer's `connections`) describes it."""

    address: str  # the client's ip:port as the server sees it ("[::1]:5000" for IPv6)
    session_id: int | None  # None before a session is established (e.g. a four-letter-word connection)
    queued: int | None = None  # requests received and not yet answered
    received: int | None = None  # packets
    sent: int | None = None
    established: int | None = None  # when the session was established on this server, ms since the epoch
    timeout: int | None = None  # negotiated session timeout, ms
    last_operation: str | None = None  # e.g. GETD, CREA, PING
    last_cxid: int | None = None
    last_zxid: int | None = None
    last_response: int | None = None  # the server's monotonic clock in ms: only differences mean anything
    last_latency: int | None = None  # ms
    min_latency: int | None = None
    avg_latency: int | None = None
    max_latency: int | None = None
    interest_ops: int | None = None

    @property
    def host(self) -> str:
        """The client's address without the port."""
        return self.address.rpartition(":")[0].strip("[]") or self.address

    @property
    def session_hex(self) -> str | None:
        return None if self.session_id is None else f"0x{self.session_id:x}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["session_id"] = self.session_hex
        for key in ("last_cxid", "last_zxid"):
            if data[key] is not None:
                data[key] = f"0x{data[key]:x}"
        return data


# ` /127.0.0.1:39648[1](queued=0,recved=9,sent=9,sid=0x2000...,lop=CREA,est=...,lzxid=0x1...,...)`
_CONS_LINE = re.compile(r"^\s*(?P<address>\S+?)\[(?P<ops>[0-9a-fA-F]+)\]\((?P<fields>[^()]*)\)\s*$")
_CONS_INT_FIELDS = {
    "queued": "queued", "recved": "received", "sent": "sent", "est": "established", "to": "timeout",
    "lresp": "last_response", "llat": "last_latency", "minlat": "min_latency", "avglat": "avg_latency",
    "maxlat": "max_latency",
}
_CONS_HEX_FIELDS = {"sid": "session_id", "lcxid": "last_cxid", "lzxid": "last_zxid"}


def parse_cons(text: str) -> list[Connection]:
    """Every connection line of `cons` (lines that are not connections, e.g. a blank end, are skipped)."""
    connections = []
    for line in text.splitlines():
        match = _CONS_LINE.match(line)
        if match:
            connections.append(_connection_from_line(match))
    return connections


def _connection_from_line(match: re.Match) -> Connection:
    values: dict = {"interest_ops": int(match["ops"], 16), "session_id": None}
    for item in match["fields"].split(","):
        key, _, value = item.partition("=")
        try:
            if key in _CONS_INT_FIELDS:
                values[_CONS_INT_FIELDS[key]] = int(value)
            elif key in _CONS_HEX_FIELDS:
                values[_CONS_HEX_FIELDS[key]] = int(value, 16)
            elif key == "lop":
                values["last_operation"] = value
        except ValueError:
            continue  # a field this version writes differently: leave it unknown rather than fail
    values["session_id"] = values["session_id"] or None  # sid 0: no session yet
    return Connection(address=_socket_address(match["address"]), **values)


def _socket_address(java_text: str) -> str:
    """Java's `hostname/ip:port` (hostname often empty) -> `ip:port`; IPv6 gets brackets."""
    address = java_text.rpartition("/")[2]
    host, _, port = address.rpartition(":")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}" if host else address


def connections_from_admin(data: dict) -> list[Connection]:
    """The AdminServer's `connections` JSON (plain and secure connections) as Connection objects."""
    connections = []
    for entry in [*(data.get("connections") or []), *(data.get("secure_connections") or [])]:
        connections.append(
            Connection(
                address=_socket_address(str(entry.get("remote_socket_address", ""))),
                session_id=entry.get("session_id") or None,
                queued=entry.get("outstanding_requests"),
                received=entry.get("packets_received"),
                sent=entry.get("packets_sent"),
                established=entry.get("established"),
                timeout=entry.get("session_timeout"),
                last_operation=entry.get("last_operation"),
                last_cxid=entry.get("last_cxid"),
                last_zxid=entry.get("last_zxid"),
                last_response=entry.get("last_response_time"),
                last_latency=entry.get("last_latency"),
                min_latency=entry.get("min_latency"),
                avg_latency=entry.get("avg_latency"),
                max_latency=entry.get("max_latency"),
                interest_ops=entry.get("interest_ops"),
            )
        )
    return connections


# ----- watches: wchp, wchc, wchs -----


def parse_wchp(text: str) -> dict[str, list[int]]:
    """`wchp`: each watched path -> the session ids watching it.

    The server lists a path on its own line and each session under it, indented by a tab. Only data
    watches (get/exists) are listed: ZooKeeper's wchp does not show child watches.
    """
    return {key: [int(sid, 16) for sid in items] for key, items in _indented_groups(text).items()}


def parse_wchc(text: str) -> dict[int, list[str]]:
    """`wchc`: each session id -> the paths it watches (same layout as wchp, the other way round)."""
    return {int(key, 16): items for key, items in _indented_groups(text).items() if key.startswith("0x")}


def _indented_groups(text: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    if text.startswith(NOT_SERVING):
        return groups
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("\t"):
            if current is not None and line.strip():
                current.append(line.strip())
        elif line:
            current = groups.setdefault(line, [])
    return groups


def watches_by_path_from_admin(data: dict) -> dict[str, list[int]]:
    return {path: list(ids) for path, ids in (data.get("path_to_session_ids") or {}).items()}


def watches_by_session_from_admin(data: dict) -> dict[int, list[str]]:
    return {int(sid): list(paths) for sid, paths in (data.get("session_id_to_watched_paths") or {}).items()}


@dataclass(frozen=True)
class WatchSummary:
    connections: int
    paths: int
    watches: int


_WCHS = re.compile(r"(\d+) connections watching (\d+) paths\s+Total watches:\s*(\d+)")


def parse_wchs(text: str) -> WatchSummary | None:
    """`wchs`: `N connections watching M paths` / `Total watches:W`; None when the reply is not that."""
    match = _WCHS.search(text)
    return WatchSummary(*(int(group) for group in match.groups())) if match else None


def watch_summary_from_admin(data: dict) -> WatchSummary | None:
    if data.get("error") or "num_total_watches" not in data:
        return None
    return WatchSummary(data.get("num_connections", 0), data.get("num_paths", 0), data["num_total_watches"])
