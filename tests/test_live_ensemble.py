"""The ensemble poller, the session directory and their commands, against real servers."""

from __future__ import annotations

import pytest
from kazoo.client import KazooClient

from zktui.commands.engine import Engine
from zktui.commands.handlers.live_servers import ensemble as ensemble_command
from zktui.commands.handlers.live_servers import parse_session_id, sessions, timeline, who
from zktui.commands.parser import Invocation
from zktui.commands.registry import CommandError
from zktui.commands.spec import Arg, Command, Flag
from zktui.core.session import ConnectOptions
from zktui.live.ensemble import EnsemblePoller, EnsembleSnapshot, ServerState, diff, servers_from_config
from zktui.live.sessions import SessionDirectory, parse_dump_ephemerals
from zktui.live.timeline import TimelineEvent, timeline_of
from zktui.sandbox import Ensemble

from .helpers import wait_until

# The commands as the table will declare them; handlers are called with invocations of these.
ENSEMBLE = Command("ensemble", "every server's mode, zxid, latency", "servers", needs_session=False)
SESSIONS = Command("sessions", "every session", "servers", needs_session=False)
WHO = Command("who", "a session's client, server, ephemerals", "servers", (Arg("session", "session id"),),
              needs_session=False)
TIMELINE = Command("timeline", "events so far", "session", (), (Flag("--save", "write JSON lines", "FILE"),),
                   needs_session=False)


def client_address(client: KazooClient) -> str:
    host, port = client._connection._socket.getsockname()[:2]
    return f"{host}:{port}"


@pytest.fixture
def engine(ensemble):
    running = Engine(ConnectOptions(hosts=ensemble.hosts))
    running.connect()
    yield running
    running.close()


# ----- pure -----


def test_servers_from_config_takes_the_client_part():
    text = (
        "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\n"
        "server.2=10.0.0.2:2888:3888:observer;0.0.0.0:2182\n"
        "server.3=[fe80::1]:2888:3888:participant;2183\n"
        "server.4=10.0.0.4:2888:3888:participant\n"
        "version=100000000\n"
    )
    assert servers_from_config(text) == ["10.0.0.1:2181", "10.0.0.2:2182", "[fe80::1]:2183"]


def snapshot(at: float, *servers: ServerState) -> EnsembleSnapshot:
    return EnsembleSnapshot(at, servers)


def test_diff_names_old_and_new_leader_across_a_leaderless_poll():
    before = snapshot(1, ServerState("a:1", "leader", zxid=1 << 32), ServerState("b:2", "follower", zxid=1 << 32))
    electing = snapshot(2, ServerState("a:1", "down"), ServerState("b:2", "looking"))
    after = snapshot(3, ServerState("a:1", "down"), ServerState("b:2", "leader", zxid=2 << 32))
    first = diff(before, electing)
    assert {(e.kind, e.data["server"]) for e in first} == {("server-down", "a:1"), ("server-looking", "b:2")}
    changed = diff(electing, after, last_leader=before.leader)
    assert [(e.kind, e.text) for e in changed] == [("leader-changed", "leader changed a:1 -> b:2 (epoch 2)")]
    assert diff(after, after) == []


def test_diff_reports_a_leader_re_elected_with_a_new_epoch_and_a_server_back():
    before = snapshot(1, ServerState("a:1", "leader", zxid=1 << 32), ServerState("b:2", "down"))
    after = snapshot(2, ServerState("a:1", "leader", zxid=3 << 32), ServerState("b:2", "follower"))
    texts = [e.text for e in diff(before, after)]
    assert texts == ["server b:2 up (follower)", "leader re-elected a:1 (epoch 3)"]


def test_parse_dump_ephemerals_stops_at_the_next_section():
    text = ("SessionTracker dump:\nSession Sets (1)/(1):\n1 expire at x:\n\t0x10\nephemeral nodes dump:\n"
            "Sessions with Ephemerals (2):\n0x10:\n\t/a\n\t/b\n0x20:\n\t/c\nConnections dump:\n"
            "Connections Sets (1)/(1):\n\tip: /127.0.0.1:1 sessionId: 0x0\n")
    assert parse_dump_ephemerals(text) == {0x10: ["/a", "/b"], 0x20: ["/c"]}


