"""Four-letter-word commands against real servers: every word on the shared ensemble, a server that is down
or paused while the others answer, and the AdminServer fallback on a server that whitelists only srvr."""

from __future__ import annotations

import time

import pytest
from kazoo.client import KazooClient

import zktui.commands.handlers.servers  # noqa: F401  (registers the handlers)
from tests.helpers import wait_until
from zktui.commands.engine import Engine
from zktui.commands.registry import CommandError
from zktui.core.servers import (
    DEFAULT_ADMIN_PORT,
    ServerAddress,
    admin_port_candidates,
    ask,
    ask_all,
    parse_admin_ports,
    parse_server_address,
    render_admin,
)
from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble

LOOPBACK = "127.0.0.1"


@pytest.fixture
def engine(ensemble):
    running = Engine()
    running.connect(ConnectOptions(hosts=ensemble.hosts))
    yield running
    running.close()


def blocks(text: str) -> dict[str, list[str]]:
    """Command output split into {header line: body lines}."""
    result: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("--- "):
            current = result.setdefault(line, [])
        else:
            current.append(line)
    return result


def by_server(output) -> dict[str, dict]:
    return {entry["server"]: entry for entry in output.data}


def holding_session(output, session_id: int, key) -> list[dict]:
    """JSON entries whose parsed data holds our session (key(data) -> iterable of session hex ids)."""
    return [entry for entry in output.data if entry.get("data") is not None and hex(session_id) in key(entry["data"])]


# ----- addresses (pure) -----


def test_server_addresses_and_admin_port_syntax():
    assert parse_server_address("zk1") == ServerAddress("zk1", 2181)
    assert parse_server_address("zk1:2182") == ServerAddress("zk1", 2182)
    assert parse_server_address("zk1:2182=9090") == ServerAddress("zk1", 2182, 9090)
    assert parse_server_address("[::1]:2181") == ServerAddress("::1", 2181)
    assert str(ServerAddress("::1", 2181)) == "[::1]:2181"
    for bad in ("zk1:", "zk1:99999", "a b:1", "zk1:2181=", ""):
        with pytest.raises(ValueError):
            parse_server_address(bad)
    assert parse_admin_ports("zk1:2181=8081, zk2:2181=8082") == {"zk1:2181": 8081, "zk2:2181": 8082}
    with pytest.raises(ValueError, match="no AdminServer port"):
        parse_admin_ports("zk1:2181")


def test_admin_port_candidates_put_configured_or_default_first_and_the_sandbox_guess_second():
    server = ServerAddress("zk1", 2181)
    assert admin_port_candidates(server) == [(DEFAULT_ADMIN_PORT, False), (2481, False)]
    assert admin_port_candidates(server, {"zk1:2181": 9090}) == [(9090, True), (2481, False)]
    assert admin_port_candidates(server, {"zk1": 9091}) == [(9091, True), (2481, False)]
    assert admin_port_candidates(ServerAddress("zk1", 2181, 7070), {"zk1": 9091}) == [(7070, True), (2481, False)]
    assert admin_port_candidates(ServerAddress("zk1", 7780)) == [(DEFAULT_ADMIN_PORT, False)]  # guess = default


# ----- every word on the shared ensemble -----


def test_srvr_prints_one_block_per_server_headed_by_its_mode(engine, ensemble):
    out = engine.run("srvr")
    expected = [f"--- {spec.address} ({ensemble.mode(spec.myid)})" for spec in ensemble.specs]
    found = blocks(out.text)
    assert list(found) == expected
    for body in found.values():
        assert body[0].startswith("Zookeeper version: 3.")
        assert any(line.startswith("Zxid: 0x") for line in body)
    assert sorted(entry["mode"] for entry in out.data) == ["follower", "follower", "leader"]
    for entry in out.data:
        assert entry["error"] is None
        assert "Mode: " + entry["mode"] in entry["reply"]
        assert entry["data"]["mode"] == entry["mode"] and entry["data"]["zxid"].startswith("0x")


