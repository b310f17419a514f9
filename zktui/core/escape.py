"""Terminal-safe text: anything a ZooKeeper server sends us is made inert before it reaches a terminal.

Znode names, data, ACL ids and four-letter-word output are written by whoever can reach the ensemble, so
they may carry escape sequences (CSI colours, OSC window titles, OSC 52 clipboard writes), cursor moves
(backspace, carriage return), bidi overrides that reorder what an operator reads, or lone surrogates.

Every character in one of the Unicode categories below is replaced by a visible escape:

    Cc  control (C0, DEL, C1)          Cf  format (bidi overrides, zero-width, BOM, tags)
    Cs  surrogate                      Zl / Zp  line / paragraph separator
    Cn  unassigned (noncharacters; width and meaning are unknown to the terminal)

Escapes are written the way Python writes string literals, always lower-case hex with a fixed width:
`\\n` `\\r` `\\t`, `\\xNN` for the other C0 controls and DEL, `\\uNNNN` for the rest of the BMP (C1
controls included), `\\UNNNNNNNN` above it. A backslash itself becomes `\\\\`, so the mapping is
injective: two different inputs never look the same.

Tab is always escaped (as `\\t`): its width depends on the terminal's tab stops and the cursor column, so a
raw tab breaks the column layout of tables and widgets, and in a name it is invisible.

Everything else is kept as is: non-ASCII letters, CJK, emoji, combining marks, private-use characters and
spaces such as U+00A0 (the terminal draws them; they move no cursor and change no state).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Distinct characters seen by one table are cached; past this many the cache starts afresh, so a hostile
# megabyte of distinct code points cannot make it grow without bound.
_MAX_CACHED = 1 << 16


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def _visible_escape(char: str) -> str:
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x80:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _json_escape(char: str) -> str:
    # JSON has no \U form: characters above the BMP are written as a UTF-16 surrogate pair.
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _unchanged(char: str) -> str:
    return char


def _dropped(char: str) -> str:
    return ""


class _EscapeTable(dict):
    """A `str.translate` table computed lazily per code point, so no startup scan of all of Unicode."""

    def __init__(
        self,
        unsafe: Callable[[str], str],
        fixed: dict[int, str],
        safe: Callable[[str], str] = _unchanged,
    ) -> None:
        super().__init__()
        self._unsafe = unsafe
        self._safe = safe
        self._fixed = fixed

    def __missing__(self, code: int) -> str:
        if len(self) >= _MAX_CACHED:
            self.clear()
        char = chr(code)
        replacement = self._fixed.get(code)
        if replacement is None:
            replacement = self._unsafe(char) if _is_unsafe(char) else self._safe(char)
        self[code] = replacement
        return replacement


_NEWLINE_KEPT = {ord("\n"): "\n"}
_BACKSLASH_ESCAPED = {ord("\\"): "\\\\"}
# surrogateescape turns an undecodable byte 0xNN (always >= 0x80) into U+DCNN; show it as the byte.
_UNDECODABLE_BYTES = {0xDC00 + byte: f"\\x{byte:02x}" for byte in range(0x80, 0x100)}

_TEXT = _EscapeTable(_visible_escape, _BACKSLASH_ESCAPED)
_TEXT_LINES = _EscapeTable(_visible_escape, _BACKSLASH_ESCAPED | _NEWLINE_KEPT)
_BYTES = _EscapeTable(_visible_escape, _BACKSLASH_ESCAPED | _UNDECODABLE_BYTES)
_BYTES_LINES = _EscapeTable(_visible_escape, _BACKSLASH_ESCAPED | _UNDECODABLE_BYTES | _NEWLINE_KEPT)
_UNSAFE_KEPT = _EscapeTable(_unchanged, {}, safe=_dropped)
_JSON = _EscapeTable(_json_escape, _NEWLINE_KEPT)
_TYPED = _EscapeTable(_visible_escape, {})


def _is_plain(text: str) -> bool:
    # The fast path: isprintable() runs in C and is true for almost every real name.
    return text.isprintable() and "\\" not in text


def inert(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control, format, separator, surrogate or unassigned character escaped visibly.

    With `keep_newlines`, "\\n" stays a real line break (for multi-line data); "\\r" is still escaped.
    """
    if _is_plain(text):
        return text
    return text.translate(_TEXT_LINES if keep_newlines else _TEXT)


def inert_typed(text: str) -> str:
    """A line the user is typing, for display while it is edited: unsafe characters escaped as above, a
    backslash kept as typed (the line is theirs; a doubled backslash would misstate what Enter sends)."""
    return text if text.isprintable() else text.translate(_TYPED)


def inert_bytes(data: bytes, keep_newlines: bool = False) -> str:
    """`data` decoded as UTF-8 and made inert; bytes that are not valid UTF-8 are shown as `\\xNN`.

    Still injective: a C1 control that was valid UTF-8 shows as `\\u0080`, the lone byte 0x80 as `\\x80`.
    """
    text = data.decode("utf-8", "surrogateescape")
    if _is_plain(text):
        return text
    return text.translate(_BYTES_LINES if keep_newlines else _BYTES)


def inert_name(name: str) -> str:
    """One path segment, on one line: nothing in it may start a new line."""
    return inert(name, keep_newlines=False)


def inert_json(json_text: str) -> str:
    """Serialized JSON made terminal-safe while staying valid JSON with the same value.

    Meant for `json.dumps(..., ensure_ascii=False)` output: unsafe characters can only sit inside its
    strings, where `\\uNNNN` is a valid escape; line breaks (from `indent`) and backslashes are kept as is.
    """
    if json_text.replace("\n", "").isprintable():
        return json_text
    return json_text.translate(_JSON)


def unsafe_chars(text: str) -> str:
    """The characters of `text` that `inert` escapes, in order (newlines included, backslashes not)."""
    if text.isprintable():
        return ""
    return text.translate(_UNSAFE_KEPT)


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character `inert` would escape (newlines count; backslashes do not)."""
    return bool(unsafe_chars(text))