def test_a_session_on_no_server_is_dead_only_when_every_server_answered():
    assert SessionDirectory({"a:1": [], "b:2": []}).is_alive(0x10) is False
    assert SessionDirectory({"a:1": [], "b:2": None}).is_alive(0x10) is None


def test_session_ids_in_hex_or_decimal():
    assert parse_session_id("0x1000a") == parse_session_id(str(0x1000A)) == 0x1000A
    with pytest.raises(CommandError):
        parse_session_id("zombie")


# ----- the shared ensemble -----


def test_poll_shows_one_leader_and_zxids_split_into_epoch_and_counter(ensemble, zk, base_path):
    zk.create(f"{base_path}/written")  # a fresh follower says zxid 0 until it applies a write
    poller = EnsemblePoller(ensemble.hosts.split(","))

    def settled():
        polled = poller.poll_once()
        zxids = {s.zxid for s in polled.servers}
        return polled if len(zxids) == 1 and zxids != {0} else None

    state = wait_until(settled, message="every server at the same, nonzero zxid")
    assert len(state.servers) == 3
    assert [s.mode for s in state.servers].count("leader") == 1
    assert {s.mode for s in state.servers} <= {"leader", "follower"}
    for server in state.servers:
        assert server.error is None and server.zxid is not None
        assert (server.epoch << 32) + server.counter == server.zxid and server.epoch >= 1
        assert server.connections is not None and server.connections >= 1  # our own cons connection at least


def test_config_adds_the_servers_missing_from_the_connect_string(ensemble, zk):
    first = ensemble.hosts.split(",")[0]
    assert [str(s) for s in EnsemblePoller([first]).servers()] == [first]
    assert sorted(str(s) for s in EnsemblePoller([first], client=zk).servers()) == sorted(ensemble.hosts.split(","))


def test_our_session_is_in_the_directory_until_we_close_it(ensemble, zk):
    poller = EnsemblePoller(ensemble.hosts.split(","))
    ours = zk.client_id[0]
    directory = poller.poll_once().directory()
    assert directory.complete
    assert directory.client_of(ours) == client_address(zk)
    assert directory.server_of(ours) in ensemble.hosts.split(",")
    assert directory.is_alive(ours) is True

    other = KazooClient(hosts=ensemble.hosts)
    other.start(timeout=15)
    closed = other.client_id[0]
    wait_until(lambda: poller.poll_once().directory().is_alive(closed), message="the new session in cons")
    other.stop()
    other.close()
    wait_until(lambda: poller.poll_once().directory().is_alive(closed) is False, message="the closed session gone")
    assert poller.poll_once().directory().is_alive(ours) is True


def test_ensemble_command_lists_every_server(ensemble, engine):
    output = ensemble_command(engine, Invocation(ENSEMBLE, {}))
    header, *rows = output.text.splitlines()
    assert header.split() == ["ADDRESS", "MODE", "ZXID", "EPOCH", "LATENCY", "CONNECTIONS", "OUTSTANDING"]
    assert sorted(row.split()[0] for row in rows) == sorted(ensemble.hosts.split(","))
    assert [item["mode"] for item in output.data].count("leader") == 1
    for item in output.data:
        assert item["zxid"].startswith("0x") and int(item["zxid"], 16) >> 32 == item["epoch"]
        assert set(item) == {"address", "mode", "zxid", "epoch", "latency_ms", "connections"}


