"""Hostile and odd input, credentials, read-only mode and backups, against the shared sandbox ensemble.

- Random command lines and paths (hypothesis) through the parser and the executor: a result or one clear,
  inert error line, never a traceback, and the session keeps working.
- Terminal control sequences in znode names, data, ACL ids and four-letter-word output: escaped in the TUI,
  the shell and exec (`exec --raw` alone gives the bytes).
- 1 MB of data, invalid UTF-8, a path 100 levels deep, non-ASCII names.
- Credentials out of history, logs and error lines; read-only refusing every write of the command table;
  backups written before anything is removed, and refusing to act without one.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kazoo.exceptions import AuthFailedError
from kazoo.security import ACL, Id, Permissions, make_digest_acl

from zktui.commands.engine import Engine, load_handlers, parse_redacted
from zktui.commands.parser import UsageError
from zktui.commands.registry import CommandError, Output
from zktui.commands.spec import COMMANDS, VIEWS
from zktui.core import protocol
from zktui.core.session import ConnectOptions, Session
from zktui.core.snapshot import load_snapshot

from .helpers import wait_until
from .test_escape import terminal_unsafe
from .test_shell import start_shell
from .tui_helpers import (
    data_note,
    data_text,
    go_to,
    log_text,
    make_app,
    run_app,
    screen_lines,
    stat_text,
    type_command,
    wait_connected,
)
from .tui_helpers import wait_until as wait_until_app

load_handlers()

EVIL_NAME = "evil\u202etxt.exe\u200b"  # ZooKeeper refuses C0/C1 controls in names; bidi and zero-width pass
EVIL_DATA = b"\x1b[2J\x1b[31mred\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x1b\\ok\x08\x08\x07"
EVIL_ACL_ID = "ev\x1b[8mil:Zm9v"  # a digest id: user part with CSI
RAW_CONTROLS = ("\x1b", "\x07", "\x08", "\u202e", "\u200b")


def zktui_exec(*words: str, stdin: str | None = None, text: bool = True, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "zktui", "exec", *words], capture_output=True, input=stdin,
                          text=text, timeout=120, env=env)


def assert_inert(shown: str, where: str) -> None:
    bad = terminal_unsafe(shown, allow_newline=True)
    assert not bad, f"raw control characters {bad!r} in {where}: {shown[:300]!r}"


# ----- 10,000 random command lines through the parser and the executor -----

# connect/close/quit would leave the chroot or end the session the other examples run in.
# lab drives the sandbox's failover workload. addauth stays in: refused credentials once left the session
# reconnecting forever (kazoo resent them), then blocked in a restart; both fixed in the addauth handler.
EXECUTED = [c for c in COMMANDS if c.name not in ("connect", "close", "quit", "lab")]
# Commands that ask every server over its own connection: executed a bounded number of times each.
POLLING = {c.name for c in COMMANDS if c.group in ("servers",)} | {"ensemble", "sessions", "who", "version"}
POLLING_RUNS = 25
FUZZ_USER_ACL = make_digest_acl("fuzz", "fuzz", all=True)

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=24)
odd_paths = st.sampled_from(["/", ".", "..", "../..", "a", "a/b", "/a//b", "a/", "zookeeper", "/zookeeper/config",
                             "/zookeeper/quota", "-", "--", "a b", "c\u202e", "中文", "x" * 300, "/a/./b"])
paths = st.one_of(odd_paths, any_text, st.lists(st.sampled_from(["a", "b", "..", ".", "ü", ""]), max_size=6)
                  .map("/".join))
# ACL arguments that leave the tree deletable (a random ACL could lock the test out of its own base path), or junk.
# The server takes an ACL with no permissions at all ("world:anyone:"), and nobody could list or remove what is
# below such a node again: it comes with the fuzz user's full rights beside it.
acls = st.one_of(st.sampled_from(["world:anyone:cdrwa", f"world:anyone:cdrwa,digest:{FUZZ_USER_ACL.id.id}:cdrwa",
                                  f"world:anyone:,digest:{FUZZ_USER_ACL.id.id}:cdrwa", "world:anyone:xyz",
                                  "digest:x", "ip:1.2.3.4:zz", "::", ""]),
                 any_text.filter(lambda t: t.count(":") < 2))
files = st.sampled_from(["out.json", "other.json", "no/such/dir/x.json", "", "-", "in.json"])
numbers = st.one_of(st.integers(-5, 2_000).map(str), st.sampled_from(["0x10", "1e3", "", "99999999999999999999"]))
WORDS_BY_KIND = {
    "path": paths, "data": any_text, "acl": acls, "file": files, "int": numbers,
    "scheme": st.sampled_from(["digest", "digest", "bogus", "world"]),
    "secret": st.one_of(st.from_regex(r"[a-z]{1,5}:[a-z]{0,5}", fullmatch=True), any_text),
    "word": st.sampled_from(["ruok", "srvr", "stat", "xyzw", "on", "off", "toolong", ""]),
    "server": st.sampled_from(["1", "2", "3", "0", "99", "127.0.0.1:1", "-1"]),
    "session": st.one_of(st.sampled_from(["0x0", "0x1", "12"]), any_text),
    "command": st.one_of(st.sampled_from([c.name for c in COMMANDS]), any_text),
    "view": st.sampled_from([*VIEWS, "nope"]),
}


def words_of(kind: str):
    return WORDS_BY_KIND.get(kind, any_text)


@st.composite
def command_lines(draw) -> str:
    if draw(st.integers(0, 9)) == 0:  # one in ten: anything at all
        return draw(any_text)
    command = draw(st.sampled_from(EXECUTED))
    name = draw(st.sampled_from([command.name, command.name.lower(), command.name.upper(), *command.aliases]))
    words = [name]
    for flag in draw(st.lists(st.sampled_from(command.flags), max_size=3)) if command.flags else []:
        words.append(flag.name)
        if flag.takes_value:
            words.append(draw(st.one_of(st.sampled_from(flag.choices or ("x",)), words_of(flag.kind), numbers)))
    if draw(st.integers(0, 19)) == 0:
        words.append(draw(st.sampled_from(["-q", "--nope", "-sss", "--"])))
    for arg in command.args:
        if arg.optional and draw(st.booleans()):
            continue
        words.append(draw(words_of(arg.kind)))
    if draw(st.integers(0, 19)) == 0:
        words.append(draw(any_text))
    quoted = draw(st.booleans())
    return " ".join(shlex.quote(w) if quoted else w for w in words)


@pytest.fixture
def fuzz_engine(ensemble, zk, base_path, tmp_path, monkeypatch):
    """An engine chrooted at the test's base path (so no line can reach other tests' nodes), files in tmp."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.json").write_text('{"format": "zktui-snapshot"}')
    running = Engine(ConnectOptions(hosts=ensemble.hosts + base_path, auth=(("digest", "fuzz:fuzz"),)),
                     confirm=lambda question: True)
    running.connect()
    yield running
    running.close()
    zk.add_auth("digest", "fuzz:fuzz")  # nodes made with the fuzz user's ACL


