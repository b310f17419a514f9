"""Views of a znode's bytes (JSON, text, hex, gzip, zlib, base64); identities of lock/member payloads.

Everything returned here is already terminal-safe (see `escape`), and nothing here raises on hostile data:
a view that does not apply falls back to another one and says why in its note. Decompression is bounded,
so a zip bomb stored in a znode costs at most `MAX_INFLATED` bytes of memory.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, replace
from typing import Any

from zktui.core.escape import inert, inert_bytes, inert_json, unsafe_chars

VIEWS = ("auto", "json", "text", "hex", "gzip", "zlib", "base64")
KINDS = ("empty", "json", "text", "gzip", "zlib", "binary")

MAX_INFLATED = 16 * 1024 * 1024
DEFAULT_MAX_BYTES = 64 * 1024
HEX_BYTES_PER_LINE = 16
BASE64_LINE = 76
IDENTITY_WIDTH = 60

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# A text may hold a few stray controls (a coloured log line); past one character in ten it is binary.
_MAX_UNSAFE_RATIO = 0.10
_LINE_BREAKS = "\t\n\r"
_HEX_ASCII = bytes(b if 0x20 <= b < 0x7F else ord(".") for b in range(256))


@dataclass(frozen=True)
class Rendered:
    """One view of some bytes, ready to print.

    `view` is the view actually shown (never "auto"; may differ from the one asked for after a fallback).
    `lines` are inert. `json_value` is the parsed value when `is_json` (it may legitimately be None).
    """

    view: str
    lines: tuple[str, ...]
    note: str
    is_json: bool = False
    json_value: Any = None
    hex_source: bytes | None = None  # the bytes a hex view dumps, so a narrow screen can reflow it


@dataclass(frozen=True)
class _Inflated:
    data: bytes | None
    problem: str = ""
    too_big: bool = False


def detect(data: bytes) -> str:
    """The kind of `data`: one of KINDS."""
    return _detect(data)[0]


def render(data: bytes, view: str = "auto", max_bytes: int | None = DEFAULT_MAX_BYTES) -> Rendered:
    """`data` shown as `view` (one of VIEWS); hex and base64 show at most `max_bytes` bytes (None: all).

    Never raises: an unknown view name is treated as "auto", and the note says so.
    """
    if view == "auto" or view not in VIEWS:
        shown = _auto(data, max_bytes)
        if view != "auto":
            return replace(shown, note=f"unknown view '{inert(str(view))}'; {shown.note}")
        return shown
    if view == "json":
        return _json_view(data, max_bytes)
    if view == "text":
        return _text_view(data)
    if view == "hex":
        return _hex_view(data, max_bytes)
    if view == "base64":
        return _base64_view(data, max_bytes)
    return _compressed_view(data, view, _inflate_as(data, view), max_bytes)


def hexdump(data: bytes, start: int = 0, bytes_per_line: int = HEX_BYTES_PER_LINE) -> list[str]:
    """Lines in `hexdump -C` layout: offset, groups of eight bytes, then the printable ASCII column."""
    group_width = 8 * 3 - 1
    lines = []
    for offset in range(0, len(data), bytes_per_line):
        chunk = data[offset : offset + bytes_per_line]
        groups = "  ".join(f"{chunk[at : at + 8].hex(' '):<{group_width}}" for at in range(0, bytes_per_line, 8))
        ascii_column = chunk.translate(_HEX_ASCII).decode("ascii")
        lines.append(f"{start + offset:08x}  {groups}  |{ascii_column}|")
    return lines


def hexdump_width(bytes_per_line: int) -> int:
    """Columns one hexdump line takes."""
    groups = -(-bytes_per_line // 8)
    return 8 + 2 + groups * 23 + (groups - 1) * 2 + 2 + bytes_per_line + 2


# --- detection ----------------------------------------------------------------------------------------


def _detect(data: bytes) -> tuple[str, Any]:
    """The kind of `data` and what was learnt finding it out (the inflated stream or the JSON value)."""
    if not data:
        return "empty", None
    if data.startswith(_GZIP_MAGIC):
        inflated = _inflate(data, _GZIP_WBITS)
        if inflated.data is not None or inflated.too_big:
            return "gzip", inflated
    if _has_zlib_header(data):
        inflated = _inflate(data, zlib.MAX_WBITS)
        if inflated.data is not None or inflated.too_big:
            return "zlib", inflated
    return _detect_uncompressed(data)


def _detect_uncompressed(data: bytes) -> tuple[str, Any]:
    """Like `_detect`, without trying to inflate: for fallbacks and for what came out of a stream."""
    if not data:
        return "empty", None
    if _looks_like_json_container(data):
        parsed, value, _ = _parse_json(data)
        if parsed and isinstance(value, (dict, list)):
            return "json", value
    if _as_text(data) is not None:
        return "text", None
    return "binary", None


def _has_zlib_header(data: bytes) -> bool:
    if len(data) < 2:
        return False
    cmf, flg = data[0], data[1]
    deflate, window_ok = cmf & 0x0F == 8, cmf >> 4 <= 7
    preset_dictionary = flg & 0x20
    return deflate and window_ok and not preset_dictionary and ((cmf << 8) | flg) % 31 == 0


def _looks_like_json_container(data: bytes) -> bool:
    # Cheap gate so that parsing is only tried on data that could be an object or array.
    head = data[:64].lstrip(b" \t\r\n")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip(b" \t\r\n")
    return head[:1] in (b"{", b"[")


def _parse_json(data: bytes) -> tuple[bool, Any, str]:
    """(parsed, value, problem); never raises, however deep or odd the document."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return False, None, f"invalid UTF-8 at byte {exc.start:,}"
    try:
        return True, json.loads(text), ""
    except json.JSONDecodeError as exc:
        return False, None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        return False, None, "nested too deeply"
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        return False, None, str(exc).split(":")[0]