def test_mntr_data_and_aligned_text_say_each_servers_state(engine, ensemble):
    out = engine.run("mntr")
    for header, body in blocks(out.text).items():
        mode = header.rsplit("(", 1)[1].rstrip(")")
        state = [line for line in body if line.startswith("zk_server_state ")]
        assert len(state) == 1 and state[0].split() == ["zk_server_state", mode]
        assert "\\t" not in "\n".join(body)  # tabs laid out as spaces, not shown as escapes
    for entry in out.data:
        assert entry["data"]["zk_server_state"] == entry["mode"]
        if entry["mode"] == "leader":
            assert entry["data"]["zk_synced_followers"] == 2


def test_cons_lists_our_session_on_the_server_we_are_connected_to(engine, zk):
    session_id = zk.client_id[0]
    out = engine.run("cons")
    holders = holding_session(out, session_id, lambda data: [c["session_id"] for c in data])
    assert len(holders) == 1
    (connection,) = [c for c in holders[0]["data"] if c["session_id"] == hex(session_id)]
    assert connection["address"].startswith(f"{LOOPBACK}:") and connection["timeout"] == 10000
    block = blocks(out.text)[next(h for h in blocks(out.text) if h.startswith(f"--- {holders[0]['server']} "))]
    assert any(f"sid={hex(session_id)}," in line for line in block)
    # The engine's own session is listed too, with the session id it was given.
    engine_session = hex(engine.session.session_id)
    assert len(holding_session(out, engine.session.session_id, lambda d: [c["session_id"] for c in d])) == 1
    assert f"sid={engine_session}," in out.text


def test_wchp_wchc_wchs_show_the_watch_our_session_left(engine, zk, base_path):
    path = f"{base_path}/watched"
    zk.create(path, b"v")
    zk.get(path, watch=lambda event: None)
    session_id = zk.client_id[0]

    by_path = engine.run("wchp")
    holders = [e for e in by_path.data if hex(session_id) in e["data"].get(path, [])]
    assert len(holders) == 1
    server = holders[0]["server"]
    body = next(b for h, b in blocks(by_path.text).items() if h.startswith(f"--- {server} "))
    assert body[body.index(path) + 1:].count(f"    {hex(session_id)}") >= 1

    by_session = by_server(engine.run("wchc"))
    assert path in by_session[server]["data"][hex(session_id)]
    summary = by_server(engine.run("wchs"))
    assert summary[server]["data"]["watches"] >= 1 and "Total watches:" in summary[server]["reply"]


def test_what_the_server_says_is_made_inert(engine, zk, base_path):
    # A path may hold a bidi override that would reorder what the operator reads; tabs are layout.
    path = f"{base_path}/evil\u202edlrow"
    zk.create(path, b"v")
    zk.get(path, watch=lambda event: None)
    out = engine.run("wchp")
    assert "\u202e" not in out.text and "\t" not in out.text
    assert f"{base_path}/evil\\u202edlrow" in out.text.splitlines()
    assert any(path in entry["data"] for entry in out.data)  # the data keeps the real name


def test_dump_lists_our_ephemeral_node_under_our_session_on_every_server(engine, zk, base_path):
    ephemeral = f"{base_path}/mine"
    zk.create(ephemeral, ephemeral=True)

    def every_server_shows_it():
        out = engine.run("dump")
        return all(ephemeral in entry["reply"] and hex(zk.client_id[0]) in entry["reply"] for entry in out.data)

    wait_until(every_server_shows_it, message="every server's dump lists the ephemeral node")


def test_conf_and_envi_come_from_each_server(engine, ensemble):
    conf = by_server(engine.run("conf"))
    envi = by_server(engine.run("envi"))
    for spec in ensemble.specs:
        assert f"clientPort={spec.client_port}" in conf[spec.address]["reply"].splitlines()
        assert f"serverId={spec.myid}" in conf[spec.address]["reply"].splitlines()
        assert "zookeeper.version=3." in envi[spec.address]["reply"]
        assert "java.version=" in envi[spec.address]["reply"]


def test_ruok_prints_one_line_per_server(engine, ensemble):
    out = engine.run("ruok")
    assert out.text.splitlines() == [f"{spec.address} imok" for spec in ensemble.specs]
    assert [entry["reply"] for entry in out.data] == ["imok"] * len(ensemble.specs)
    assert all("mode" not in entry for entry in out.data)  # ruok does not ask for the mode