@pytest.mark.timeout(900)
def test_10000_random_command_lines_end_in_a_result_or_one_clear_error(fuzz_engine):
    engine = fuzz_engine
    polled: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()

    @settings(max_examples=10_000, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(command_lines())
    def check(line: str) -> None:
        try:
            invocation = parse_redacted(line)  # what engine.run and exec parse with
        except UsageError as exc:
            assert "\n" not in exc.message and "Traceback" not in exc.message, exc.message
            assert_inert(exc.message, f"the usage error of {line!r}")
            outcomes["usage"] += 1
            return
        if invocation is None:
            return
        name = invocation.command.name
        if name in POLLING:
            polled[name] += 1
            if polled[name] > POLLING_RUNS:
                return
        try:
            output = engine.run(line)
        except (UsageError, CommandError) as exc:
            message = str(exc)
            assert "\n" not in message and "Traceback" not in message, message
            assert_inert(message, f"the error of {line!r}")
            outcomes["error"] += 1
        else:
            assert isinstance(output, Output)
            assert_inert(output.text, f"the output of {line!r}")
            json.dumps(output.data)  # --json can print whatever a command gives
            outcomes["result"] += 1
        engine.quit_requested = False
        assert engine.session is not None, f"the session is gone after {line!r}"
        wait_until(lambda: engine.session.connected, 30, message=f"the session connected after {line!r}")

    check()
    # The lines reached the server, and both results and errors came back.
    assert outcomes["result"] > 500 and outcomes["error"] > 500 and outcomes["usage"] > 100, outcomes


def test_a_mistyped_addauth_keeps_the_session_usable(ensemble, base_path):
    """The server closes the connection on refused credentials; zktui must start a new session, not stay
    dead (before: every later command failed with AuthFailed)."""
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        engine.cwd = base_path
        for line in ("addauth nosuchscheme x", "addauth otherscheme y"):
            with pytest.raises(CommandError, match="refused the .* credentials .*reconnected without them"):
                engine.run(line)
            assert engine.run("ls").text == "[]"
        assert engine.session.connected
    finally:
        engine.close()


def test_credentials_and_acls_that_cannot_be_encoded_are_refused_before_they_reach_the_wire(ensemble, base_path):
    """kazoo encodes requests on its connection thread: a lone surrogate there ended it for good."""
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        engine.cwd = base_path
        with pytest.raises(CommandError, match="not valid UTF-8 text .*nothing was sent") as refused:
            engine.run("addauth digest user:se\ud97fcret")
        assert "se" not in str(refused.value).split("addauth")[-1].replace("sent", "")
        engine.run("create x")
        with pytest.raises(CommandError, match="not valid UTF-8"):
            engine.run("setAcl x digest:u\ud800:cdrwa")
        assert engine.run("ls").text == "[x]" and engine.session.connected
    finally:
        engine.close()


@pytest.mark.parametrize("credential", ["digest:fuzz:fuzz", "nosuchscheme:x"])
def test_an_addauth_answered_ahead_of_earlier_writes_keeps_every_reply_right(ensemble, base_path, credential):
    """The server answers an Auth at once and the writes sent before it after their quorum: kazoo gave the
    Auth's answer to the first write and then ended its connection thread ("xids do not match")."""
    scheme, secret = credential.split(":", 1)
    session = Session(ConnectOptions(hosts=ensemble.hosts))
    session.start()
    try:
        for attempt in range(5):
            writes = [session.client.create_async(f"{base_path}/w{attempt}-{i}") for i in range(3)]
            try:
                session.add_auth(scheme, secret)  # queued right behind the writes
            except AuthFailedError:
                assert scheme == "nosuchscheme"
            for i, write in enumerate(writes):
                try:
                    assert write.get(timeout=10) == f"{base_path}/w{attempt}-{i}"
                except AuthFailedError:  # a refusal fails what was on the wire; the server may have done it
                    assert scheme == "nosuchscheme"
            assert session.client.exists(base_path) is not None  # the connection thread lives
    finally:
        session.stop()


# ----- control sequences: TUI, shell, exec -----


@pytest.fixture
def evil_node(zk, base_path) -> str:
    path = f"{base_path}/{EVIL_NAME}"
    acl = [ACL(Permissions.ALL, Id("world", "anyone")), ACL(Permissions.READ, Id("digest", EVIL_ACL_ID))]
    zk.create(path, EVIL_DATA, acl=acl)
    assert {a.id.id for a in zk.get_acls(path)[0]} == {"anyone", EVIL_ACL_ID}  # the server kept it raw
    return path


def test_control_sequences_are_inert_in_the_tui(ensemble, evil_node, base_path):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, evil_node)
        await type_command(pilot, "getAcl")  # of the selected node (typed, the name's invisible characters vanish)
        await wait_until_app(pilot, lambda: "'digest,'ev" in log_text(app), "getAcl's output")
        await pilot.pause()
        screen = "\n".join(screen_lines(app))
        for raw in RAW_CONTROLS:
            assert raw not in screen, f"{raw!r} drawn raw"
        assert data_note(app).startswith("view: hex")  # controls make it binary: a hex dump
        await pilot.press("escape", "v", "v")  # json (not JSON: shown as text), then text
        await wait_until_app(pilot, lambda: "\\x1b[2J" in data_text(app), "the text view")
        assert "\\x07" in data_text(app) and "\\x08" in data_text(app)
        assert "\\u202e" in stat_text(app) and "ev\\x1b[8mil" in stat_text(app)
        assert "evil\\u202etxt.exe\\u200b" in app.tree.by_path[evil_node].label.plain
        assert "ev\\x1b[8mil" in log_text(app)
        for raw in RAW_CONTROLS:
            assert raw not in log_text(app) and raw not in stat_text(app) and raw not in data_text(app)

    run_app(app, scenario)


