"""Znode path arithmetic: relative paths for `cd`, chroots in connect strings, sequence-number order."""

from __future__ import annotations

import re

# %010d of a signed int: ten digits, or a minus and nine digits once the counter has wrapped.
_SEQUENCE = re.compile(r"(-\d{9}|\d{10})$")
_DIGITS = re.compile(r"(\d+)")


def resolve(cwd: str, path: str | None) -> str:
    """Resolve `path` against `cwd` the way a shell does: relative parts, `.` and `..` (never above /)."""
    if not path:
        return cwd
    parts: list[str] = [] if path.startswith("/") else [p for p in cwd.split("/") if p]
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def join(parent: str, name: str) -> str:
    return f"/{name}" if parent == "/" else f"{parent}/{name}"


def parent(path: str) -> str:
    head = path.rsplit("/", 1)[0]
    return head or "/"


def basename(path: str) -> str:
    return path.rsplit("/", 1)[1] if path != "/" else "/"


def is_under(path: str, root: str) -> bool:
    """True when path is root itself or lies below it."""
    return root == "/" or path == root or path.startswith(root + "/")


def relative_to(path: str, root: str) -> str:
    """The part of path below root, without a leading slash ('' for root itself)."""
    if path == root:
        return ""
    return path[len(root) + 1 :] if root != "/" else path[1:]


def split_chroot(connect_string: str) -> tuple[str, str | None]:
    """`h1:2181,h2:2181/app` -> (`h1:2181,h2:2181`, `/app`)."""
    slash = connect_string.find("/")
    if slash < 0:
        return connect_string, None
    chroot = connect_string[slash:].rstrip("/")
    return connect_string[:slash], chroot or None


def sequence_number(name: str) -> int | None:
    """The sequence suffix ZooKeeper appends (%010d of a signed int), or None."""
    match = _SEQUENCE.search(name)
    return int(match.group(1)) if match else None


def child_sort_key(name: str) -> tuple:
    """Order children for people: plain names naturally (a2 before a10), then sequential ones by number.

    Lock and election contenders carry different prefixes (kazoo's uuid, Curator's _c_...), so only the
    sequence number orders them correctly; a lexical sort would not.
    """
    sequence = sequence_number(name)
    if sequence is not None:
        return (1, sequence, name)
    return (0, tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(name)), name)


def sort_children(names) -> list[str]:
    return sorted(names, key=child_sort_key)
