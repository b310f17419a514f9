"""Pure unit tests for zktui.core.zkformat and zktui.core.errors.

Expected Java texts (dates, hex) were printed by OpenJDK 17 (`new Date(ms).toString()`, `Long.toHexString`)
and zkCli.sh 3.8; the end-to-end comparison with zkCli lives in test_zkcli_parity.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta, timezone
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kazoo import exceptions as kz
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import ZnodeStat
from kazoo.security import ACL, Id

from zktui.core.errors import BadPathError, ZkCommandError, describe_error, validate_path
from zktui.core.zkformat import (
    acl_to_json,
    format_acl,
    format_children,
    format_data,
    format_ephemerals,
    format_stat,
    format_zxid,
    java_date,
    keeper_error_message,
    letters_to_perms,
    node_kind,
    parse_acl,
    perms_to_letters,
    session_hex,
    stat_to_json,
    zkcli_error,
    zkcli_get,
    zkcli_get_acl,
    zkcli_ls,
    zxid_parts,
)

UTC = ZoneInfo("UTC")


def make_stat(**changes) -> ZnodeStat:
    fields = dict(
        czxid=0x100000002,
        mzxid=0x200000005,
        ctime=1705320000000,
        mtime=1721044800123,
        version=3,
        cversion=2,
        aversion=1,
        ephemeralOwner=0,
        dataLength=11,
        numChildren=2,
        pzxid=0x200000007,
    )
    fields.update(changes)
    return ZnodeStat(**fields)


# ----- zxids, session ids, node kinds -----


def test_zxid_and_session_hex_match_javas_long_to_hex_string():
    assert format_zxid(0x100000002) == "0x100000002"
    assert format_zxid(0) == "0x0"
    assert session_hex(0x100005877F20002) == "0x100005877f20002"
    # kazoo decodes jute longs as signed; Java prints the two's complement bits.
    assert session_hex(-(2**63)) == "0x8000000000000000"
    assert session_hex(-1) == "0xffffffffffffffff"


def test_zxid_parts_split_epoch_and_counter():
    assert zxid_parts(0x100000002) == (1, 2)
    assert zxid_parts(0x7_0000_00FF) == (7, 255)
    assert zxid_parts(0) == (0, 0)


@given(st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_zxid_hex_and_parts_describe_the_same_64_bits(zxid):
    unsigned = zxid % 2**64
    assert int(format_zxid(zxid), 16) == unsigned
    epoch, counter = zxid_parts(zxid)
    assert 0 <= counter < 2**32 and 0 <= epoch < 2**32
    assert (epoch << 32) | counter == unsigned


@pytest.mark.parametrize(
    ("owner", "kind"),
    [
        (0, "persistent"),
        (0x100005877F20002, "ephemeral"),
        (0x8000000000000000, "container"),
        (-(2**63), "container"),  # the same marker as kazoo decodes it (signed)
        (0xFF0000000000EA60, "ttl"),
        (0xFF0000000000EA60 - 2**64, "ttl"),
        (0xFE00000000000001, "ephemeral"),
    ],
)
def test_node_kind_reads_ephemeral_owner_as_unsigned(owner, kind):
    assert node_kind(make_stat(ephemeralOwner=owner)) == kind


# ----- dates -----


@pytest.mark.parametrize(
    ("zone", "ms", "expected"),
    [
        ("UTC", 0, "Thu Jan 01 00:00:00 UTC 1970"),
        ("UTC", -1, "Wed Dec 31 23:59:59 UTC 1969"),
        ("UTC", 1707105600123, "Mon Feb 05 04:00:00 UTC 2024"),
        ("America/New_York", 1710050399999, "Sun Mar 10 00:59:59 EST 2024"),
        ("America/New_York", 1710054000000, "Sun Mar 10 03:00:00 EDT 2024"),
        ("Asia/Kolkata", 1795425021803, "Mon Nov 23 14:40:21 IST 2026"),
        ("Australia/Sydney", 1705320000000, "Mon Jan 15 23:00:00 AEDT 2024"),
        ("Europe/London", 1721044800000, "Mon Jul 15 13:00:00 BST 2024"),
        # tzdata has only numeric abbreviations here; the JVM keeps its own names...
        ("Asia/Kathmandu", 1705320000000, "Mon Jan 15 17:45:00 NPT 2024"),
        ("America/Sao_Paulo", 1705320000000, "Mon Jan 15 09:00:00 BRT 2024"),
        ("America/Santiago", 1705320000000, "Mon Jan 15 09:00:00 CLST 2024"),
        ("America/Santiago", 1721044800000, "Mon Jul 15 08:00:00 CLT 2024"),
        # ...or, with no name at all, prints the offset.
        ("Etc/GMT+5", 1705320000000, "Mon Jan 15 07:00:00 GMT-05:00 2024"),
        ("Etc/GMT-14", 1705320000000, "Tue Jan 16 02:00:00 GMT+14:00 2024"),
        ("Antarctica/Troll", 1705320000000, "Mon Jan 15 12:00:00 GMT 2024"),
    ],
)
def test_java_date_matches_javas_date_to_string(zone, ms, expected):
    assert java_date(ms, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("UTC", "Mon Jan 15 12:00:00 UTC 2024"),
        ("Asia/Kolkata", "Mon Jan 15 17:30:00 IST 2024"),
        ("Asia/Dubai", "Mon Jan 15 16:00:00 GST 2024"),
        (":America/New_York", "Mon Jan 15 07:00:00 EST 2024"),
    ],
)
def test_java_date_without_a_zone_uses_the_process_zone(tz, expected):
    program = "from zktui.core.zkformat import java_date; print(java_date(1705320000000))"
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=dict(os.environ, TZ=tz),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


def test_java_date_with_a_fixed_offset_prints_javas_gmt_form():
    assert (
        java_date(1705320000000, timezone(timedelta(hours=5, minutes=30)))
        == "Mon Jan 15 17:30:00 GMT+05:30 2024"
    )
    assert java_date(1705320000000, timezone.utc) == "Mon Jan 15 12:00:00 UTC 2024"


def test_java_date_beyond_datetime_shows_the_raw_number():
    assert java_date(10**20, UTC) == str(10**20)


# ----- stat -----


def test_format_stat_is_zkclis_block():
    stat = make_stat(ephemeralOwner=0x100005877F20002)
    assert format_stat(stat, UTC) == (
        "cZxid = 0x100000002\n"
        "ctime = Mon Jan 15 12:00:00 UTC 2024\n"
        "mZxid = 0x200000005\n"
        "mtime = Mon Jul 15 12:00:00 UTC 2024\n"
        "pZxid = 0x200000007\n"
        "cversion = 2\n"
        "dataVersion = 3\n"
        "aclVersion = 1\n"
        "ephemeralOwner = 0x100005877f20002\n"
        "dataLength = 11\n"
        "numChildren = 2"
    )


def test_stat_to_json_uses_zkcli_names_hex_ids_and_epoch_ms():
    assert stat_to_json(make_stat(ephemeralOwner=-(2**63))) == {
        "cZxid": "0x100000002",
        "ctime": 1705320000000,
        "mZxid": "0x200000005",
        "mtime": 1721044800123,
        "pZxid": "0x200000007",
        "cversion": 2,
        "dataVersion": 3,
        "aclVersion": 1,
        "ephemeralOwner": "0x8000000000000000",
        "dataLength": 11,
        "numChildren": 2,
    }


# ----- data and listings -----


def test_format_data_null_empty_and_text():
    assert format_data(None) == "null"
    assert format_data(b"") == ""
    assert format_data("h\u00e9llo\nw\u00f6rld \U0001f600".encode()) == "h\u00e9llo\nw\u00f6rld \U0001f600"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\xffb", "a\ufffdb"),
        (b"\xc3\x28", "\ufffd("),
        (b"\xe2\x82 end", "\ufffd end"),
        (b"\xc0\xaf", "\ufffd\ufffd"),
        # Encoded surrogates: Java replaces the sequence as a whole, Python's "replace" byte by byte.
        (b"z\xed\xa0\x80q", "z\ufffdq"),
        (b"z\xed\xa0 q", "z\ufffd q"),
        (b"z\xed\xa0", "z\ufffd"),
        (b"\xed\x9f\xbf", "\ud7ff"),
    ],
)
def test_format_data_replaces_bad_utf8_as_java_does(data, expected):
    assert format_data(data) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_format_data_round_trips_any_utf8_text(text):
    assert format_data(text.encode()) == text


def test_format_children_sorts_like_java():
    assert format_children(["b10", "a", "B", "b9", "_x"]) == "[B, _x, a, b10, b9]"
    assert format_children([]) == "[]"
    # Java compares UTF-16 code units: a character above U+FFFF (a surrogate pair, 0xD83D...) sorts
    # before U+FF21, whereas code point order would put it after.
    assert format_children(["\uff21", "\U0001f600"]) == "[\U0001f600, \uff21]"


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=",/"), min_size=1), unique=True))
def test_format_children_ignores_the_servers_order(names):
    assert format_children(names) == format_children(list(reversed(names)))
    printed = format_children(names)
    assert printed.startswith("[") and printed.endswith("]")
    listed = printed[1:-1].split(", ") if names else []
    assert sorted(listed) == sorted(names)


def test_format_ephemerals_keeps_the_servers_order():
    assert format_ephemerals(["/b", "/a"]) == "[/b, /a]"
    assert format_ephemerals([]) == "[]"


def test_command_outputs_combine_line_and_stat():
    stat = make_stat()
    assert zkcli_get(b"hi") == "hi"
    assert zkcli_get(b"hi", stat, UTC) == "hi\n" + format_stat(stat, UTC)
    assert zkcli_get(b"", stat, UTC).startswith("\ncZxid = ")
    assert zkcli_ls(["b", "a"]) == "[a, b]"
    assert zkcli_ls(["b", "a"], stat, UTC) == "[a, b]\n" + format_stat(stat, UTC)
    acl = [ACL(31, Id("world", "anyone"))]
    assert zkcli_get_acl(acl, stat, UTC) == "'world,'anyone\n: cdrwa\n" + format_stat(stat, UTC)


# ----- ACLs -----


def test_perms_letters_in_zkcli_order():
    assert perms_to_letters(31) == "cdrwa"
    assert perms_to_letters(0) == ""
    assert perms_to_letters(1 | 2) == "rw"
    assert perms_to_letters(16 | 4) == "ca"
    assert letters_to_perms("awrdc") == 31
    assert letters_to_perms("") == 0


def test_every_permission_set_round_trips():
    for perms in range(32):
        letters = perms_to_letters(perms)
        assert letters_to_perms(letters) == perms
        assert letters == "".join(ch for ch in "cdrwa" if ch in letters)


@pytest.mark.parametrize("letters", ["x", "rwx", "R", "all"])
def test_unknown_permission_letters_are_refused(letters):
    with pytest.raises(ValueError, match="cdrwa"):
        letters_to_perms(letters)


def test_format_acl_prints_jute_records():
    acls = [ACL(31, Id("world", "anyone")), ACL(3, Id("ip", "127.0.0.1")), ACL(5, Id("digest", "bob:x"))]
    assert format_acl(acls) == "'world,'anyone\n: cdrwa\n'ip,'127.0.0.1\n: rw\n'digest,'bob:x\n: cr"
    assert format_acl([]) == ""


def test_format_acl_escapes_like_jute():
    acl = ACL(1, Id("digest", "a,b%c}d\ne\rf\0g:h"))
    assert format_acl([acl]) == "'digest,'a%2Cb%25c%7Dd%0Ae%0Df%00g:h\n: r"


@given(st.text())
def test_jute_escaping_is_reversible_and_leaves_no_separator(text):
    first_line = format_acl([ACL(1, Id("digest", text))]).split("\n: ")[0]
    escaped = first_line[len("'digest,'") :]
    assert not set(escaped) & set(",\n\r\0}")
    assert unquote(escaped) == text


def test_acl_to_json():
    acls = [ACL(31, Id("world", "anyone")), ACL(3, Id("ip", "10.0.0.0/8"))]
    assert acl_to_json(acls) == [
        {"scheme": "world", "id": "anyone", "perms": "cdrwa"},
        {"scheme": "ip", "id": "10.0.0.0/8", "perms": "rw"},
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("world:anyone:cdrwa", [ACL(31, Id("world", "anyone"))]),
        ("digest:user:hash=:cdr", [ACL(13, Id("digest", "user:hash="))]),
        ("ip:127.0.0.1:rw", [ACL(3, Id("ip", "127.0.0.1"))]),
        ("auth::crdwa", [ACL(31, Id("auth", ""))]),
        ("sasl:zk/host@REALM:a", [ACL(16, Id("sasl", "zk/host@REALM"))]),
        ("ip:::1:r", [ACL(1, Id("ip", "::1"))]),
        ("world:anyone:", [ACL(0, Id("world", "anyone"))]),
        (
            "digest:bob:h:cdrwa,world:anyone:r",
            [ACL(31, Id("digest", "bob:h")), ACL(1, Id("world", "anyone"))],
        ),
    ],
)
def test_parse_acl_reads_zkcli_syntax(text, expected):
    assert parse_acl(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty ACL"),
        ("world:anyone", "does not have the form scheme:id:perms"),
        ("world", "does not have the form"),
        ("world:anyone:cdrwa,", "does not have the form"),
        (":anyone:r", "no scheme"),
        ("world:anyone:xyz", "unknown permission 'x'"),
    ],
)
def test_parse_acl_refuses_bad_input_clearly(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_acl(text)


_scheme = st.text(alphabet=st.characters(blacklist_characters=":,", blacklist_categories=("Cs",)), min_size=1)
_id = st.text(alphabet=st.characters(blacklist_characters=",", blacklist_categories=("Cs",)))


@given(st.lists(st.tuples(_scheme, _id, st.integers(0, 31)), min_size=1))
def test_parse_acl_reads_back_what_zkcli_syntax_writes(entries):
    text = ",".join(f"{scheme}:{ident}:{perms_to_letters(perms)}" for scheme, ident, perms in entries)
    assert parse_acl(text) == [ACL(perms, Id(scheme, ident)) for scheme, ident, perms in entries]


# ----- paths -----


@pytest.mark.parametrize(
    ("path", "message", "index"),
    [
        ("", "Path length must be > 0", 0),
        ("a", "Path must start with / character", 0),
        ("/a/", "Path must not end with / character", 2),
        ("/a//b", 'Invalid path string "/a//b" caused by empty node name specified @3', 3),
        ("/a/./b", 'Invalid path string "/a/./b" caused by relative paths not allowed @3', 3),
        ("/a/../b", 'Invalid path string "/a/../b" caused by relative paths not allowed @4', 4),
        ("/a/..", 'Invalid path string "/a/.." caused by relative paths not allowed @4', 4),
        ("/a/.", 'Invalid path string "/a/." caused by relative paths not allowed @3', 3),
        ("/.", 'Invalid path string "/." caused by relative paths not allowed @1', 1),
        ("/a\0b", 'Invalid path string "/a\0b" caused by null character not allowed @2', 2),
        ("/a\x01b", 'Invalid path string "/a\x01b" caused by invalid character @2', 2),
        ("/\x7f", 'Invalid path string "/\x7f" caused by invalid character @1', 1),
        ("/x\x9f", 'Invalid path string "/x\x9f" caused by invalid character @2', 2),
        ("/x\ue000", 'Invalid path string "/x\ue000" caused by invalid character @2', 2),
        ("/x\ufff0", 'Invalid path string "/x\ufff0" caused by invalid character @2', 2),
        ("/x\U0001f600", 'Invalid path string "/x\U0001f600" caused by invalid character @2', 2),
    ],
)
def test_validate_path_gives_pathutils_messages(path, message, index):
    with pytest.raises(BadPathError) as caught:
        validate_path(path)
    assert caught.value.message == message == str(caught.value)
    assert caught.value.index == index
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "path",
    ["/", "/a", "/a/b", "/...", "/a.", "/.a", "/a..", "/..a", "/\u00e9", "/\u00a0", "/\uffef", "/\uf900"],
)
def test_validate_path_accepts_what_zookeeper_accepts(path):
    validate_path(path)


def test_sequential_paths_are_checked_with_the_counter_appended():
    validate_path("/queue/", sequential=True)
    with pytest.raises(BadPathError, match='"/q//1" caused by empty node name specified @3'):
        validate_path("/q//", sequential=True)


_name_char = st.characters(min_codepoint=0x20, max_codepoint=0xFFEF, blacklist_characters="/.").filter(
    lambda c: not (0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xF8FF)
)
_name = st.text(alphabet=_name_char, min_size=1, max_size=8)


@given(st.lists(_name, min_size=1, max_size=5))
def test_paths_of_ordinary_names_are_valid(names):
    validate_path("/" + "/".join(names))


@given(
    st.lists(_name, min_size=1, max_size=4),
    st.characters(min_codepoint=0, max_codepoint=0x1F)
    | st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
    st.data(),
)
def test_a_control_character_is_rejected_where_it_stands(names, control, data):
    clean = "/" + "/".join(names)
    at = data.draw(st.integers(min_value=1, max_value=len(clean)))
    path = clean[:at] + control + clean[at:]
    with pytest.raises(BadPathError) as caught:
        validate_path(path)
    # An empty name ("//") ahead of the control character would be reported first; there is none here,
    # because the control character only ever splits or extends a name.
    assert caught.value.index == at
    assert path[caught.value.index] == control
    assert caught.value.message.endswith(f"@{at}")


# ----- zkCli's error lines -----


@pytest.mark.parametrize(
    ("command", "exc", "expected"),
    [
        ("get", kz.NoNodeError(), "Node does not exist: /x"),
        ("create", kz.NodeExistsError(), "Node already exists: /x"),
        ("delete", kz.NotEmptyError(), "Node not empty: /x"),
        ("set", kz.BadVersionError(), "version No is not valid : /x"),
        ("get", kz.NoAuthError(), "Insufficient permission : /x"),
        ("setAcl", kz.InvalidACLError(), "Acl is not valid : /x"),
        ("create", kz.InvalidACLError(), "KeeperErrorCode = InvalidACL for /x\nAcl is not valid : /x"),
        ("create", kz.NoChildrenForEphemeralsError(), "Ephemerals cannot have children: /x"),
        ("delete", kz.BadArgumentsError(), "Arguments are not valid : /x"),
        ("set", kz.QuotaExceededError(), "Quota has exceeded : /x"),
        ("set", kz.ConnectionLoss(), "KeeperErrorCode = ConnectionLoss for /x"),
        ("set", KazooTimeoutError(), "KeeperErrorCode = ConnectionLoss for /x"),
        ("get", kz.SessionExpiredError(), "KeeperErrorCode = Session expired for /x"),
        ("get", kz.ConnectionClosedError(), "Not connected"),
        ("get", kz.OperationTimeoutError(), "KeeperErrorCode = OperationTimeout for /x"),
        ("get", kz.RequestTimeoutError(), "KeeperErrorCode = Unknown error REQUESTTIMEOUT for /x"),
        ("create", kz.UnimplementedError(), "KeeperErrorCode = Unimplemented for /x"),
        (
            "create",
            kz.EphemeralOnLocalSessionError(),
            "Unable to create ephemeral node on a local session\n"
            "KeeperErrorCode = Ephemeral node on local session for /x",
        ),
        (
            "reconfig",
            kz.ReconfigInProcessError(),
            "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)",
        ),
        ("get", BadPathError("Path must start with / character", 0), "Path must start with / character"),
    ],
)
def test_zkcli_error_lines(command, exc, expected):
    assert zkcli_error(command, "/x", exc) == expected


def test_zkcli_error_without_a_path_prints_null_like_java():
    assert zkcli_error("setAcl", None, kz.InvalidACLError()) == "Acl is not valid : null"
    expected = "KeeperErrorCode = InvalidACL\nAcl is not valid : null"
    assert zkcli_error("create", None, kz.InvalidACLError()) == expected


def test_keeper_error_message_prefers_the_exact_class():
    # ConnectionClosedError is a SessionExpiredError in kazoo; both are "Session expired" codes in Java.
    assert (
        keeper_error_message(kz.ConnectionClosedError(), "/x") == "KeeperErrorCode = Session expired for /x"
    )
    assert keeper_error_message(kz.NotEmptyError(), None) == "KeeperErrorCode = Directory not empty"


# ----- zktui's own messages -----


@pytest.mark.parametrize(
    ("command", "exc", "context", "expected"),
    [
        ("get", kz.NoNodeError(), {"path": "/x"}, "no node /x"),
        ("create", kz.NoNodeError(), {"path": "/a/b"}, "no node /a: create the parent first"),
        ("create", kz.NodeExistsError(), {"path": "/x"}, "/x already exists"),
        ("delete", kz.NotEmptyError(), {"path": "/x"}, "/x is not empty: use deleteall"),
        (
            "set",
            kz.BadVersionError(),
            {"path": "/x", "current_version": 3, "expected_version": 2},
            "bad version: /x is at version 3, not 2",
        ),
        ("set", kz.BadVersionError(), {"path": "/x"}, "bad version: /x changed since it was read"),
        ("get", kz.NoAuthError(), {"path": "/x"}, "not authorised for /x: addauth digest user:pass"),
        ("get", kz.SessionExpiredError(), {}, None),
        ("get", kz.ConnectionClosedError(), {}, "not connected: the client is closed"),
        ("get", KazooTimeoutError(), {}, "timed out waiting for the server"),
        (
            "set",
            kz.ConnectionLoss(),
            {"path": "/x", "data_size": 2_000_000},
            "data of 2000000 bytes is over the server's limit (jute.maxbuffer, about 1 MB)",
        ),
        (
            "get",
            BadPathError("Path must start with / character", 0),
            {},
            "bad path: Path must start with / character",
        ),
        ("get", ZkCommandError("get", "already explained"), {}, "already explained"),
        ("ls", ValueError("plain message"), {}, "plain message"),
    ],
)
def test_describe_error_explains(command, exc, context, expected):
    reason = describe_error(command, exc, **context)
    if expected is None:
        assert reason.startswith("session expired")
    else:
        assert reason == expected


def test_describe_connection_loss_says_whether_a_write_may_have_happened():
    write = describe_error("set", kz.ConnectionLoss(), path="/x", data_size=10)
    read = describe_error("get", kz.ConnectionLoss(), path="/x")
    assert write.startswith("connection lost (SUSPENDED): ") and "may or may not have been applied" in write
    assert read.startswith("connection lost (SUSPENDED): ") and "applied" not in read


_KAZOO_ERRORS = sorted(
    {cls for cls in kz.EXCEPTIONS.values()}
    | {kz.ConnectionClosedError, kz.ZookeeperStoppedError, kz.LockTimeout},
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("cls", _KAZOO_ERRORS, ids=lambda cls: cls.__name__)
def test_every_kazoo_exception_gets_a_one_line_reason(cls):
    reason = describe_error("get", cls(), path="/x")
    assert reason and "\n" not in reason
    assert not reason.startswith(cls.__name__ + ":")


def test_zk_command_error_carries_command_and_reason():
    error = ZkCommandError("delete", "/x is not empty: use deleteall")
    assert (error.command, error.reason) == ("delete", "/x is not empty: use deleteall")
    assert str(error) == "zktui: delete: /x is not empty: use deleteall"
    wrapped = ZkCommandError.from_exception("get", kz.NoNodeError(), path="/y")
    assert str(wrapped) == "zktui: get: no node /y"
