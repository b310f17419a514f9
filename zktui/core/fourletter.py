"""Four-letter words (`srvr`, `mntr`, `cons`, ...) and the AdminServer's HTTP `/commands`.

Plain sockets and urllib only: the sandbox, the ensemble poller and the commands all use it,
and none of them may block a UI thread (callers run it in workers).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

FOUR_LETTER_WORDS = ("srvr", "stat", "mntr", "cons", "wchs", "wchp", "wchc", "dump", "conf", "ruok", "envi", "isro")

NOT_SERVING = "This ZooKeeper instance is not currently serving requests"


class FourLetterWordError(Exception):
    """The server could not be reached or refused the word."""


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
    except OSError as exc:
        raise FourLetterWordError(f"{host}:{port}: {exc.strerror or exc}") from exc
    reply = b"".join(chunks).decode("utf-8", errors="replace")
    if "is not executed because it is not in the whitelist" in reply:
        raise NotWhitelisted(f"{host}:{port}: {word} is not in the server's 4lw.commands.whitelist")
    return reply


def admin_command(host: str, admin_port: int, command: str, timeout: float = 2.0) -> dict:
    """GET the AdminServer's `/commands/<command>` and return its JSON object."""
    url = f"http://{host}:{admin_port}/commands/{command}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise FourLetterWordError(f"{host}:{admin_port}: AdminServer {command}: {exc}") from exc


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