def test_4lw_sends_any_word_to_one_or_all_servers(engine, ensemble):
    isro = engine.run("4lw isro")
    assert [body for body in blocks(isro.text).values()] == [["rw"]] * len(ensemble.specs)
    stat = engine.run("4lw stat 1")
    (header,) = blocks(stat.text)
    assert header.startswith(f"--- {ensemble.specs[0].address} (")
    assert "Clients:" in stat.data[0]["reply"] and stat.data[0]["data"]["mode"] == stat.data[0]["mode"]
    # A word the server does not know: it closes the connection without a word.
    unknown = engine.run("4lw abcd 2")
    assert "(no reply: the server may not know this word)" in unknown.text and unknown.data[0]["reply"] == ""


@pytest.mark.parametrize("word", ["STAT", "abc", "stats", "st4t"])
def test_4lw_refuses_what_is_not_four_lowercase_letters(engine, word):
    with pytest.raises(CommandError, match="not a four-letter word"):
        engine.run(f"4lw {word}")


def test_server_argument_by_number_or_address(engine, ensemble):
    second = ensemble.specs[1]
    assert list(blocks(engine.run("srvr 2").text))[0].startswith(f"--- {second.address} (")
    assert [e["server"] for e in engine.run(f"mntr {second.address}").data] == [second.address]
    with pytest.raises(CommandError, match="no server 4"):
        engine.run("srvr 4")
    with pytest.raises(CommandError, match="not a server address"):
        engine.run("srvr 127.0.0.1:notaport")


def test_without_hosts_the_commands_say_so():
    with pytest.raises(CommandError, match="no hosts: use connect"):
        Engine().run("srvr")


# ----- servers that are down or paused -----


def test_a_down_or_paused_server_is_reported_while_the_others_answer():
    with Ensemble(servers=3, tick_time=500) as own:
        engine = Engine(ConnectOptions(hosts=own.hosts))  # these commands need no session
        leader = own.leader()
        killed, paused = [myid for myid in own.ids if myid != leader]
        own.kill(killed)  # a follower: the other two keep their quorum and keep serving
        dead = own.spec(killed).address

        srvr = engine.run("srvr")
        found = blocks(srvr.text)
        assert found[f"--- {dead} (down)"] and "refused" in found[f"--- {dead} (down)"][0].lower()
        answering = by_server(srvr)
        assert answering[own.spec(leader).address]["mode"] == "leader"
        assert answering[own.spec(paused).address]["mode"] == "follower"
        assert answering[dead]["mode"] == "down" and answering[dead]["error"] and "reply" not in answering[dead]
        assert f"{dead} down: " in "\n".join(engine.run("ruok").text.splitlines())
        assert [line.endswith(" imok") for line in engine.run("ruok").text.splitlines()].count(True) == 2

        # A paused server accepts the connection (the kernel does) but never answers: bounded by the timeout.
        own.pause(paused)
        try:
            started = time.monotonic()
            replies = ask_all([parse_server_address(s.address) for s in own.specs], "srvr", timeout=0.5)
            assert time.monotonic() - started < 5
            state = {reply.server: reply for reply in replies}
            assert state[own.spec(paused).address].down
            assert state[own.spec(paused).address].error == "no answer within 0.5 s"
            assert state[dead].down and not state[own.spec(leader).address].down
            # Alone, the leader loses its quorum and stops serving: it still answers, saying so.
            alone = parse_server_address(own.spec(leader).address)
            wait_until(lambda: ask(alone, "srvr", timeout=0.5).mode == "looking", timeout=30,
                       message="the leader to stop serving without a quorum")
            mntr = engine.run(f"mntr {leader}")
            assert mntr.text.splitlines() == [f"--- {alone} (looking)",
                                              "This ZooKeeper instance is not currently serving requests"]
            assert "data" not in mntr.data[0]  # nothing to parse: no empty dict that looks like "no metrics"
        finally:
            own.resume(paused)


# ----- AdminServer fallback: a server whose whitelist allows only srvr -----


@pytest.fixture(scope="module")
def own_ensemble():
    own = Ensemble(servers=1, tick_time=500)
    own.up()
    try:
        config = f"{own.server_directory(1)}/zoo.cfg"
        with open(config) as f:
            text = f.read()
        assert "4lw.commands.whitelist=*" in text
        with open(config, "w") as f:
            f.write(text.replace("4lw.commands.whitelist=*", "4lw.commands.whitelist=srvr"))
        own.restart(1)
        yield own
    finally:
        own.down()


