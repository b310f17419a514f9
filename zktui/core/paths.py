"""Znode path arithmetic: relative paths for `cd`, chroots in connect strings, sequence-number order."""

from __future__ import annotations

import re

INT32_MAX = 2**31 - 1
# The server appends %010d of a signed int: ten digits, a minus and nine digits, or once the counter has
# wrapped far enough a minus and ten digits ("-2147483648"); never part of a longer run of digits.
_SEQUENCE_TAIL = re.compile(r"(-?)(?<!\d)(\d{9,10})$")
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


def split_sequence(text: str) -> tuple[str, int | None]:
    """(text before the sequence suffix, the sequence number) or (text, None).

    Ten digits after a dash are ambiguous: `lock-` + 1500000000 or `lock` + -1500000000. The positive
    reading wins unless it is impossible (above INT32_MAX) or the dash follows a separator, as in
    `lock--2147483648` or `__lock__-2147483648`; stems end in a separator, so a wrapped number does too.
    """
    match = _SEQUENCE_TAIL.search(text)
    if not match:
        return text, None
    sign, digits = match.groups()
    value = int(digits)
    if len(digits) == 9:
        # Nine digits are only ever written after a minus sign.
        return (text[: match.start()], -value) if sign else (text, None)
    if sign and _is_negative(text, match.start(), digits, value):
        return text[: match.start()], -value
    if value > INT32_MAX:
        return text, None
    return text[: match.end() - 10], value


def _is_negative(text: str, sign_at: int, digits: str, value: int) -> bool:
    if digits[0] == "0" or value > INT32_MAX + 1:
        return False  # %010d never pads a negative number to ten digits, nor goes below INT32_MIN
    return value > INT32_MAX or sign_at == 0 or text[sign_at - 1] in "-_"


def sequence_number(name: str) -> int | None:
    """The sequence suffix ZooKeeper appends (%010d of a signed int), or None."""
    return split_sequence(name)[1]


def child_sort_key(name: str) -> tuple:
    """Order children for people: plain names naturally (a2 before a10), then sequential ones by number.

    Lock and election contenders carry different prefixes (kazoo's uuid, Curator's _c_...), so only the
    sequence number orders them correctly; a lexical sort would not.
    Called once per child when a parent of 100,000 is listed, so the common cases take the short way.
    """
    if name[-1:].isdigit():  # only a name ending in a digit can carry a sequence suffix
        sequence = sequence_number(name)
        if sequence is not None:
            return (1, sequence, name)
    parts = _DIGITS.split(name)  # text, digits, text, ...: numbers always sit at odd positions
    if len(parts) > 1:
        try:
            parts[1::2] = map(int, parts[1::2])
        except ValueError:  # a digit run longer than Python converts: compare it as text
            return (0, (name,), name)
    return (0, tuple(parts), name)


def sort_children(names) -> list[str]:
    return sorted(names, key=child_sort_key)