def test_sessions_and_who_show_our_client_and_its_ephemerals(engine, zk, base_path):
    node = zk.create(f"{base_path}/eph", ephemeral=True)
    ours = zk.client_id[0]
    listed = sessions(engine, Invocation(SESSIONS, {})).data
    mine = next(item for item in listed if item["session"] == f"0x{ours:x}")
    assert mine["client"] == client_address(zk) and mine["ephemerals"] == 1

    output = who(engine, Invocation(WHO, {"session": f"0x{ours:x}"}))
    assert output.data["alive"] is True and output.data["client"] == client_address(zk)
    assert output.data["ephemerals"] == [node]
    assert f"client: {client_address(zk)}" in output.text and node in output.text
    by_decimal = who(engine, Invocation(WHO, {"session": str(ours)}))
    assert by_decimal.data["server"] == output.data["server"]


def test_who_says_a_closed_session_is_on_no_server(ensemble, engine):
    other = KazooClient(hosts=ensemble.hosts)
    other.start(timeout=15)
    gone = other.client_id[0]
    other.stop()
    other.close()
    output = wait_until(lambda: (o := who(engine, Invocation(WHO, {"session": hex(gone)}))).data["alive"] is False
                        and o, message="the closed session gone from cons")
    assert "on no server" in output.text and output.data["client"] is None


def test_timeline_command_prints_and_saves(engine, tmp_path):
    timeline_of(engine).append(TimelineEvent(0, "server-down", "server a:1 down"))
    printed = timeline(engine, Invocation(TIMELINE, {}))
    assert printed.text.splitlines()[-1].endswith("server a:1 down")
    path = tmp_path / "events.jsonl"
    saved = timeline(engine, Invocation(TIMELINE, {}, {"save": str(path)}))
    assert saved.data["events"] == len(path.read_text().splitlines()) >= 1
    with pytest.raises(CommandError):
        timeline(engine, Invocation(TIMELINE, {}, {"save": str(tmp_path / "missing" / "x.jsonl")}))


def test_timeline_follows_the_engines_own_session(ensemble):
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    events = timeline_of(engine)
    engine.close()
    assert [event.kind for event in events.events()] == ["connection-closed"]


# ----- a private ensemble to break -----


@pytest.fixture
def own_ensemble():
    with Ensemble(servers=3, tick_time=500) as running:
        yield running


def poll_until(poller: EnsemblePoller, state: dict, kind: str, message: str, **data) -> TimelineEvent:
    """Poll (diffing each poll against the last) until an event of `kind` with `data` shows up."""

    def found():
        state["snapshot"], events = poller.poll_and_diff(state.get("snapshot"))
        return next((e for e in events if e.kind == kind and all(e.data.get(k) == v for k, v in data.items())),
                    None)

    return wait_until(found, timeout=60, interval=0.2, message=message)


def test_failover_and_a_follower_down_and_up(own_ensemble):
    poller = EnsemblePoller(own_ensemble.hosts.split(","))
    state: dict = {}
    state["snapshot"], _ = poller.poll_and_diff(None)
    old = state["snapshot"].leader
    assert old is not None
    old_id = next(myid for myid in own_ensemble.ids if own_ensemble.spec(myid).address == old.address)

    own_ensemble.kill(old_id)
    changed = poll_until(poller, state, "leader-changed", "a new leader", old=old.address)
    assert changed.data["new"] != old.address and changed.data["epoch"] > old.epoch
    assert changed.text == f"leader changed {old.address} -> {changed.data['new']} (epoch {changed.data['epoch']})"
    assert state["snapshot"].server(old.address).mode == "down"

    follower = next(s for s in state["snapshot"].servers if s.mode == "follower")
    follower_id = next(myid for myid in own_ensemble.ids if own_ensemble.spec(myid).address == follower.address)
    own_ensemble.start(old_id)  # keep a quorum when the follower goes
    own_ensemble.kill(follower_id)
    down = poll_until(poller, state, "server-down", "the follower down", server=follower.address)
    assert down.text.startswith(f"server {follower.address} down")
    own_ensemble.start(follower_id)
    up = poll_until(poller, state, "server-up", "the follower back", server=follower.address)
    assert up.data["mode"] in ("follower", "looking")