@pytest.fixture
def own_engine(own_ensemble):
    return Engine(ConnectOptions(hosts=own_ensemble.hosts))


@pytest.fixture
def own_zk(own_ensemble):
    client = KazooClient(hosts=own_ensemble.hosts, timeout=10.0)
    client.start(timeout=15)
    yield client
    client.stop()
    client.close()


def test_whitelisted_srvr_still_uses_the_four_letter_word(own_engine, own_ensemble):
    out = own_engine.run("srvr")
    assert list(blocks(out.text)) == [f"--- {own_ensemble.specs[0].address} (standalone)"]
    assert "reply" in out.data[0] and "via" not in out.data[0]


def test_mntr_falls_back_to_the_admin_server(own_engine, own_ensemble):
    spec = own_ensemble.specs[0]
    out = own_engine.run("mntr")
    header, body = next(iter(blocks(out.text).items()))
    assert header == f"--- {spec.address} (standalone) (via AdminServer)"
    assert "server_state: standalone" in body
    (entry,) = out.data
    assert entry["via"] == "admin" and entry["admin_port"] == spec.admin_port and "reply" not in entry
    assert entry["data"]["zk_server_state"] == "standalone" and entry["error"] is None


def test_cons_wchp_wchc_via_admin_server_show_our_session_and_watch(own_engine, own_zk):
    own_zk.create("/watched", b"v")
    own_zk.get("/watched", watch=lambda event: None)
    session = hex(own_zk.client_id[0])
    try:
        cons = own_engine.run("cons")
        assert "(via AdminServer)" in cons.text and f"session_id: {session}" in cons.text
        assert session in [c["session_id"] for c in cons.data[0]["data"]]
        wchp = own_engine.run("wchp")
        assert wchp.data[0]["data"] == {"/watched": [session]}
        assert wchp.text.splitlines()[1:] == ["path_to_session_ids:", "  /watched:", f"    {session}"]
        wchc = own_engine.run("wchc")
        assert wchc.data[0]["data"] == {session: ["/watched"]}
    finally:
        own_zk.delete("/watched")


def test_ruok_via_admin_server(own_engine, own_ensemble):
    assert own_engine.run("ruok").text == f"{own_ensemble.specs[0].address} imok (via AdminServer)"


def test_word_without_admin_equivalent_is_an_error_for_that_server(own_engine, own_ensemble):
    out = own_engine.run("4lw srst")  # resets statistics: deliberately no AdminServer fallback
    assert out.text.splitlines() == [
        f"--- {own_ensemble.specs[0].address} (standalone)",
        "error: srst is not in the server's 4lw.commands.whitelist, and the AdminServer has no equivalent",
    ]
    assert out.data[0]["error"].startswith("srst is not in the server's 4lw.commands.whitelist")


def test_a_guessed_admin_port_of_another_server_is_not_used(own_ensemble, ensemble):
    own = parse_server_address(own_ensemble.specs[0].address)
    stranger = ensemble.specs[0].admin_port  # a real AdminServer, but of another ensemble's server
    reply = ask(own, "mntr", default_admin_port=stranger)
    assert reply.admin_port == own_ensemble.specs[0].admin_port
    assert reply.data["zk_server_state"] == "standalone"


def test_a_configured_admin_port_is_used_and_a_dead_one_falls_back_to_the_guess(own_engine, own_ensemble):
    spec = own_ensemble.specs[0]
    configured = own_engine.run(f"mntr {spec.address}={spec.admin_port}")
    assert configured.data[0]["admin_port"] == spec.admin_port
    dead_port = spec.client_port  # answers, but not as an AdminServer
    fallback = own_engine.run(f"mntr {spec.address}={dead_port}")
    assert fallback.data[0]["admin_port"] == spec.admin_port and fallback.data[0]["error"] is None


def test_admin_json_is_rendered_with_hex_session_ids(own_ensemble, own_zk):
    own_zk.create("/eph", ephemeral=True)
    spec = own_ensemble.specs[0]
    reply = ask(parse_server_address(spec.address), "dump")
    text = render_admin("dump", reply.admin)
    assert f"  {hex(own_zk.client_id[0])}:\n    /eph" in text
    assert "command" not in text and str(own_zk.client_id[0]) not in text