def test_control_sequences_are_inert_in_the_shell(ensemble, evil_node, base_path, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(tmp_path / "backups"))
    with start_shell(ensemble.hosts, tmp_path / "history") as shell:
        for line in (f"ls {base_path}", f"get {shlex.quote(evil_node)}", f"getAcl {shlex.quote(evil_node)}",
                     f"stat {shlex.quote(evil_node)}", f"get {shlex.quote(evil_node + '/missing')}", "wchp 1"):
            shell.type(line)
        shell.wait_printed("--- 127.0.0.1:")  # wchp's header: every line before it was printed
        printed = shell.printed.text()
        assert_inert(printed, "the shell's output")
        assert "\\x1b[2J\\x1b[31mred\\x1b]0;pwned\\x07" in printed and "ev\\x1b[8mil" in printed
        assert "[evil\\u202etxt.exe\\u200b]" in printed
        assert "zktui: get: " in printed and "evil\\u202etxt.exe\\u200b/missing" in printed


def test_control_sequences_are_inert_in_exec_and_raw_gives_the_bytes(ensemble, evil_node, base_path):
    for words in (("get", evil_node), ("getAcl", evil_node), ("ls", base_path), ("--json", "get", evil_node),
                  ("--json", "getAcl", evil_node), ("get", evil_node + "/missing")):
        result = zktui_exec("--hosts", ensemble.hosts, *words)
        assert_inert(result.stdout + result.stderr, f"exec {words}")
        assert "Traceback" not in result.stderr
    assert json.loads(zktui_exec("--hosts", ensemble.hosts, "--json", "get", evil_node).stdout)["data"] == \
        EVIL_DATA.decode()  # escaped for the terminal, the same text for a JSON parser
    raw = zktui_exec("--hosts", ensemble.hosts, "--raw", "get", evil_node, text=False)
    assert raw.stdout == EVIL_DATA


