"""escape: whatever a server sends must reach the terminal as visible, unambiguous text."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zktui.core.escape import has_unsafe, inert, inert_bytes, inert_json, inert_name, unsafe_chars

# Any code point at all, lone surrogates included (hypothesis leaves those out unless told).
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()))
printable_text = st.text(alphabet=st.characters(exclude_characters="\\").filter(str.isprintable))


def terminal_unsafe(text: str, allow_newline: bool = False) -> list[str]:
    """Characters of `text` a terminal may act on: C0, DEL, C1, format characters, surrogates, separators."""
    found = []
    for char in text:
        code = ord(char)
        if char == "\n" and allow_newline:
            continue
        if (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or char in "\u2028\u2029"
            or unicodedata.category(char) == "Cf"
        ):
            found.append(char)
    return found


_ESCAPE = re.compile(r"\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
_SHORT = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def restore(shown: str) -> str:
    """Undo `inert`: proves no information was lost (so two different texts never print the same)."""
    leftover = _ESCAPE.sub("", shown)
    assert "\\" not in leftover, f"a backslash that starts no escape in {shown!r}"
    return _ESCAPE.sub(lambda m: _SHORT.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), shown)


def restore_bytes(shown: str) -> bytes:
    """Undo `inert_bytes`: `\\xNN` from 0x80 up was an undecodable byte, everything else was text."""
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(shown):
        out += shown[position : match.start()].encode("utf-8")
        body = match.group(1)
        if body.startswith("x") and int(body[1:], 16) >= 0x80:
            out.append(int(body[1:], 16))
        else:
            out += restore(match.group(0)).encode("utf-8")
        position = match.end()
    out += shown[position:].encode("utf-8")
    return bytes(out)


# --- concrete hostile sequences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # CSI colours
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear screen, cursor home
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC window title, BEL-terminated
        (
            "\x1b]52;c;ZWNobyBoaQ==\x1b\\",
            "\\x1b]52;c;ZWNobyBoaQ==\\x1b\\\\",
        ),  # OSC 52 clipboard, ST-terminated
        ("ok\x08\x08bad", "ok\\x08\\x08bad"),  # backspace over what was printed
        ("visible\rhidden", "visible\\rhidden"),  # carriage return overwrites the line
        ("del\x7f", "del\\x7f"),
        ("\x00nul", "\\x00nul"),
        ("\x9b31m", "\\u009b31m"),  # 8-bit CSI (C1)
        ("next\x85line", "next\\u0085line"),  # NEL (C1)
        ("\x9d0;title\x9c", "\\u009d0;title\\u009c"),  # 8-bit OSC ... ST
        ("user\u202etxt.exe", "user\\u202etxt.exe"),  # right-to-left override
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("\ufeffbom", "\\ufeffbom"),
        ("soft\xadhyphen", "soft\\u00adhyphen"),
        ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),  # invisible tag characters
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("lone\ud800\udfff", "lone\\ud800\\udfff"),
        ("nonchar\uffff", "nonchar\\uffff"),
        ("a\nb", "a\\nb"),
        ("a\tb", "a\\tb"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_hostile_sequences_are_shown_not_obeyed(hostile, shown):
    assert inert(hostile) == shown
    assert not terminal_unsafe(inert(hostile))


@pytest.mark.parametrize(
    "friendly",
    [
        "plain-name_0000000001",
        "café",
        "中文節點",
        "Ünïcödé",
        "😀🚀",
        "שלום",
        "e\u0301",
        "a\u00a0b",
        "\ue000",
        " ",
    ],
)
def test_printable_unicode_is_kept_as_is(friendly):
    assert inert(friendly) == friendly
    assert inert_name(friendly) == friendly
    assert not has_unsafe(friendly)


def test_keep_newlines_keeps_only_the_line_feed():
    assert inert("one\ntwo\r\nthree\t!", keep_newlines=True) == "one\ntwo\\r\nthree\\t!"
    assert inert("one\ntwo") == "one\\ntwo"


def test_escaped_text_and_text_that_looks_escaped_differ():
    assert inert("\x1b") == "\\x1b"
    assert inert("\\x1b") == "\\\\x1b"
    assert inert("\n") != inert("\\n")
    assert inert("\\") == "\\\\"


def test_a_name_never_keeps_a_newline():
    assert inert_name("evil\nname\x1b[8m") == "evil\\nname\\x1b[8m"


def test_inert_bytes_shows_undecodable_bytes_as_hex():
    assert inert_bytes(b"ok\xff\xfe") == "ok\\xff\\xfe"
    assert inert_bytes("naïve 中".encode()) == "naïve 中"
    assert inert_bytes(b"\xed\xa0\x80") == "\\xed\\xa0\\x80"  # an encoded surrogate is not UTF-8


def test_inert_bytes_tells_a_c1_control_from_the_same_lone_byte():
    assert inert_bytes(b"\xc2\x85") == "\\u0085"
    assert inert_bytes(b"\x85") == "\\x85"


def test_inert_bytes_escapes_like_inert_and_can_keep_newlines():
    assert inert_bytes(b"\x1b]0;t\x07\nx\\") == "\\x1b]0;t\\x07\\nx\\\\"
    assert inert_bytes(b"a\nb\xff\n", keep_newlines=True) == "a\nb\\xff\n"
    assert inert_bytes("\u202e".encode()) == "\\u202e"


def test_unsafe_chars_lists_what_would_be_escaped():
    assert unsafe_chars("a\x1bb\u202ec\\d\n") == "\x1b\u202e\n"
    assert unsafe_chars("clean \\ text") == ""


def test_has_unsafe():
    assert has_unsafe("x\x1b[0m")
    assert has_unsafe("x\u202e")
    assert has_unsafe("two\nlines")
    assert has_unsafe("\ud800")
    assert not has_unsafe("C:\\path")
    assert not has_unsafe("")


def test_inert_json_keeps_json_valid_and_equal():
    value = {"k\u202e": ["\x85", "\U000e0041", "\u2028", "\\", 'q"', "é中😀"]}
    shown = inert_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(shown) == value
    assert not terminal_unsafe(shown, allow_newline=True)
    assert "é中😀" in shown
    assert "\\u202e" in shown and "\\udb40\\udc41" in shown


def test_inert_json_leaves_clean_json_alone():
    clean = '{\n  "a": "b\\\\c"\n}'
    assert inert_json(clean) == clean


def test_more_distinct_characters_than_the_cache_holds():
    # Past the cache size the tables start afresh; the answer must not change.
    text = "".join(chr(code) for code in range(0x20, 0x20 + 80_000) if not 0xD800 <= code <= 0xDFFF)
    text += "\x1b\u202e"
    shown = inert(text)
    assert "".join(inert(char) for char in text) == shown
    assert restore(shown) == text


# --- properties ---------------------------------------------------------------------------------------


@settings(deadline=None)
@given(any_text)
def test_output_holds_nothing_a_terminal_acts_on(text):
    assert not terminal_unsafe(inert(text))
    assert not terminal_unsafe(inert_name(text))
    assert not terminal_unsafe(inert(text, keep_newlines=True), allow_newline=True)


@settings(deadline=None)
@given(st.binary())
def test_bytes_output_holds_nothing_a_terminal_acts_on(data):
    assert not terminal_unsafe(inert_bytes(data))
    assert not terminal_unsafe(inert_bytes(data, keep_newlines=True), allow_newline=True)


@settings(deadline=None)
@given(printable_text)
def test_printable_text_without_backslashes_is_unchanged(text):
    assert inert(text) == text
    assert inert_bytes(text.encode()) == text


@settings(deadline=None)
@given(any_text)
def test_escaping_is_injective(text):
    assert restore(inert(text)) == text
    assert restore(inert(text, keep_newlines=True)) == text


@settings(deadline=None)
@given(st.binary())
def test_escaping_bytes_is_injective(data):
    assert restore_bytes(inert_bytes(data)) == data
    assert restore_bytes(inert_bytes(data, keep_newlines=True)) == data


@settings(deadline=None)
@given(any_text, any_text)
def test_different_texts_print_differently(first, second):
    if first != second:
        assert inert(first) != inert(second)


@settings(deadline=None)
@given(any_text)
def test_has_unsafe_is_true_exactly_when_more_than_backslashes_change(text):
    assert has_unsafe(text) == (inert(text) != text.replace("\\", "\\\\"))
