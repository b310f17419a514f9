"""A stat for people: zkCli's field names and hex, plus what the numbers mean (epoch/counter, local time, age)."""

from __future__ import annotations

import time
from datetime import datetime

from kazoo.protocol.states import ZnodeStat

from zktui.core.zkformat import format_zxid, session_hex, zxid_parts


def age(seconds: float) -> str:
    """`42s`, `3m 5s`, `2h 10m`, `4d 3h`: short enough for a column."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def local_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def _zxid(zxid: int) -> tuple[str, str]:
    epoch, counter = zxid_parts(zxid)
    return format_zxid(zxid), f"epoch {epoch}, counter {counter}"


def _time(ms: int, now: float) -> tuple[str, str]:
    if ms <= 0:
        return "0", ""
    return local_time(ms), f"{age(now - ms / 1000)} ago"


def stat_rows(stat: ZnodeStat, now: float | None = None) -> list[tuple[str, str, str]]:
    """(zkCli field name, value, what it means) for every field, in zkCli's order."""
    now = time.time() if now is None else now
    owner = stat.ephemeralOwner & 0xFFFFFFFFFFFFFFFF
    owner_note = "ephemeral: lives as long as this session" if owner else "not ephemeral"
    return [
        ("cZxid", *_zxid(stat.czxid)),
        ("ctime", *_time(stat.ctime, now)),
        ("mZxid", *_zxid(stat.mzxid)),
        ("mtime", *_time(stat.mtime, now)),
        ("pZxid", *_zxid(stat.pzxid)),
        ("cversion", str(stat.cversion), "child changes"),
        ("dataVersion", str(stat.version), "data changes"),
        ("aclVersion", str(stat.aversion), "ACL changes"),
        ("ephemeralOwner", session_hex(owner), owner_note),
        ("dataLength", f"{stat.dataLength:,}", "bytes"),
        ("numChildren", f"{stat.numChildren:,}", ""),
    ]