def test_four_letter_word_output_is_inert(ensemble, zk, evil_node):
    zk.exists(evil_node, watch=lambda event: None)  # wchp and wchc now name the evil path
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        shown = "\n".join(engine.run(word).text for word in ("wchp", "wchc", "cons", "4lw srvr"))
    finally:
        engine.close()
    assert_inert(shown, "four-letter-word output")
    assert "evil\\u202etxt.exe\\u200b" in shown
    from_exec = zktui_exec("--hosts", ensemble.hosts, "wchp")
    assert_inert(from_exec.stdout, "exec wchp") and "evil\\u202etxt.exe\\u200b" in from_exec.stdout


# ----- odd data: 1 MB, binary, invalid UTF-8, 100 levels, non-ASCII names -----


MEGABYTE = os.urandom(1_000_000)


@pytest.fixture
def odd_nodes(zk, base_path) -> dict[str, str]:
    deep = base_path + "".join(f"/level{n:03d}" for n in range(100))
    zk.create(deep, b"at the bottom", makepath=True)
    nodes = {"big": f"{base_path}/big", "utf8": f"{base_path}/bad-utf8", "name": f"{base_path}/中文-ünï-✓",
             "deep": deep}
    zk.create(nodes["big"], MEGABYTE)
    zk.create(nodes["utf8"], b"caf\xc3\xa9 \xff\xfe broken \xc3")
    zk.create(nodes["name"], "données ✓".encode())
    return nodes


