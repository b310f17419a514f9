"""Ask one server, or every server of an ensemble, a four-letter word; fall back to the AdminServer.

A server that does not answer is a result (`down`), never an exception: an operator asks exactly when
something is broken. Where the word is not in the server's `4lw.commands.whitelist`, the same question
goes to the AdminServer's HTTP `/commands/<name>` and the JSON is rendered as readable text.

The AdminServer's port is not in the connect string. It is, in order: the port configured for that
server (`host:port=adminport`, or an `admin_ports` mapping), else ZooKeeper's default 8080, then client
port + 300 (the `zktui sandbox` layout). Ports that were guessed rather than configured are only used
after the AdminServer there confirms it serves that client port, so a guess never reports another server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from zktui.core.fourletter import (
    NOT_SERVING,
    FourLetterWordError,
    NotWhitelisted,
    admin_command,
    connections_from_admin,
    four_letter_word,
    mntr_from_admin,
    parse_cons,
    parse_mntr,
    parse_srvr,
    parse_wchc,
    parse_wchp,
    parse_wchs,
    summary_from_admin,
    watch_summary_from_admin,
    watches_by_path_from_admin,
    watches_by_session_from_admin,
)

DEFAULT_CLIENT_PORT = 2181
DEFAULT_ADMIN_PORT = 8080
# zktui's sandbox puts each AdminServer at client port + 300 (zktui/sandbox/config.py); elsewhere it is
# only a guess, verified before use.
SANDBOX_ADMIN_OFFSET = 300
DEFAULT_TIMEOUT = 2.0
MAX_WORKERS = 8

# Four-letter word -> the AdminServer command that answers the same question (read-only ones only:
# the resetting words crst/srst have no fallback on purpose).
ADMIN_COMMANDS = {
    "srvr": "server_stats",
    "stat": "stats",
    "mntr": "monitor",
    "cons": "connections",
    "wchs": "watch_summary",
    "wchp": "watches_by_path",
    "wchc": "watches",
    "dump": "dump",
    "conf": "configuration",
    "ruok": "ruok",
    "envi": "environment",
    "isro": "is_read_only",
    "dirs": "dirs",
    "gtmk": "get_trace_mask",
}

_TEXT_PARSERS: dict[str, Callable[[str], Any]] = {
    "srvr": parse_srvr,
    "stat": parse_srvr,
    "mntr": parse_mntr,
    "cons": parse_cons,
    "wchs": parse_wchs,
    "wchp": parse_wchp,
    "wchc": parse_wchc,
}
_ADMIN_PARSERS: dict[str, Callable[[dict], Any]] = {
    "srvr": summary_from_admin,
    "stat": summary_from_admin,
    "mntr": mntr_from_admin,
    "cons": connections_from_admin,
    "wchs": watch_summary_from_admin,
    "wchp": watches_by_path_from_admin,
    "wchc": watches_by_session_from_admin,
}


# ----- addresses -----


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int = DEFAULT_CLIENT_PORT
    admin_port: int | None = None  # configured AdminServer port, when known

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


_ADDRESS = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:=\[\]\s/]+))(?::(?P<port>\d+))?(?:=(?P<admin>\d+))?$")


def parse_server_address(text: str) -> ServerAddress:
    """`host`, `host:port`, `[v6]:port`, each optionally followed by `=adminport`. Raises ValueError."""
    match = _ADDRESS.match(text.strip())
    if not match:
        raise ValueError(f"not a server address: {text!r} (expected host:port or host:port=adminport)")
    port = int(match["port"]) if match["port"] else DEFAULT_CLIENT_PORT
    admin = int(match["admin"]) if match["admin"] else None
    for value in (port, admin):
        if value is not None and not 0 < value < 65536:
            raise ValueError(f"port {value} of {text!r} is out of range")
    return ServerAddress(match["v6"] or match["host"], port, admin)


def parse_admin_ports(text: str) -> dict[str, int]:
    """`host:port=adminport[,host:port=adminport...]` -> {"host:port": adminport}. Raises ValueError."""
    ports = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        address = parse_server_address(item)
        if address.admin_port is None:
            raise ValueError(f"{item!r} has no AdminServer port (write host:port=adminport)")
        ports[str(address)] = address.admin_port
    return ports


def admin_port_candidates(
    server: ServerAddress, admin_ports: Mapping[str, int] | None = None, default: int = DEFAULT_ADMIN_PORT
) -> list[tuple[int, bool]]:
    """(port, configured) pairs to try in order; ports not configured must be verified before use."""
    mapping = admin_ports or {}
    configured = server.admin_port or mapping.get(str(server)) or mapping.get(server.host)
    candidates = [(configured, True)] if configured else [(default, False)]
    guess = server.port + SANDBOX_ADMIN_OFFSET
    if guess < 65536 and all(port != guess for port, _ in candidates):
        candidates.append((guess, False))
    return candidates


# ----- replies -----


@dataclass(frozen=True)
class ServerReply:
    """One server's answer to one word. `text` came from the server: make it inert before showing it."""

    server: str
    word: str
    mode: str | None = None  # leader, follower, standalone, looking, down... None when unknown
    text: str = ""  # the four-letter word's reply, or the AdminServer's JSON rendered as text
    data: Any = None  # parsed reply for words that have a parser (and for every AdminServer reply)
    admin: dict | None = None  # the AdminServer's JSON, when the answer came from there
    admin_port: int | None = None
    error: str | None = None  # why there is no answer
    down: bool = False  # the client port did not answer at all

    @property
    def via_admin(self) -> bool:
        return self.admin is not None

    def to_dict(self) -> dict:
        """JSON-able: {"server", "mode"?, "reply" (4lw text) or "data" (parsed), "error", ...}."""
        result: dict[str, Any] = {"server": self.server}
        if self.mode is not None:
            result["mode"] = self.mode
        if self.error is None:
            if self.via_admin:
                result["via"] = "admin"
                result["admin_port"] = self.admin_port
            else:
                result["reply"] = self.text
            if self.data is not None:
                result["data"] = to_json(self.word, self.data)
        result["error"] = self.error
        return result


