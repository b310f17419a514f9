"""The command engine against the real ensemble: every node, session and navigation command, and its errors."""

from __future__ import annotations

import base64
import json

import pytest
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl

from tests.helpers import wait_until
from zktui.commands.engine import Engine, load_handlers, redact
from zktui.commands.parser import UsageError
from zktui.commands.registry import HANDLERS, CommandError
from zktui.commands.spec import COMMANDS
from zktui.core.session import ConnectOptions


@pytest.fixture
def events():
    return []


@pytest.fixture
def engine(zk_server, base_path, events):
    load_handlers()
    running = Engine(ConnectOptions(hosts=zk_server), notify=events.append, confirm=lambda question: True)
    running.connect()
    running.cwd = base_path
    yield running
    running.close()


def run(engine, line):
    return engine.run(line)


def test_every_command_in_the_table_has_a_handler():
    load_handlers()
    missing = [c.name for c in COMMANDS if c.name not in HANDLERS]
    assert missing == []


def test_create_get_set_stat_delete_round_trip(engine, zk, base_path):
    out = run(engine, "create child 'hello world'")
    assert out.text == f"Created {base_path}/child"
    assert zk.get(f"{base_path}/child")[0] == b"hello world"
    assert run(engine, "get child").text == "hello world"
    run(engine, "set child v2")
    got = run(engine, "get -s child")
    lines = got.text.splitlines()
    assert lines[0] == "v2"
    assert "dataVersion = 1" in lines
    assert got.data["data"] == "v2" and got.data["stat"]["dataVersion"] == 1
    stat = run(engine, "stat child").data
    assert stat["dataLength"] == 2
    assert stat["mZxid"].startswith("0x")
    run(engine, "delete child")
    assert zk.exists(f"{base_path}/child") is None


def test_ls_sorts_like_zkcli_and_gives_json(engine, zk, base_path):
    for name in ("b", "a10", "a2"):
        zk.create(f"{base_path}/{name}")
    out = run(engine, "ls")
    assert out.text == "[a10, a2, b]"
    assert out.data == ["a10", "a2", "b"]
    with_stat = run(engine, "ls -s .")
    assert with_stat.text.startswith("[a10, a2, b]\n")
    assert with_stat.data["stat"]["numChildren"] == 3


def test_ls_recursive_lists_every_path_depth_first(engine, zk, base_path):
    zk.create(f"{base_path}/x/y", makepath=True)
    zk.create(f"{base_path}/w")
    out = run(engine, f"ls -R {base_path}")
    assert out.data == [base_path, f"{base_path}/w", f"{base_path}/x", f"{base_path}/x/y"]


def test_create_modes(engine, zk, base_path):
    seq = run(engine, "create -s seq- data").data["path"]
    assert seq.startswith(f"{base_path}/seq-") and len(seq.rsplit("-", 1)[1]) == 10
    run(engine, "create -e eph")
    assert zk.exists(f"{base_path}/eph").ephemeralOwner == engine.session.session_id
    # The server hides container and TTL markers from clients (ephemeralOwner reads 0): prove the kinds by
    # what the server does with them.
    run(engine, "create -c box")
    zk.create(f"{base_path}/box/item")
    zk.delete(f"{base_path}/box/item")
    wait_until(lambda: zk.exists(f"{base_path}/box") is None, timeout=20, message="the emptied container to go")
    run(engine, "create -t 500 ttl")
    assert zk.exists(f"{base_path}/ttl") is not None
    wait_until(lambda: zk.exists(f"{base_path}/ttl") is None, timeout=20, message="the TTL node to expire")


def test_create_mode_conflicts_are_one_line_errors(engine):
    with pytest.raises(CommandError, match="cannot be combined"):
        run(engine, "create -c -e x")
    with pytest.raises(CommandError, match="TTL must be a positive"):
        run(engine, "create -t 0 x")


def test_bad_version_shows_the_current_version(engine, zk, base_path):
    zk.create(f"{base_path}/v", b"0")
    zk.set(f"{base_path}/v", b"1")
    with pytest.raises(CommandError) as info:
        run(engine, "set -v 0 v again")
    assert info.value.command == "set"
    assert "1" in info.value.reason
    assert zk.get(f"{base_path}/v")[0] == b"1"
    run(engine, "set -v 1 v again")
    assert zk.get(f"{base_path}/v")[0] == b"again"
    with pytest.raises(CommandError):
        run(engine, "delete -v 7 v")
    assert zk.exists(f"{base_path}/v") is not None


@pytest.mark.parametrize(
    "line, command",
    [
        ("get missing", "get"),
        ("stat missing", "stat"),
        ("ls missing", "ls"),
        ("delete missing", "delete"),
        ("set missing x", "set"),
        ("getAcl missing", "getAcl"),
    ],
)
def test_no_node_errors_name_the_command_and_path(engine, base_path, line, command):
    with pytest.raises(CommandError) as info:
        run(engine, line)
    assert info.value.command == command
    assert f"{base_path}/missing" in info.value.reason
    assert "\n" not in info.value.reason


