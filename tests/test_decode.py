"""decode: views of znode data and identities of lock/member payloads; hostile or huge data breaks neither."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import random
import struct
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_escape import terminal_unsafe
from zktui.core.decode import (
    DEFAULT_MAX_BYTES,
    KINDS,
    MAX_INFLATED,
    VIEWS,
    Rendered,
    decode_identity,
    detect,
    hexdump,
    hexdump_width,
    render,
)

MEGABYTE = 1024 * 1024


def gzip_bomb() -> bytes:
    return gzip.compress(bytes(MAX_INFLATED + 1))


def zlib_bomb() -> bytes:
    return zlib.compress(bytes(MAX_INFLATED + 1), 9)


def random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


# A protobuf writer, only to build fixtures in the shapes real systems store.
def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_int(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def pb_bytes(number: int, value: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(value)) + value


def hbase(owner: bytes, payload: bytes) -> bytes:
    return b"\xff" + struct.pack(">i", len(owner)) + owner + payload


def server_name(host: str, port: int, start_code: int) -> bytes:
    return pb_bytes(1, host.encode()) + pb_int(2, port) + pb_int(3, start_code)


def no_line_is_unsafe(rendered: Rendered) -> bool:
    return all(isinstance(line, str) and not terminal_unsafe(line) for line in rendered.lines)


# --- detect -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b'{"a": 1}', "json"),
        (b'  [1, 2, {"b": null}]\n', "json"),
        (b"\xef\xbb\xbf{}", "json"),
        (b"42", "text"),  # valid JSON, but a scalar reads better as text
        (b'"quoted"', "text"),
        (b"[1, 2", "text"),
        (b"hello\nworld\n", "text"),
        ("naïve 中文 😀".encode(), "text"),
        (b"\x1b[32mINFO\x1b[0m the service started normally", "text"),  # a coloured log line
        (b"\x00\x00\x00\x05", "binary"),
        (b"\xff\xfe\x00a", "binary"),  # invalid UTF-8
        (b"\x1f\x8b\x08\x00garbage", "binary"),  # gzip magic, no gzip stream behind it
        (b"x^ is a caret", "text"),  # a valid zlib header by chance
        (gzip.compress(b'{"a": 1}'), "gzip"),
        (zlib.compress(b"some text"), "zlib"),
        (gzip.compress(b"truncated stream" * 50)[:-10], "binary"),
    ],
)
def test_detect(data, kind):
    assert detect(data) == kind
    assert kind in KINDS


def test_detect_calls_a_bomb_compressed_without_keeping_it():
    assert detect(gzip_bomb()) == "gzip"
    assert detect(zlib_bomb()) == "zlib"


# --- JSON ---------------------------------------------------------------------------------------------


def test_json_is_indented_by_two_in_original_key_order_with_non_ascii_kept():
    data = b'{"zeta": 1, "alpha": [true, {"name": "caf\\u00e9 \xe4\xb8\xad"}], "empty": {}}'
    shown = render(data)
    assert shown.view == "json"
    assert shown.lines == (
        "{",
        '  "zeta": 1,',
        '  "alpha": [',
        "    true,",
        "    {",
        '      "name": "café 中"',
        "    }",
        "  ],",
        '  "empty": {}',
        "}",
    )
    assert shown.is_json
    assert list(shown.json_value) == ["zeta", "alpha", "empty"]
    assert shown.note == f"JSON, {len(data)} bytes"


def test_hostile_json_strings_stay_valid_json_and_inert():
    data = '{"k\u202e": "\\u001b]0;title\\u0007 \u0085 \u2028 \\\\ \U000e0041"}'.encode()
    shown = render(data)
    assert shown.view == "json"
    assert no_line_is_unsafe(shown)
    assert json.loads("\n".join(shown.lines)) == json.loads(data)
    assert shown.lines[1] == '  "k\\u202e": "\\u001b]0;title\\u0007 \\u0085 \\u2028 \\\\ \\udb40\\udc41"'


def test_json_view_shows_scalars_too():
    shown = render(b"42", "json")
    assert (shown.view, shown.lines, shown.is_json, shown.json_value) == ("json", ("42",), True, 42)
    null = render(b"null", "json")
    assert null.is_json and null.json_value is None and null.lines == ("null",)


def test_invalid_json_falls_back_to_text_and_says_where():
    shown = render(b'{"a": 1,, "b": 2}', "json")
    assert shown.view == "text"
    assert shown.lines == ('{"a": 1,, "b": 2}',)
    expected = "Expecting property name enclosed in double quotes at line 1 column 9"
    assert shown.note == f"not valid JSON: {expected} (showing text)"
    assert not shown.is_json


def test_json_view_of_binary_falls_back_to_hex():
    shown = render(b"\x00\x01\xff", "json")
    assert shown.view == "hex"
    assert shown.note.startswith("not valid JSON: invalid UTF-8 at byte 2 (showing hex)")


def test_json_nested_past_the_parser_limit_is_shown_as_text():
    data = b"[" * 100_000 + b"]" * 100_000
    assert detect(data) == "text"
    shown = render(data, "json")
    assert shown.view == "text"
    assert "nested too deeply" in shown.note


def test_json_with_an_integer_past_pythons_digit_limit():
    shown = render(b'{"n": ' + b"9" * 5000 + b"}", "json")
    assert shown.view == "text"
    assert shown.note.startswith("not valid JSON: Exceeds the limit")


def test_nested_json_that_parses_is_indented_all_the_way_down():
    depth = 200
    shown = render(b"[" * depth + b"]" * depth)
    assert shown.view == "json"
    assert len(shown.lines) == 2 * depth - 1
    assert shown.lines[depth - 1] == " " * 2 * (depth - 1) + "[]"


# --- text ---------------------------------------------------------------------------------------------


def test_text_lines_with_the_final_newline_ending_the_last_line():
    shown = render(b"first\nsecond\n\nlast\n")
    assert (shown.view, shown.lines) == ("text", ("first", "second", "", "last"))
    assert shown.note == "text, 4 lines, 19 bytes"


def test_text_shows_control_characters_escaped():
    shown = render(b"status: \x1b[31mDOWN\x1b[0m\r\n", "text")
    assert shown.lines == ("status: \\x1b[31mDOWN\\x1b[0m\\r",)
    assert shown.note == "text, 1 line, 23 bytes"


def test_text_view_of_invalid_utf8_counts_the_bad_bytes():
    shown = render(b"caf\xe9 ok\xff", "text")
    assert shown.lines == ("caf\\xe9 ok\\xff",)
    assert shown.note == "text, 1 line, 8 bytes; 2 bytes not valid UTF-8 (shown as \\xNN)"


# --- hex and base64 -----------------------------------------------------------------------------------


def test_hexdump_layout():
    assert hexdump(b'{"a":1}\n') == ['00000000  7b 22 61 22 3a 31 7d 0a                           |{"a":1}.|']
    assert hexdump(bytes(range(0x41, 0x52))) == [
        "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
        "00000010  51                                                |Q|",
    ]
    assert hexdump(b"") == []


def test_hexdump_in_rows_of_eight_for_narrow_panes():
    assert hexdump(bytes(range(0x41, 0x52)), bytes_per_line=8) == [
        "00000000  41 42 43 44 45 46 47 48  |ABCDEFGH|",
        "00000008  49 4a 4b 4c 4d 4e 4f 50  |IJKLMNOP|",
        "00000010  51                       |Q|",
    ]
    for per_line in (8, 16):
        assert len(hexdump(bytes(per_line), bytes_per_line=per_line)[0]) == hexdump_width(per_line)


def test_a_hex_view_keeps_its_bytes_for_reflowing():
    assert render(b"\x00\x01", "hex").hex_source == b"\x00\x01"
    assert render(bytes(100), "hex", max_bytes=10).hex_source == bytes(10)
    assert render(b"text", "text").hex_source is None


def test_hexdump_shows_only_printable_ascii_in_the_text_column():
    (line,) = hexdump(b"\x1b]0;x\x07\x7f\x80\xff\t\n\r ~")
    assert line.endswith("|.]0;x....... ~|")
    assert line.index("|") == 60


def test_hex_view_caps_huge_data_and_says_how_much_was_left_out():
    data = random_bytes(MEGABYTE)
    shown = render(data, "hex")
    assert len(shown.lines) == DEFAULT_MAX_BYTES // 16
    assert shown.note == "hex, 1,048,576 bytes; showing the first 65,536 (983,040 bytes left out)"
    assert len(render(data, "hex", max_bytes=None).lines) == MEGABYTE // 16
    assert render(data, "hex", max_bytes=100).lines[-1].startswith("00000060  ")


def test_base64_lines_decode_back_to_the_data():
    data = random_bytes(1000)
    shown = render(data, "base64")
    assert shown.view == "base64"
    assert all(len(line) <= 76 for line in shown.lines)
    assert base64.b64decode("".join(shown.lines)) == data
    capped = render(data, "base64", max_bytes=30)
    assert base64.b64decode("".join(capped.lines)) == data[:30]
    assert capped.note == "base64, 1,000 bytes; showing the first 30 (970 bytes left out)"


# --- compressed ---------------------------------------------------------------------------------------


def test_gzip_shows_the_inflated_json():
    data = gzip.compress(b'{"broker": 1}')
    shown = render(data)
    assert shown.view == "gzip"
    assert shown.lines == ("{", '  "broker": 1', "}")
    assert shown.is_json and shown.json_value == {"broker": 1}
    assert shown.note == f"gzip, {len(data):,} -> 13 bytes, JSON"


def test_zlib_shows_the_inflated_text_or_hex():
    text = zlib.compress(b"line one\nline two\n" * 100)
    shown = render(text, "zlib")
    assert shown.view == "zlib" and shown.lines[:2] == ("line one", "line two")
    assert shown.note == f"zlib, {len(text):,} -> 1,800 bytes, text, 200 lines"
    binary = render(zlib.compress(bytes(range(256)) * 4096))
    assert binary.lines[0].startswith("00000000  00 01 02")
    assert binary.note.endswith(
        "-> 1,048,576 bytes, binary; showing the first 65,536 (983,040 bytes left out)"
    )


def test_gzip_with_several_members_is_inflated_whole():
    shown = render(gzip.compress(b"one\n") + gzip.compress(b"two\n"))
    assert (shown.view, shown.lines) == ("gzip", ("one", "two"))


@pytest.mark.parametrize(
    ("data", "view", "reason"),
    [
        (b"plain text", "gzip", "not gzip: no gzip header (showing text)"),
        (b"plain text", "zlib", "not zlib: no zlib header (showing text)"),
        (
            zlib.compress(b"x") + b"tail",
            "zlib",
            "not zlib: 4 bytes after the end of the stream (showing hex)",
        ),
        (gzip.compress(b"x" * 100)[:-4], "gzip", "not gzip: truncated stream (showing hex)"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xff\xff", "gzip", "not gzip: corrupt stream"),
    ],
)
def test_a_compressed_view_that_does_not_apply_falls_back(data, view, reason):
    shown = render(data, view)
    assert shown.view in ("text", "hex")
    assert shown.note.startswith(reason)


@pytest.mark.parametrize(("bomb", "view"), [(gzip_bomb, "gzip"), (zlib_bomb, "zlib")])
def test_a_zip_bomb_is_refused_not_inflated(bomb, view):
    data = bomb()
    for asked in ("auto", view):
        shown = render(data, asked)
        assert shown.view == "hex"
        assert shown.note.startswith(f"{view} inflates past 16 MiB: refused (showing hex)")
        assert len(shown.lines) <= DEFAULT_MAX_BYTES // 16


def test_a_bomb_costs_bounded_memory():
    compressor = zlib.compressobj(1)
    zeros = bytes(MEGABYTE)
    bomb = b"".join([compressor.compress(zeros) for _ in range(256)] + [compressor.flush()])
    tracemalloc.start()
    try:
        shown = render(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "refused" in shown.note
    assert peak < 4 * MAX_INFLATED  # inflating it all would take 256 MiB


def test_data_within_the_inflate_limit_is_shown():
    data = zlib.compress(b"a" * MAX_INFLATED)
    shown = render(data, max_bytes=16)
    assert shown.view == "zlib"
    assert shown.note.startswith(f"zlib, {len(data):,} -> 16,777,216 bytes, text, 1 line")


# --- the rest of render -------------------------------------------------------------------------------


def test_empty_data():
    for view in ("auto", "text", "json", "gzip"):
        assert render(b"", view).lines == ()
    assert render(b"").note == "empty"
    assert render(b"", "hex").note == "hex, 0 bytes"


def test_a_megabyte_of_each_kind():
    text = ("line of text " * 10 + "\n").encode() * (MEGABYTE // 131)
    assert len(render(text).lines) == MEGABYTE // 131
    array = json.dumps(list(range(150_000))).encode()
    assert len(array) > MEGABYTE and render(array).view == "json"
    noise = render(random_bytes(MEGABYTE))
    assert noise.view == "hex" and "983,040 bytes left out" in noise.note


def test_an_unknown_view_is_shown_as_auto_and_says_so():
    shown = render(b'{"a": 1}', "yaml\x1b")
    assert shown.view == "json"
    assert shown.note == "unknown view 'yaml\\x1b'; JSON, 8 bytes"


def test_rendered_is_immutable():
    shown = render(b"x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        shown.view = "hex"  # type: ignore[misc]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)
any_data = st.one_of(
    st.binary(max_size=2048),
    st.text().map(str.encode),
    json_values.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=512).map(gzip.compress),
    st.binary(max_size=512).map(zlib.compress),
    st.binary(max_size=512).map(lambda data: zlib.compress(data)[:-3]),
)


@settings(deadline=None, max_examples=300)
@given(any_data, st.sampled_from(VIEWS), st.none() | st.integers(min_value=-1, max_value=4096))
def test_render_never_raises_and_never_emits_a_control(data, view, max_bytes):
    shown = render(data, view, max_bytes)
    assert shown.view in VIEWS and shown.view != "auto"
    assert no_line_is_unsafe(shown)
    assert not terminal_unsafe(shown.note)


@settings(deadline=None)
@given(json_values.filter(lambda value: isinstance(value, (list, dict))))
def test_any_json_document_round_trips_through_its_view(value):
    shown = render(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    assert shown.view == "json" and shown.is_json
    assert json.loads("\n".join(shown.lines)) == value
    assert shown.json_value == value


# --- identities ---------------------------------------------------------------------------------------


def test_hbase_master_shows_owner_and_address():
    master = (
        pb_bytes(1, server_name("hm1.example.com", 16000, 1700000000000)) + pb_int(2, 0) + pb_int(3, 16010)
    )
    data = hbase(b"4242@hm1.example.com", b"PBUF" + master)
    assert decode_identity(data) == "4242@hm1.example.com hm1.example.com:16000"


def test_hbase_without_a_protobuf_payload_shows_the_owner():
    assert decode_identity(hbase(b"77@rs3", b"")) == "77@rs3"
    assert decode_identity(hbase(b"77@rs3", b"\x00\x01")) == "77@rs3"


def test_hbase_header_with_an_impossible_length_is_not_hbase():
    identity = decode_identity(b"\xff\x7f\xff\xff\xffabc")
    assert identity is not None and identity.startswith("0x")


def test_pbuf_protobuf_without_the_hbase_prefix():
    meta = b"PBUF" + pb_bytes(1, server_name("rs2", 16020, 1)) + pb_int(2, 0)
    assert decode_identity(meta) == "rs2:16020"
    assert decode_identity(b"PBUF\x08") == "protobuf, 1 bytes"


def test_bare_protobuf_message_hadoop_active_node_info():
    info = (
        pb_bytes(1, b"ns1")
        + pb_bytes(2, b"nn1")
        + pb_bytes(3, b"nn1.example.com")
        + pb_int(4, 8020)
        + pb_int(5, 8019)
    )
    assert decode_identity(info) == "ns1 nn1 nn1.example.com:8020"


@pytest.mark.parametrize(
    ("payload", "identity"),
    [
        (
            {"listener_security_protocol_map": {}, "host": "b1.kafka", "port": 9092, "version": 4},
            "b1.kafka:9092",
        ),
        ({"host": None, "port": -1, "endpoints": ["SASL_SSL://b2.kafka:9094"]}, "SASL_SSL://b2.kafka:9094"),
        ({"version": 1, "brokerid": 3, "timestamp": "1700000000000"}, "broker 3"),
        (
            {"name": "api", "id": "9f3c", "address": "10.0.0.5", "port": 8080, "sslPort": None},
            "api 10.0.0.5:8080",
        ),
        ({"name": "api", "address": "10.0.0.6", "port": None, "sslPort": 8443}, "api 10.0.0.6:8443"),
        (
            {"id": "72057594037927936-10.0.0.7:8983_solr-n_0000000003"},
            "72057594037927936-10.0.0.7:8983_solr-n_0000000003",
        ),
        ({"leader": True, "epoch": 4}, '{"leader":true,"epoch":4}'),
        ({"host": "worker-1", "port": None, "started": 1700000000000}, "worker-1"),
        ([1, 2, 3], "[1,2,3]"),
    ],
)
def test_json_identities(payload, identity):
    assert decode_identity(json.dumps(payload).encode()) == identity


def test_long_json_is_compacted_and_cut():
    identity = decode_identity(json.dumps({"k": "v" * 200}).encode())
    assert identity == '{"k":"' + "v" * 53 + "\u2026"
    assert len(identity) == 60


def test_text_identity_is_the_first_line():
    assert decode_identity(b"\n  10.0.0.8:2181  \nsecond line") == "10.0.0.8:2181"
    assert decode_identity(b"x" * 100) == "x" * 59 + "\u2026"


def test_int32_identity():
    assert decode_identity(struct.pack(">i", 42)) == "42"
    assert decode_identity(struct.pack(">i", -2)) == "-2"


def test_hex_identity_for_anything_else():
    assert decode_identity(b"\x00\x01") == "0x0001"
    assert decode_identity(b"\x07" + bytes(19)) == "0x0700000000000000\u2026 (20 bytes)"


def test_empty_payload_has_no_identity():
    assert decode_identity(b"") is None


def test_hostile_identities_are_inert():
    assert decode_identity(json.dumps({"host": "\x1b]0;pwn\x07", "port": 1}).encode()) == "\\x1b]0;pwn\\x07:1"
    assert decode_identity(hbase(b"1@\x1b[2J", b"")) == "1@\\x1b[2J"
    assert decode_identity("lock-owner-\u202etxt.exe".encode()) == "lock-owner-\\u202etxt.exe"


@settings(deadline=None, max_examples=300)
@given(any_data)
def test_identity_is_one_inert_line_for_any_payload(data):
    identity = decode_identity(data)
    if not data:
        assert identity is None
        return
    assert identity
    assert not terminal_unsafe(identity)