def test_odd_data_and_paths_through_the_engine_and_exec(ensemble, odd_nodes):
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        big = engine.run(f"get {odd_nodes['big']}")
        assert big.raw == MEGABYTE and len(big.text) > 0
        assert_inert(big.text, "1 MB of random bytes")
        assert engine.run(f"get {odd_nodes['utf8']}").text == "café \\xff\\xfe broken \\xc3"
        assert engine.run(f"get {shlex.quote(odd_nodes['name'])}").text == "données ✓"
        assert engine.run(f"get {odd_nodes['deep']}").text == "at the bottom"
        assert engine.run(f"stat {odd_nodes['deep']}").data["dataLength"] == 13
        assert engine.run(f"ls {odd_nodes['name'].rsplit('/', 1)[0]}").text.count("中文-ünï-✓") == 1
        tree = engine.run(f"tree {odd_nodes['deep'].split('/level000')[0]}/level000").text
        assert tree.count("level") == 100
    finally:
        engine.close()
    raw = zktui_exec("--hosts", ensemble.hosts, "--raw", "get", odd_nodes["big"], text=False)
    assert raw.returncode == 0 and raw.stdout == MEGABYTE


def test_odd_data_and_paths_in_the_tui(ensemble, odd_nodes):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, odd_nodes["big"])
        assert data_note(app).startswith("view: hex")
        assert app.node_data == MEGABYTE
        await go_to(pilot, odd_nodes["utf8"])
        assert "\\xff\\xfe" in data_text(app) or data_note(app).startswith("view: hex")
        await go_to(pilot, odd_nodes["name"])
        assert data_text(app).strip() == "données ✓"
        assert "中文-ünï-✓" in app.tree.by_path[odd_nodes["name"]].label.plain
        app.go_to(odd_nodes["deep"])  # 100 levels, each listed on the way down
        await wait_until_app(pilot, lambda: app.selected == odd_nodes["deep"] and app.last_node.path == app.selected,
                             "the node 100 levels down", 90)
        assert data_text(app).strip() == "at the bottom"
        assert odd_nodes["deep"] in stat_text(app).replace("\n", "") or "level099" in stat_text(app)
        assert_inert("\n".join(screen_lines(app)), "the screen")

    run_app(app, scenario)


# ----- credentials -----


def test_a_mistyped_addauth_does_not_show_the_password(ensemble, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(tmp_path / "backups"))
    with start_shell(ensemble.hosts, tmp_path / "history") as shell:
        shell.type("addauth digest alice s3cret-pass")  # a space for the colon
        shell.wait_printed("zktui: addauth: too many arguments")
        shell.type("pwd")
        shell.type("history")
        shell.wait_printed(" - pwd")
        wait_until(lambda: "history" in (tmp_path / "history").read_text(), message="the history file written")
        assert "s3cret" not in shell.printed.text()
        assert "s3cret" not in (tmp_path / "history").read_text()
    result = zktui_exec("--hosts", ensemble.hosts, "addauth", "digest", "alice", "s3cret-pass")
    assert result.returncode == 2 and "s3cret" not in result.stderr