def test_node_exists_and_not_empty(engine, zk, base_path):
    zk.create(f"{base_path}/p/c", makepath=True)
    with pytest.raises(CommandError) as exists:
        run(engine, "create p")
    assert f"{base_path}/p" in exists.value.reason
    with pytest.raises(CommandError) as not_empty:
        run(engine, "delete p")
    assert "deleteall" in not_empty.value.reason


def test_bad_path_points_at_the_character(engine):
    with pytest.raises(CommandError) as info:
        run(engine, "create /bad\x01name")
    assert "@" in info.value.reason or "character" in info.value.reason


def test_acls_digest_auth_and_whoami(engine, zk, base_path):
    acl = make_digest_acl("ops", "secret", all=True)
    zk.create(f"{base_path}/locked", b"hidden", acl=[acl])
    for line in ("get locked", "getAcl locked"):  # since 3.6 reading an ACL needs READ or ADMIN too
        with pytest.raises(CommandError) as info:
            run(engine, line)
        assert info.value.command == line.split()[0]
        assert "addauth" in info.value.reason
    run(engine, "addauth digest ops:secret")
    assert run(engine, "getAcl locked").text.startswith("'digest,'ops:")
    assert run(engine, "get locked").text == "hidden"
    assert any(entry["scheme"] == "digest" and entry["user"] == "ops" for entry in run(engine, "whoami").data)
    assert "ops:secret" not in "\n".join(redact(line) for line in engine.history)
    assert "secret" not in run(engine, "history").text


def test_set_acl_recursive(engine, zk, base_path):
    zk.create(f"{base_path}/t/u", makepath=True)
    run(engine, "setAcl -R t world:anyone:rd")
    for path in (f"{base_path}/t", f"{base_path}/t/u"):
        acls, _ = zk.get_acls(path)
        assert [(a.id.scheme, a.id.id, a.perms) for a in acls] == [("world", "anyone", 9)]


def test_invalid_acl_is_refused(engine):
    with pytest.raises(CommandError, match="invalid ACL"):
        run(engine, "create x data nonsense")


def test_base64_and_hex(engine, zk, base_path):
    zk.create(f"{base_path}/bin", b"\x00\xffhi")
    assert run(engine, "get -b bin").text == base64.b64encode(b"\x00\xffhi").decode()
    assert "00 ff 68 69" in run(engine, "get -x bin").text
    assert run(engine, "get bin").data["data_base64"] == base64.b64encode(b"\x00\xffhi").decode()
    run(engine, "set -b bin " + base64.b64encode(b"\x01\x02").decode())
    assert zk.get(f"{base_path}/bin")[0] == b"\x01\x02"
    with pytest.raises(CommandError, match="base64"):
        run(engine, "set -b bin @@@")


def test_escape_sequences_in_data_and_names_are_inert(engine, zk, base_path):
    # ZooKeeper refuses C0/C1 controls in names, but bidi overrides pass; data may hold anything.
    zk.create(f"{base_path}/evil\u202etxt.exe", b"\x1b[2J\x1b]52;c;AAAA\x07")
    listing = run(engine, "ls").text
    assert "\u202e" not in listing and "\\u202e" in listing
    data = run(engine, "get 'evil\u202etxt.exe'").text
    assert "\x1b" not in data and "\x07" not in data
    assert data == "\\x1b[2J\\x1b]52;c;AAAA\\x07"


def test_counts_ephemerals_and_sync(engine, zk, base_path):
    zk.create(f"{base_path}/a/b/c", makepath=True)
    assert run(engine, "getAllChildrenNumber").data == 3
    run(engine, "create -e mine")
    assert run(engine, "getEphemerals").data == [f"{base_path}/mine"]
    assert run(engine, "sync").text == "Sync is OK"


def test_cd_pwd_and_relative_paths(engine, zk, base_path):
    zk.create(f"{base_path}/a/b", makepath=True)
    run(engine, "cd a/b")
    assert run(engine, "pwd").text == f"{base_path}/a/b"
    run(engine, "cd ../..")
    assert engine.cwd == base_path
    with pytest.raises(CommandError, match="does not exist"):
        run(engine, "cd nowhere")
    assert engine.cwd == base_path
    run(engine, "cd")
    assert engine.cwd == "/"