def to_json(word: str, data: Any) -> Any:
    """A parsed reply as JSON values: session ids and zxids as 0x-hex strings, as operators read them."""
    if word in ("srvr", "stat", "cons") or hasattr(data, "to_dict"):
        return [item.to_dict() for item in data] if isinstance(data, list) else data.to_dict()
    if word == "wchp":
        return {path: [f"0x{sid:x}" for sid in sessions] for path, sessions in data.items()}
    if word == "wchc":
        return {f"0x{sid:x}": paths for sid, paths in data.items()}
    if is_dataclass(data):
        return asdict(data)
    return data  # mntr's values, or the AdminServer's own JSON


# ----- asking -----


def ask_all(
    servers: Sequence[ServerAddress],
    word: str,
    timeout: float = DEFAULT_TIMEOUT,
    admin_ports: Mapping[str, int] | None = None,
    want_mode: bool = True,
    default_admin_port: int = DEFAULT_ADMIN_PORT,
) -> list[ServerReply]:
    """`ask` every server at once (a small thread pool); replies in the order of `servers`."""
    if not servers:
        return []

    def one(server: ServerAddress) -> ServerReply:
        return ask(server, word, timeout, admin_ports, want_mode, default_admin_port)

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(servers)), thread_name_prefix="zktui-4lw") as pool:
        return list(pool.map(one, servers))


def ask(
    server: ServerAddress,
    word: str,
    timeout: float = DEFAULT_TIMEOUT,
    admin_ports: Mapping[str, int] | None = None,
    want_mode: bool = True,
    default_admin_port: int = DEFAULT_ADMIN_PORT,
) -> ServerReply:
    """One server's answer to `word`; never raises for an unreachable or unwilling server.

    `want_mode=False` saves the extra `srvr` that finds the server's mode for words that do not say it.
    """
    name = str(server)
    try:
        text = four_letter_word(server.host, server.port, word, timeout=timeout)
    except NotWhitelisted as refusal:
        candidates = admin_port_candidates(server, admin_ports, default_admin_port)
        return _ask_admin(server, word, timeout, candidates, want_mode, refusal.reason)
    except FourLetterWordError as exc:
        return ServerReply(name, word, mode="down", error=exc.reason, down=True)
    if text.startswith(NOT_SERVING):
        return ServerReply(name, word, mode="looking", text=text)
    parser = _TEXT_PARSERS.get(word)
    data = parser(text) if parser else None
    mode = _mode_from_reply(word, data)
    if mode is None and want_mode:
        mode = _mode_by_srvr(server, timeout)
    return ServerReply(name, word, mode=mode, text=text, data=data)


def _ask_admin(
    server: ServerAddress,
    word: str,
    timeout: float,
    candidates: list[tuple[int, bool]],
    want_mode: bool,
    refusal: str,
) -> ServerReply:
    name = str(server)
    command = ADMIN_COMMANDS.get(word)
    mode = _mode_by_srvr(server, timeout) if want_mode and word not in ("srvr", "stat", "mntr") else None
    if command is None:
        return ServerReply(name, word, mode=mode, error=f"{refusal}, and the AdminServer has no equivalent")
    tried = []
    for port, configured in candidates:
        tried.append(str(port))
        if not configured and not _admin_serves(server, port, timeout):
            continue
        try:
            data = admin_command(server.host, port, command, timeout=timeout)
        except FourLetterWordError:
            continue
        return _admin_reply(server, word, data, port, mode, timeout, want_mode)
    return ServerReply(
        name, word, mode=mode,
        error=f"{refusal}, and no AdminServer of this server answered "
              f"(tried port{'s' if len(tried) > 1 else ''} {', '.join(tried)})",
    )


