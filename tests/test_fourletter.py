"""Parsers of four-letter-word replies, on text captured from the real servers and on recorded samples.

The recorded samples are real ZooKeeper 3.8 replies (captured from a sandbox) plus the forms other setups
produce (IPv6 clients, a resolved host name, a server that is not serving), which loopback cannot show.
"""

from __future__ import annotations

import socket
import time

import pytest

from zktui.core.fourletter import (
    NOT_SERVING,
    Connection,
    FourLetterWordError,
    NotWhitelisted,
    WatchSummary,
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

LOOPBACK = "127.0.0.1"

# ----- recorded samples -----

RECORDED_CONS = (
    " /127.0.0.1:39676[0](queued=0,recved=1,sent=0)\n"
    " /127.0.0.1:39648[1](queued=0,recved=9,sent=9,sid=0x200005ae85c0000,lop=CREA,est=1795425063533,"
    "to=10000,lcxid=0x8,lzxid=0x100000004,lresp=5958038,llat=3,minlat=0,avglat=8,maxlat=35)\n"
    "\n"
)
RECORDED_WCHP = "/a/b\n\t0x200005ae85c0000\n\t0x100005ae8400001\n/with space/c\n\t0x100005ae8400001\n\n"
RECORDED_WCHC = "0x200005ae85c0000\n\t/a/b\n0x100005ae8400001\n\t/a/b\n\t/with space/c\n\n"
RECORDED_MNTR = (
    "zk_version\t3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
    "zk_server_state\tleader\n"
    "zk_peer_state\tleading - broadcast\n"
    "zk_avg_latency\t8.8889\n"
    "zk_znode_count\t8\n"
    "zk_last_client_response_size\t-1\n"
    "zk_synced_followers\t2\n"
)


def test_cons_recorded_sample_gives_each_connection_and_its_session():
    first, second = parse_cons(RECORDED_CONS)
    # The four-letter-word connection itself has no session: cons writes no sid for it.
    assert first == Connection(address="127.0.0.1:39676", session_id=None, queued=0, received=1, sent=0,
                               interest_ops=0)
    assert second.address == "127.0.0.1:39648" and second.host == "127.0.0.1"
    assert second.session_id == 0x200005AE85C0000 and second.session_hex == "0x200005ae85c0000"
    assert (second.queued, second.received, second.sent) == (0, 9, 9)
    assert second.last_operation == "CREA"
    assert second.established == 1795425063533 and second.timeout == 10000
    assert (second.last_cxid, second.last_zxid) == (8, 0x100000004)
    assert (second.last_latency, second.min_latency, second.avg_latency, second.max_latency) == (3, 0, 8, 35)
    assert second.to_dict()["session_id"] == "0x200005ae85c0000"
    assert second.to_dict()["last_zxid"] == "0x100000004"


@pytest.mark.parametrize(
    ("java_address", "address", "host"),
    [
        ("/127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1"),
        ("client.example.com/10.1.2.3:5000", "10.1.2.3:5000", "10.1.2.3"),  # resolved name: ip kept
        ("/[0:0:0:0:0:0:0:1]:5000", "[0:0:0:0:0:0:0:1]:5000", "0:0:0:0:0:0:0:1"),  # Java 14+
        ("/0:0:0:0:0:0:0:1:5000", "[0:0:0:0:0:0:0:1]:5000", "0:0:0:0:0:0:0:1"),  # older Java
    ],
)
def test_cons_client_address_forms(java_address, address, host):
    line = f" {java_address}[1](queued=0,recved=3,sent=3,sid=0x1000a,lop=PING,est=1,to=4000)\n"
    (connection,) = parse_cons(line)
    assert connection.address == address
    assert connection.host == host
    assert connection.session_id == 0x1000A


def test_cons_field_in_an_unknown_form_is_left_unknown_not_fatal():
    line = " /127.0.0.1:1[1](queued=0,recved=1,sent=1,sid=0x2a,lcxid=0xZZ,newfield=7,lzxid=0xffffffffffffffff)\n"
    (connection,) = parse_cons(line)
    assert connection.session_id == 0x2A
    assert connection.last_cxid is None
    assert connection.last_zxid == 0xFFFFFFFFFFFFFFFF


def test_replies_of_a_server_that_is_not_serving_parse_to_nothing():
    reply = NOT_SERVING + "\n"
    assert parse_cons(reply) == []
    assert parse_mntr(reply) == {}
    assert parse_wchp(reply) == {}
    assert parse_wchc(reply) == {}
    assert parse_wchs(reply) is None
    assert parse_srvr(reply).mode == "looking"


def test_mntr_recorded_sample_keeps_text_and_converts_numbers():
    values = parse_mntr(RECORDED_MNTR)
    assert values["zk_version"] == "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC"
    assert values["zk_server_state"] == "leader"
    assert values["zk_peer_state"] == "leading - broadcast"
    assert values["zk_avg_latency"] == pytest.approx(8.8889) and isinstance(values["zk_avg_latency"], float)
    assert values["zk_znode_count"] == 8 and isinstance(values["zk_znode_count"], int)
    assert values["zk_last_client_response_size"] == -1
    assert len(values) == 7


def test_wchp_and_wchc_recorded_samples_map_paths_and_sessions_both_ways():
    assert parse_wchp(RECORDED_WCHP) == {
        "/a/b": [0x200005AE85C0000, 0x100005AE8400001],
        "/with space/c": [0x100005AE8400001],
    }
    assert parse_wchc(RECORDED_WCHC) == {
        0x200005AE85C0000: ["/a/b"],
        0x100005AE8400001: ["/a/b", "/with space/c"],
    }
    assert parse_wchp("") == {} and parse_wchc("") == {}


def test_wchs_recorded_sample():
    assert parse_wchs("1 connections watching 1 paths\nTotal watches:1") == WatchSummary(1, 1, 1)
    assert parse_wchs("3 connections watching 12 paths\nTotal watches:20\n") == WatchSummary(3, 12, 20)


def test_admin_json_of_a_server_that_is_not_serving():
    data = {"command": "server_stats", "error": NOT_SERVING}
    assert summary_from_admin(data).mode == "looking"
    assert watch_summary_from_admin({"command": "watch_summary", "error": NOT_SERVING}) is None


# ----- text captured from the real ensemble -----


@pytest.fixture
def watched(zk, base_path):
    """Our session holds an ephemeral node and a data watch; returns (watched path, ephemeral path)."""
    path, ephemeral = f"{base_path}/watched", f"{base_path}/ephemeral"
    zk.create(path, b"x")
    zk.create(ephemeral, ephemeral=True)
    zk.get(path, watch=lambda event: None)  # registered on our server once get() returns
    return path, ephemeral


def test_cons_from_every_server_finds_our_session_on_exactly_one(ensemble, zk, watched):
    session_id = zk.client_id[0]
    ours = []
    for spec in ensemble.specs:
        connections = parse_cons(four_letter_word(LOOPBACK, spec.client_port, "cons"))
        assert connections, f"server {spec.myid} lists at least our own cons connection"
        ours += [(spec, c) for c in connections if c.session_id == session_id]
    assert len(ours) == 1
    spec, connection = ours[0]
    assert connection.host == LOOPBACK
    assert connection.timeout == 10000  # the zk fixture asks for 10 s, within the server's bounds
    assert abs(connection.established - time.time() * 1000) < 10 * 60 * 1000
    assert connection.received >= 3 and connection.sent >= 3
    # The AdminServer of the same server describes the same connection the same way.
    admin = connections_from_admin(admin_command(LOOPBACK, spec.admin_port, "connections"))
    same = [c for c in admin if c.session_id == session_id]
    assert [c.address for c in same] == [connection.address]
    assert same[0].timeout == connection.timeout and same[0].established == connection.established


def test_wchp_and_wchc_from_the_real_servers_show_our_watch(ensemble, zk, watched):
    path, _ = watched
    session_id = zk.client_id[0]
    by_path = {s.myid: parse_wchp(four_letter_word(LOOPBACK, s.client_port, "wchp")) for s in ensemble.specs}
    holders = [myid for myid, watches in by_path.items() if session_id in watches.get(path, [])]
    assert len(holders) == 1  # a watch lives only on the server the session is connected to
    spec = ensemble.spec(holders[0])
    by_session = parse_wchc(four_letter_word(LOOPBACK, spec.client_port, "wchc"))
    assert path in by_session[session_id]
    summary = parse_wchs(four_letter_word(LOOPBACK, spec.client_port, "wchs"))
    assert summary is not None and summary.watches >= 1 and summary.connections >= 1
    admin_by_path = watches_by_path_from_admin(admin_command(LOOPBACK, spec.admin_port, "watches_by_path"))
    assert session_id in admin_by_path[path]
    admin_by_session = watches_by_session_from_admin(admin_command(LOOPBACK, spec.admin_port, "watches"))
    assert path in admin_by_session[session_id]


def test_mntr_and_srvr_from_the_real_servers_agree(ensemble):
    states = []
    for spec in ensemble.specs:
        values = parse_mntr(four_letter_word(LOOPBACK, spec.client_port, "mntr"))
        summary = parse_srvr(four_letter_word(LOOPBACK, spec.client_port, "srvr"))
        assert values["zk_server_state"] == summary.mode
        assert values["zk_version"] == summary.version
        assert isinstance(values["zk_znode_count"], int) and values["zk_znode_count"] >= 2
        if summary.mode == "leader":
            assert values["zk_synced_followers"] == 2
        states.append(summary.mode)
        admin = mntr_from_admin(admin_command(LOOPBACK, spec.admin_port, "monitor"))
        assert admin["zk_server_state"] == summary.mode
        assert {"zk_version", "zk_znode_count", "zk_watch_count"} <= admin.keys() & values.keys()
        admin_summary = summary_from_admin(admin_command(LOOPBACK, spec.admin_port, "server_stats"))
        assert admin_summary.mode == summary.mode and admin_summary.version == summary.version
    assert sorted(states) == ["follower", "follower", "leader"]


# ----- errors -----


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def test_unreachable_port_raises_with_a_reason_but_is_not_a_whitelist_refusal():
    port = closed_port()
    with pytest.raises(FourLetterWordError) as raised:
        four_letter_word(LOOPBACK, port, "srvr", timeout=1)
    assert not isinstance(raised.value, NotWhitelisted)
    assert "refused" in raised.value.reason.lower()
    assert str(port) in str(raised.value)
    with pytest.raises(FourLetterWordError):
        admin_command(LOOPBACK, port, "monitor", timeout=1)


def test_admin_server_answers_an_unknown_command_with_an_error_not_an_exception(ensemble):
    data = admin_command(LOOPBACK, ensemble.specs[0].admin_port, "no_such_command")
    assert "Unknown command" in data["error"]


def test_client_port_is_not_an_admin_server(ensemble):
    with pytest.raises(FourLetterWordError):
        admin_command(LOOPBACK, ensemble.specs[0].client_port, "monitor", timeout=1)
