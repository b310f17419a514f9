"""What the engine prints (shell, TUI prompt, exec) equals what Debian's zkCli.sh prints for the same nodes."""

from __future__ import annotations

import pytest
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl

from tests.zkcli import run_zkcli
from zktui.commands.engine import Engine, load_handlers
from zktui.commands.registry import CommandError
from zktui.core.session import ConnectOptions

READ_COMMANDS = ("stat {p}", "get -s {p}", "ls {p}", "ls -s {p}", "getAcl {p}", "getAcl -s {p}", "get {p}")
FAILING = ("get {p}/missing", "delete {p}", "create {p}", "set -v 42 {p}/a x", "ls {p}/missing")


@pytest.fixture
def server(ensemble):
    # One server for both clients: zkCli and the engine must read the same replica.
    return ensemble.specs[0].address


@pytest.fixture
def engine(server, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    load_handlers()
    running = Engine(ConnectOptions(hosts=server))
    running.connect()
    yield running
    running.close()


@pytest.fixture
def tree(server, base_path):
    client = KazooClient(hosts=server)
    client.start(timeout=15)
    client.create(f"{base_path}/a", b'{"x": 1}')
    client.create(f"{base_path}/b", "ünïcode".encode())
    client.create(f"{base_path}/c", b"", acl=[make_digest_acl("u", "p", read=True, write=True),
                                             make_digest_acl("v", "q", all=True)])
    client.create(f"{base_path}/s-", b"seq", sequence=True)
    eph = KazooClient(hosts=server)
    eph.start(timeout=15)
    eph.create(f"{base_path}/e", b"ephemeral", ephemeral=True)
    yield base_path
    eph.stop()
    client.stop()


def test_read_commands_print_what_zkcli_prints(engine, server, tree):
    paths = [tree, f"{tree}/a", f"{tree}/b", f"{tree}/e"]
    lines = [template.format(p=path) for path in paths for template in READ_COMMANDS]
    expected = run_zkcli(server, lines, tz="UTC")
    for line, want in zip(lines, expected, strict=True):
        assert engine.run(line).text == want, line


def test_errors_start_with_zkclis_words(engine, server, tree):
    lines = [template.format(p=tree) for template in FAILING]
    expected = run_zkcli(server, lines, tz="UTC")
    for line, want in zip(lines, expected, strict=True):
        with pytest.raises(CommandError) as info:
            engine.run(line)
        assert info.value.reason.startswith(want.splitlines()[-1]), line