def test_credentials_never_reach_a_log_record(ensemble, base_path, caplog):
    """What zktui logs: kazoo's records through each session's own logger (at the level zktui sets) and
    anything reaching the root logger."""
    records: list[logging.LogRecord] = []
    sink = logging.Handler()
    sink.emit = records.append
    with caplog.at_level(1):
        engine = Engine(ConnectOptions(hosts=ensemble.hosts, auth=(("digest", "ops:c0nnect-secret"),)))
        engine.connect()
        session_logger = engine.session.client.logger
        session_logger.addHandler(sink)
        try:
            engine.run("addauth digest alice:typed-secret")
            with pytest.raises(CommandError):
                engine.run("addauth nosuchscheme refused-secret")  # kazoo logs the refusal and the reconnect
            engine.run(f"ls {base_path}")
            assert "typed-secret" not in engine.run("history").text
        finally:
            session_logger.removeHandler(sink)
            engine.close()
    logged = "\n".join(record.getMessage() for record in [*records, *caplog.records])
    assert logged, "nothing was logged: the test would prove nothing"
    for secret in ("c0nnect-secret", "typed-secret", "refused-secret"):
        assert secret not in logged


def test_the_tui_log_does_not_show_an_addauth_secret(ensemble):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await type_command(pilot, "addauth digest ops:tui-s3cret")
        await wait_until_app(pilot, lambda: "addauth" in log_text(app), "the command in the log")
        assert "tui-s3cret" not in log_text(app)

    run_app(app, scenario)


# ----- read-only: every write command of the table -----


WRITE_COMMANDS = [c.name for c in COMMANDS if c.writes]


def write_lines(base: str, file: str) -> dict[str, str]:
    """For each write command, a line that succeeds on a writable connection (the control below)."""
    return {
        "create": f"create {base}/new data", "set": f"set {base}/node changed", "delete": f"delete {base}/leaf",
        "deleteall": f"deleteall {base}/tree --yes", "setAcl": f"setAcl {base}/node world:anyone:cdrwa",
        "import": f"import {file} {base}/imported --yes", "cp": f"cp {base}/tree {base}/copy",
        "mv": f"mv {base}/tree2 {base}/moved --yes",
    }


@pytest.fixture
def writable_tree(ensemble, zk, base_path, tmp_path):
    zk.create(f"{base_path}/node", b"original")
    zk.create(f"{base_path}/leaf")
    for tree in ("tree", "tree2"):
        zk.create(f"{base_path}/{tree}/x/y", b"t", makepath=True)
    file = tmp_path / "export.json"
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    engine.run(f"export {base_path}/tree {file}")
    engine.close()
    return str(file)


def test_the_table_names_a_line_for_every_write_command():
    assert set(write_lines("/b", "f")) == set(WRITE_COMMANDS)


@pytest.mark.parametrize("name", WRITE_COMMANDS)
def test_read_only_refuses_each_write_command_and_the_server_is_unchanged(ensemble, zk, base_path, writable_tree,
                                                                         name):
    line = write_lines(base_path, writable_tree)[name]
    before = zk.exists(base_path).pzxid, sorted(zk.get_children(base_path)), zk.get(f"{base_path}/node")
    guarded = Engine(ConnectOptions(hosts=ensemble.hosts, read_only=True), confirm=lambda q: True)
    guarded.connect()
    try:
        with pytest.raises(CommandError, match="refused: .* writes and zktui is read-only"):
            guarded.run(line)
    finally:
        guarded.close()
    assert (zk.exists(base_path).pzxid, sorted(zk.get_children(base_path)), zk.get(f"{base_path}/node")) == before
    # The control: the same line does write on a writable connection.
    writable = Engine(ConnectOptions(hosts=ensemble.hosts), confirm=lambda q: True)
    writable.connect()
    try:
        writable.run(line)
    finally:
        writable.close()
    assert (zk.exists(base_path).pzxid, sorted(zk.get_children(base_path)), zk.get(f"{base_path}/node")) != before