def _admin_reply(
    server: ServerAddress, word: str, data: dict, port: int, mode: str | None, timeout: float, want_mode: bool
) -> ServerReply:
    name = str(server)
    error = data.get("error")
    if error and NOT_SERVING in str(error):
        return ServerReply(name, word, mode="looking", text=str(error), admin=data, admin_port=port)
    if error:
        return ServerReply(name, word, mode=mode, admin=data, admin_port=port, error=str(error))
    parser = _ADMIN_PARSERS.get(word)
    parsed = parser(data) if parser else {k: v for k, v in data.items() if k not in ("command", "error")}
    mode = mode or _mode_from_reply(word, parsed)
    if mode is None and want_mode:
        mode = _mode_by_admin(server.host, port, timeout)
    return ServerReply(name, word, mode=mode, text=render_admin(word, data), data=parsed, admin=data,
                       admin_port=port)


def _admin_serves(server: ServerAddress, admin_port: int, timeout: float) -> bool:
    """Whether the AdminServer at a guessed port belongs to this server (it names its client port)."""
    try:
        data = admin_command(server.host, admin_port, "configuration", timeout=timeout)
    except FourLetterWordError:
        return False
    # A server that is not serving cannot say its port; it still is an AdminServer on this host.
    return data.get("client_port", server.port) == server.port


def _mode_from_reply(word: str, data: Any) -> str | None:
    if word in ("srvr", "stat") and data is not None:
        return data.mode
    if word == "mntr" and data:
        state = data.get("zk_server_state")
        return str(state) if state is not None else None
    return None


def _mode_by_srvr(server: ServerAddress, timeout: float) -> str | None:
    try:
        return parse_srvr(four_letter_word(server.host, server.port, "srvr", timeout=timeout)).mode
    except FourLetterWordError:
        return None  # srvr not whitelisted either: the AdminServer reply may still tell


def _mode_by_admin(host: str, admin_port: int, timeout: float) -> str | None:
    try:
        return summary_from_admin(admin_command(host, admin_port, "server_stats", timeout=timeout)).mode
    except FourLetterWordError:
        return None


# ----- rendering the AdminServer's JSON -----


def render_admin(word: str, data: dict) -> str:
    """The AdminServer's JSON as indented `key: value` lines; session ids and zxids in hex."""
    if word == "ruok":
        return "imok"  # the AdminServer answers ruok with an empty success, 4lw with `imok`
    if word == "isro":
        return "ro" if data.get("read_only") else "rw"
    body = {key: value for key, value in data.items() if key not in ("command", "error")}
    return "\n".join(_render_dict(body, 0) or ["(empty)"]) + "\n"


def _render_dict(mapping: dict, indent: int, name: str = "") -> list[str]:
    # `name` is the key this mapping sits under: `session_id_to_*` maps are keyed by decimal session ids,
    # the values of `*_session_ids` maps are session ids.
    pad = "  " * indent
    lines = []
    for key, item in mapping.items():
        label = f"0x{int(key):x}" if name.startswith("session_id_to") and key.isdigit() else key
        ids = name.endswith("session_ids") or key.endswith("session_ids") or key == "session_id"
        if isinstance(item, dict) and item:
            lines.append(f"{pad}{label}:")
            lines.extend(_render_dict(item, indent + 1, key))
        elif isinstance(item, list) and item:
            lines.append(f"{pad}{label}:")
            lines.extend(_render_list(item, indent + 1, ids))
        else:
            as_hex = ids or key.endswith(("zxid", "cxid"))
            lines.append(f"{pad}{label}: {_scalar(item, as_hex)}")
    return lines


def _render_list(items: list, indent: int, ids: bool) -> list[str]:
    pad = "  " * indent
    lines = []
    for item in items:
        if isinstance(item, dict):
            block = _render_dict(item, indent + 1) or ["(empty)"]
            lines.append(f"{pad}- {block[0].lstrip()}")
            lines.extend(block[1:])
        elif isinstance(item, list):
            lines.extend(_render_list(item, indent + 1, ids))
        else:
            lines.append(f"{pad}{_scalar(item, ids)}")
    return lines


def _scalar(value: Any, as_hex: bool) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "(none)"  # only empty ones get here
    if isinstance(value, int) and as_hex:
        return f"0x{value:x}"
    return str(value)