def _as_text(data: bytes) -> str | None:
    """`data` decoded when it is valid UTF-8 and mostly printable."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    unsafe = unsafe_chars(text)
    if not unsafe:
        return text
    stray = len(unsafe) - sum(unsafe.count(allowed) for allowed in _LINE_BREAKS)
    return text if stray <= len(text) * _MAX_UNSAFE_RATIO else None


def _inflate_as(data: bytes, view: str) -> _Inflated:
    if view == "gzip":
        if not data.startswith(_GZIP_MAGIC):
            return _Inflated(None, "no gzip header")
        return _inflate(data, _GZIP_WBITS)
    if not _has_zlib_header(data):
        return _Inflated(None, "no zlib header")
    return _inflate(data, zlib.MAX_WBITS)


def _inflate(data: bytes, wbits: int, limit: int = MAX_INFLATED) -> _Inflated:
    """Inflate a whole gzip (possibly multi-member) or zlib stream, refusing past `limit` bytes of output."""
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            # max_length caps memory: the inflater stops as soon as the output is one byte past the limit.
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            return _Inflated(None, f"corrupt stream ({exc})")
        if len(out) > limit:
            return _Inflated(None, f"inflates past {limit // (1024 * 1024)} MiB: refused", too_big=True)
        if not inflater.eof:
            return _Inflated(None, "truncated stream")
        rest = inflater.unused_data
        if not rest:
            return _Inflated(bytes(out))
        if wbits != _GZIP_WBITS or not rest.startswith(_GZIP_MAGIC):
            return _Inflated(None, f"{len(rest):,} bytes after the end of the stream")


# --- views --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Body:
    """What a view shows, before a note is written around it."""

    view: str
    lines: tuple[str, ...]
    label: str  # "JSON", "text, 3 lines", "binary", "empty"
    detail: str = ""  # a caveat for the end of the note
    is_json: bool = False
    json_value: Any = None
    hex_source: bytes | None = None

    def shown(self, head: str) -> Rendered:
        note = f"{head}; {self.detail}" if self.detail else head
        return Rendered(self.view, self.lines, note, self.is_json, self.json_value, self.hex_source)

    def sized(self, size: int) -> str:
        return self.label if self.label == "empty" else f"{self.label}, {size:,} bytes"


def _auto(data: bytes, max_bytes: int | None) -> Rendered:
    kind, learnt = _detect(data)
    if kind in ("gzip", "zlib"):
        return _compressed_view(data, kind, learnt, max_bytes)
    body = _plain(data, max_bytes, kind, learnt)
    return body.shown(body.sized(len(data)))


def _plain(data: bytes, max_bytes: int | None, kind: str | None = None, learnt: Any = None) -> _Body:
    """`data` as JSON, text or hex by detection, without looking inside compressed streams."""
    if kind is None:
        kind, learnt = _detect_uncompressed(data)
    if kind == "empty":
        return _Body("text", (), "empty")
    if kind == "json":
        return _pretty_json(data, learnt)
    if kind == "text":
        return _text_body(data)
    return _hex_body(data, max_bytes)


def _json_view(data: bytes, max_bytes: int | None) -> Rendered:
    parsed, value, problem = _parse_json(data)
    if parsed:
        body = _pretty_json(data, value)
        return body.shown(body.sized(len(data)))
    fallback = _plain(data, max_bytes)
    return fallback.shown(f"not valid JSON: {problem} (showing {fallback.view})")


def _pretty_json(data: bytes, value: Any) -> _Body:
    try:
        pretty = json.dumps(value, indent=2, ensure_ascii=False)
    except (RecursionError, ValueError):
        text = _text_body(data)
        caveat = "JSON nested too deeply to indent"
        return _Body(text.view, text.lines, text.label, "; ".join(filter(None, (caveat, text.detail))))
    lines = tuple(inert_json(pretty).split("\n"))
    return _Body("json", lines, "JSON", is_json=True, json_value=value)


def _text_view(data: bytes) -> Rendered:
    body = _text_body(data)
    return body.shown(body.sized(len(data)))


def _text_body(data: bytes) -> _Body:
    """`data` as lines of text; bytes that are not UTF-8 are shown as `\\xNN` and counted in the detail."""
    shown = inert_bytes(data, keep_newlines=True).split("\n")
    if shown[-1] == "":
        shown.pop()  # a final newline ends the last line rather than starting an empty one
    invalid = len(data) - len(data.decode("utf-8", "ignore").encode("utf-8"))
    detail = f"{invalid:,} bytes not valid UTF-8 (shown as \\xNN)" if invalid else ""
    count = len(shown)
    return _Body("text", tuple(shown), f"text, {count:,} line{'' if count == 1 else 's'}", detail)


def _capped(data: bytes, max_bytes: int | None) -> tuple[bytes, str]:
    if max_bytes is None or len(data) <= max_bytes:
        return data, ""
    kept = max(max_bytes, 0)
    return data[:kept], f"showing the first {kept:,} ({len(data) - kept:,} bytes left out)"


def _hex_body(data: bytes, max_bytes: int | None) -> _Body:
    shown, detail = _capped(data, max_bytes)
    return _Body("hex", tuple(hexdump(shown)), "binary", detail, hex_source=shown)


def _hex_view(data: bytes, max_bytes: int | None) -> Rendered:
    return _hex_body(data, max_bytes).shown(f"hex, {len(data):,} bytes")


def _base64_view(data: bytes, max_bytes: int | None) -> Rendered:
    shown, detail = _capped(data, max_bytes)
    encoded = base64.b64encode(shown).decode("ascii")
    lines = tuple(encoded[i : i + BASE64_LINE] for i in range(0, len(encoded), BASE64_LINE))
    return _Body("base64", lines, "base64", detail).shown(f"base64, {len(data):,} bytes")


def _compressed_view(data: bytes, view: str, inflated: _Inflated, max_bytes: int | None) -> Rendered:
    if inflated.data is None:
        fallback = _plain(data, max_bytes)
        reason = f"{view} {inflated.problem}" if inflated.too_big else f"not {view}: {inflated.problem}"
        return fallback.shown(f"{reason} (showing {fallback.view})")
    inner = _plain(inflated.data, max_bytes)
    shown = inner.shown(f"{view}, {len(data):,} -> {len(inflated.data):,} bytes, {inner.label}")
    return replace(shown, view=view)


# --- identities ---------------------------------------------------------------------------------------


def decode_identity(data: bytes) -> str | None:
    """A short, inert, one-line identity of a lock holder or group member from its payload; None if empty.

    Tried in order: HBase (0xFF + length + "pid@host" + "PBUF" protobuf), "PBUF" protobuf, JSON (Kafka
    broker and controller, Curator service discovery, Solr), printable text, a 4-byte big-endian int,
    a bare protobuf message, and finally a short hex prefix.
    """
    if not data:
        return None
    raw = (
        _hbase_identity(data)
        or _pbuf_identity(data)
        or _json_identity(data)
        or _text_identity(data)
        or _int32_identity(data)
        or _protobuf_identity(data)
    )
    if raw is None:
        return _hex_identity(data)
    return inert(_shorten(raw))


def _shorten(text: str) -> str:
    return text if len(text) <= IDENTITY_WIDTH else text[: IDENTITY_WIDTH - 1] + "\u2026"


def _hbase_identity(data: bytes) -> str | None:
    # HBase RecoverableZooKeeper prefixes its data with: 0xFF, int32 id length, id ("pid@host"), payload.
    if len(data) < 5 or data[0] != 0xFF:
        return None
    id_length = int.from_bytes(data[1:5], "big", signed=True)
    if id_length < 0 or 5 + id_length > len(data):
        return None
    owner = data[5 : 5 + id_length].decode("utf-8", "replace")
    address = _pbuf_identity(data[5 + id_length :])
    return " ".join(part for part in (owner, address) if part) or None


def _pbuf_identity(data: bytes) -> str | None:
    if not data.startswith(b"PBUF"):
        return None
    return _protobuf_identity(data[4:]) or f"protobuf, {len(data) - 4:,} bytes"


def _json_identity(data: bytes) -> str | None:
    if not _looks_like_json_container(data):
        return None
    parsed, value, _ = _parse_json(data)
    if not parsed:
        return None
    if isinstance(value, dict):
        known = _known_json_identity(value)
        if known is not None:
            return known
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (RecursionError, ValueError):
        return None


def _known_json_identity(value: dict[str, Any]) -> str | None:
    port = value.get("port")
    if port is None:
        port = value.get("sslPort")
    if "name" in value and "address" in value and port is not None:
        return f"{value['name']} {value['address']}:{port}"  # Curator ServiceDiscovery instance
    if value.get("host") and value.get("port") is not None:
        return f"{value['host']}:{value['port']}"  # Kafka broker registration
    if isinstance(value.get("host"), str) and value["host"]:
        return value["host"]  # a registration that names its host only (a worker, a job runner)
    endpoints = value.get("endpoints")
    if isinstance(endpoints, list) and endpoints and isinstance(endpoints[0], str):
        return endpoints[0]  # Kafka broker without a plain host (listener URLs only)
    if "brokerid" in value:
        return f"broker {value['brokerid']}"  # Kafka /controller
    if isinstance(value.get("id"), (str, int)):
        return str(value["id"])  # Solr overseer / leader election
    return None


def _text_identity(data: bytes) -> str | None:
    text = _as_text(data)
    if text is None:
        return None
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return None


def _int32_identity(data: bytes) -> str | None:
    return str(int.from_bytes(data, "big", signed=True)) if len(data) == 4 else None


def _hex_identity(data: bytes) -> str:
    if len(data) <= 8:
        return f"0x{data.hex()}"
    return f"0x{data[:8].hex()}\u2026 ({len(data):,} bytes)"


# --- protobuf wire format (just enough to find strings and host:port pairs) -----------------------------


class _NotProtobuf(Exception):
    pass


_MAX_NESTING = 3


def _protobuf_identity(data: bytes) -> str | None:
    try:
        tokens = _protobuf_tokens(data, depth=0)
    except _NotProtobuf:
        return None
    return " ".join(tokens) or None


def _protobuf_tokens(data: bytes, depth: int) -> list[str]:
    """Printable string fields of a message, nested messages flattened, and "host:port" where a string
    field is followed by a small integer in the next field number (HBase ServerName, Hadoop ActiveNodeInfo).
    """
    tokens: list[str] = []
    string_field = None  # field number of the last token when it is a string that could take a port
    for number, wire_type, value in _protobuf_fields(data):
        if wire_type == 2 and isinstance(value, bytes):
            text = _printable_string(value)
            if text is not None:
                tokens.append(text)
                string_field = number
                continue
            if depth < _MAX_NESTING:
                try:
                    tokens.extend(_protobuf_tokens(value, depth + 1))
                except _NotProtobuf:
                    pass
        elif wire_type == 0 and string_field == number - 1 and isinstance(value, int) and 0 < value < 65536:
            tokens[-1] = f"{tokens[-1]}:{value}"
        string_field = None
    return tokens


def _printable_string(value: bytes) -> str | None:
    if not value:
        return None
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if unsafe_chars(text) else text


def _protobuf_fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    fields: list[tuple[int, int, int | bytes]] = []
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise _NotProtobuf("field number 0")
        value: int | bytes
        if wire_type == 0:
            value, position = _read_varint(data, position)
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            value, position = int.from_bytes(_take(data, position, size), "little"), position + size
        elif wire_type == 2:
            size, position = _read_varint(data, position)
            value, position = _take(data, position, size), position + size
        else:
            raise _NotProtobuf(f"wire type {wire_type}")
        fields.append((number, wire_type, value))
    return fields


def _take(data: bytes, position: int, size: int) -> bytes:
    if position + size > len(data):
        raise _NotProtobuf("field runs past the end")
    return data[position : position + size]


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while shift < 64:
        if position >= len(data):
            raise _NotProtobuf("varint runs past the end")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
    raise _NotProtobuf("varint longer than 10 bytes")