def test_read_only_exec_refuses_every_write_command(ensemble, zk, base_path, writable_tree):
    lines = list(write_lines(base_path, writable_tree).values())
    before = zk.exists(base_path).pzxid, sorted(zk.get_children(base_path))
    result = zktui_exec("--hosts", ensemble.hosts, "--read-only", "--yes", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    refusals = result.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in refusals] == WRITE_COMMANDS
    assert all("read-only" in line for line in refusals)
    assert (zk.exists(base_path).pzxid, sorted(zk.get_children(base_path))) == before


# ----- nothing lost -----


def server_tree(client, root: str) -> dict[str, tuple]:
    found = {}
    for path in [root, *protocol_paths(client, root)]:
        data, stat = client.get(path)
        found[path[len(root):]] = (data, sorted(client.get_acls(path)[0]), stat.ephemeralOwner != 0)
    return found


def protocol_paths(client, root: str) -> list[str]:
    out = []
    for name in client.get_children(root):
        out.append(f"{root}/{name}")
        out += protocol_paths(client, f"{root}/{name}")
    return out


def test_mv_backup_restores_the_source_exactly(ensemble, zk, base_path):
    alice = make_digest_acl("alice", "secret", all=True)
    engine = Engine(ConnectOptions(hosts=ensemble.hosts, auth=(("digest", "alice:secret"),)))
    engine.connect()
    try:
        client = engine.client
        client.create(f"{base_path}/src/a", b"\x00\xffbinary", makepath=True)
        client.create(f"{base_path}/src/a/secret", b"s", acl=[alice])
        protocol.create_container(client, f"{base_path}/src/box", b"box")
        client.create(f"{base_path}/src/box/item", "ünï".encode())
        before = server_tree(client, f"{base_path}/src")
        output = engine.run(f"mv {base_path}/src {base_path}/dst --yes")
        backup = output.text.splitlines()[0].removeprefix("backup: ")
        assert load_snapshot(backup).root == f"{base_path}/src"
        assert client.exists(f"{base_path}/src") is None
        engine.run(f"import {backup} {base_path}/src --force --yes")
        assert server_tree(client, f"{base_path}/src") == before
        for path in (f"{base_path}/src/a/secret", f"{base_path}/dst/a/secret"):
            client.delete(path)
    finally:
        engine.close()


@pytest.mark.parametrize("line", ["deleteall {base}/t --yes", "mv {base}/t {base}/elsewhere --yes",
                                  "import {file} {base}/t --force --yes"])
def test_without_a_backup_nothing_is_removed_or_replaced(ensemble, zk, base_path, tmp_path, monkeypatch, line):
    zk.create(f"{base_path}/t/x", b"keep me", makepath=True)
    file = tmp_path / "t.json"
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        engine.run(f"export {base_path}/t {file}")
        zk.set(f"{base_path}/t/x", b"changed since the export")
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file where the backup directory should be")
        monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(blocker / "backups"))
        before = server_tree(zk, f"{base_path}/t")
        with pytest.raises(CommandError, match="cannot write the backup.*nothing was changed"):
            engine.run(line.format(base=base_path, file=file))
    finally:
        engine.close()
    assert server_tree(zk, f"{base_path}/t") == before
    assert zk.exists(f"{base_path}/elsewhere") is None


def test_d_deletes_only_the_version_that_was_read(ensemble, zk, base_path):
    path = f"{base_path}/leaf"
    zk.create(path, b"read")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.confirm import ConfirmScreen

        await wait_connected(pilot)
        await go_to(pilot, path)
        await pilot.press("d")
        await wait_until_app(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        zk.set(path, b"changed by someone else")  # between reading and confirming
        await pilot.press("y")
        await wait_until_app(pilot, lambda: "zktui: delete:" in log_text(app) or zk.exists(path) is None,
                             "the delete to end")

    run_app(app, scenario)
    assert zk.exists(path) is not None, "a node changed after it was read was deleted"