def test_tree_find_du(engine, zk, base_path):
    zk.create(f"{base_path}/app/config", b'{"port": 8080}', makepath=True)
    zk.create(f"{base_path}/app/servers/s1", b"host1", makepath=True, ephemeral=True)
    zk.create(f"{base_path}/other", b"x")
    tree = run(engine, "tree")
    assert tree.text.splitlines()[0] == base_path
    assert any(line.endswith("s1 [ephemeral]") for line in tree.text.splitlines())
    shallow = run(engine, "tree -d 1").text
    assert "config" not in shallow and "more below depth 1" in shallow
    assert run(engine, "find -name s*").data == [f"{base_path}/app/servers", f"{base_path}/app/servers/s1"]
    assert run(engine, "find -data port").data == [f"{base_path}/app/config"]
    assert run(engine, "find -ephemeral").data == [f"{base_path}/app/servers/s1"]
    du = run(engine, "du").data
    assert du["nodes"] == 6
    assert du["bytes"] == len(b'{"port": 8080}') + len(b"host1") + 1
    assert du["children"][0] == {"name": "app", "nodes": 4, "bytes": 19}


def test_one_shot_watch_event_reaches_notify(engine, zk, base_path, events):
    zk.create(f"{base_path}/w", b"1")
    run(engine, "get -w w")
    zk.set(f"{base_path}/w", b"2")
    wait_until(lambda: any("NodeDataChanged" in e and f"{base_path}/w" in e for e in events), timeout=10,
               message="the watch event")
    run(engine, "printwatches off")
    run(engine, "ls -w")
    zk.create(f"{base_path}/new")
    assert run(engine, "printwatches").text == "printwatches is off"


def test_persistent_watch_reports_descendants(engine, zk, base_path, events):
    run(engine, "addWatch .")
    zk.create(f"{base_path}/deep/er", makepath=True)
    wait_until(lambda: any("NodeCreated" in e and "deep/er" in e for e in events), timeout=10,
               message="the persistent watch event")
    run(engine, "removewatches .")


def test_history_and_redo(engine, zk, base_path):
    run(engine, "create r 1")
    run(engine, "get r")
    history = run(engine, "history").text.splitlines()
    assert history[-1].endswith("get r")
    number = int(history[-1].split(" - ")[0])
    assert run(engine, f"redo {number}").text == "1"
    with pytest.raises(CommandError, match="no command number 999"):
        run(engine, "redo 999")


def test_config_lists_the_servers(engine, ensemble):
    out = run(engine, "config")
    assert len(out.data["servers"]) == 3
    version, hosts = run(engine, "config -c").text.split(" ")
    assert hosts.split(",") == ensemble.hosts.split(",")


def test_read_only_refuses_every_write(ensemble, base_path, zk):
    load_handlers()
    guarded = Engine(ConnectOptions(hosts=ensemble.hosts, read_only=True), confirm=lambda q: True)
    guarded.connect()
    try:
        guarded.cwd = base_path
        for command in COMMANDS:
            if not command.writes:
                continue
            args = " ".join({"path": "x", "data": "d", "acl": "world:anyone:r", "source": "x", "target": "y",
                             "file": "/tmp/none.json"}.get(a.name, "x") for a in command.args if not a.optional)
            with pytest.raises(CommandError, match="read-only"):
                guarded.run(f"{command.name} {args}")
        assert zk.get_children(base_path) == []
        assert guarded.run("ls").text == "[]"
    finally:
        guarded.close()


def test_connect_and_close(engine, ensemble):
    out = run(engine, f"connect {ensemble.specs[1].address}")
    assert out.text.startswith(f"connected to {ensemble.specs[1].address}")
    run(engine, "close")
    with pytest.raises(CommandError, match="not connected"):
        run(engine, "ls /")
    assert run(engine, "pwd").text == "/"


def test_connect_to_nothing_is_one_clear_error(ensemble):
    load_handlers()
    lonely = Engine(ConnectOptions(hosts="127.0.0.1:1", connect_timeout=2))
    with pytest.raises(CommandError, match="no server of 127.0.0.1:1 answered"):
        lonely.connect()


def test_usage_errors_do_not_touch_the_server(engine):
    with pytest.raises(UsageError):
        run(engine, "create")


def test_bulk_commands_need_confirmation_without_a_person(ensemble, base_path, zk):
    load_handlers()
    scripted = Engine(ConnectOptions(hosts=ensemble.hosts))
    scripted.connect()
    try:
        zk.create(f"{base_path}/doomed")
        with pytest.raises(CommandError, match="--yes"):
            scripted.run(f"deleteall {base_path}/doomed")
        assert zk.exists(f"{base_path}/doomed") is not None
    finally:
        scripted.close()


def test_json_of_stat_uses_zkcli_field_names(engine, zk, base_path):
    zk.create(f"{base_path}/j", b"x")
    data = run(engine, "stat j").data
    assert list(data) == ["cZxid", "ctime", "mZxid", "mtime", "pZxid", "cversion", "dataVersion", "aclVersion",
                          "ephemeralOwner", "dataLength", "numChildren"]
    json.dumps(data)


def test_session_of_another_client_is_unaffected(ensemble, engine, base_path):
    other = KazooClient(hosts=ensemble.hosts)
    other.start(timeout=15)
    try:
        other.create(f"{base_path}/theirs", ephemeral=True)
        assert run(engine, "getEphemerals").data == []
    finally:
        other.stop()
