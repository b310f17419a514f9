"""zktui's zkCli formatting, compared character for character with Debian's zkCli.sh 3.8 on the same nodes.

One module-scoped fixture builds the nodes and runs zkCli.sh a few times (each run is a JVM start), with
every command's output collected by tests/zkcli.py. zkCli and our kazoo client talk to the same server,
so both read the same state. Each test then reads the node with kazoo and formats it with zktui.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from itertools import permutations
from zoneinfo import ZoneInfo

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss, KazooException
from kazoo.security import ACL, Id, make_digest_acl

from tests.zkcli import run_zkcli
from zktui.core.errors import BadPathError, validate_path
from zktui.core.zkformat import (
    format_children,
    format_ephemerals,
    format_stat,
    zkcli_error,
    zkcli_get,
    zkcli_get_acl,
    zkcli_ls,
)

pytestmark = pytest.mark.ensemble

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
ROOT = f"/zktui-test/parity-{uuid.uuid4().hex[:8]}"
BIG = 1024 * 1024 + 100  # over jute.maxbuffer's default


def p(name: str) -> str:
    return f"{ROOT}/{name}"


# Bytes where Java's and Python's default UTF-8 replacement differ (encoded surrogates), among others.
MESSY_DATA = (
    b"\xff\xfeok\xc3\x28\xe2\x82 end\xf0\x9f\x98\x80\x00z\xed\xa0\x80q\xc0\xafr\xed\xa0 s\xf4\x90\x80\x80"
)
CHILD_NAMES = ["b10", "a", "B", "b9", "_x", "\u00e9t\u00e9", "\uff21", "Z"]
BOB = make_digest_acl("bob", "secret", all=True)
# Characters jute escapes when it prints an ACL id; digest ids are not checked beyond `user:hash`.
ODD_DIGEST = ACL(31, Id("digest", "we,ird%}:hash"))
MULTI_ACL = [BOB, ACL(1, Id("world", "anyone")), ACL(3, Id("ip", "127.0.0.1")), ODD_DIGEST]
INVALID_ACL = [ACL(3, Id("ip", "999.1.1.1"))]

READ_NODES = ["plain", "empty", "messy", "multiline", "parent", "eph", "multi", "container", "ttl", "nodata"]

BAD_PATHS = ["a", "/a/", p("") + "/", p("x//y"), p("./y"), p("x/../y"), p("x/.."), p("x/."), p("a\x01b"), ""]


def read_commands(name: str, seq_name: str) -> list[str]:
    path = p(seq_name if name == "seq" else name)
    return [
        f"stat {path}",
        f"get -s {path}",
        f"ls {path}",
        f"ls -s {path}",
        f"getAcl {path}",
        f"getAcl -s {path}",
    ]


def error_commands() -> list[str]:
    missing = p("missing")
    commands = [
        f"stat {missing}",
        f"get {missing}",
        f"get -s {missing}",
        f"ls {missing}",
        f"ls -s {missing}",
        f"getAcl {missing}",
        f"set {missing} x",
        f"delete {missing}",
        f"getAllChildrenNumber {missing}",
        f"create {missing}/child x",
        f"create {p('plain')} x",
        f"delete {p('parent')}",
        f"set -v 99 {p('plain')} x",
        f"delete -v 99 {p('plain')}",
        f"get {p('locked')}",
        f"ls {p('locked')}",
        f"getAcl {p('locked')}",
        f"set {p('locked')} x",
        f"create {p('eph')}/child x",
        f"create {p('badacl')} x ip:999.1.1.1:rw",
        f"setAcl {p('plain')} ip:999.1.1.1:rw",
        f"create {p('authacl')} x auth::cdrwa",
        "delete /zookeeper",
        f"create -s {p('queue')}/ x",
        f"create -s {p('')}/ x",
    ]
    commands += [f"get {zk_arg(path)}" for path in BAD_PATHS]
    return commands


def zk_arg(text: str) -> str:
    """zkCli strips quotes from its arguments: quoting is the only way to pass an empty one."""
    return "''" if text == "" else text


@pytest.fixture(scope="module")
def server(ensemble) -> str:
    """One serving server: zkCli and kazoo both use it, so they read the same state."""
    for spec in ensemble.specs:
        if ensemble.mode(spec.myid) in ("leader", "follower"):
            return spec.address
    pytest.fail("no serving ZooKeeper server in the shared ensemble")


@pytest.fixture(scope="module")
def client(server):
    zk = KazooClient(hosts=server, timeout=10.0)
    zk.start(timeout=15)
    yield zk
    zk.stop()
    zk.close()
    # Listing the locked node's children needs bob's credentials; this client must not have them, as
    # the server shows digest hashes to readers with ADMIN rights.
    cleaner = KazooClient(hosts=server, timeout=10.0, auth_data=[("digest", "bob:secret")])
    cleaner.start(timeout=15)
    cleaner.delete(ROOT, recursive=True)
    cleaner.stop()
    cleaner.close()


@pytest.fixture(scope="module")
def nodes(client, server) -> dict[str, str]:
    """Build the nodes; returns the generated names (sequential node)."""
    client.create(ROOT, makepath=True)
    client.create(p("plain"), b"hello world")
    client.create(p("empty"), b"")
    client.create(p("messy"), MESSY_DATA)
    client.create(p("multiline"), b"line one\nline two\n")
    client.create(p("parent"), b"p")
    for name in CHILD_NAMES:
        client.create(f"{p('parent')}/{name}")
    client.create(f"{p('parent')}/a/grandchild/deeper", makepath=True)
    client.create(p("eph"), b"ephemeral", ephemeral=True)
    seq = client.create(p("seq-"), b"s", sequence=True)
    client.create(p("multi"), b"m", acl=MULTI_ACL)
    client.create(p("multi_authed"), b"m", acl=MULTI_ACL)
    client.create(p("locked"), b"secret", acl=[BOB])
    client.create(p("zkeph"))
    # kazoo 2.11 cannot create containers or TTL nodes, and a node without data needs Java's null: zkCli can.
    setup = [
        f"create -c {p('container')} c",
        f"create {p('container')}/child",
        f"create -t 600000 {p('ttl')} t",
        f"create {p('nodata')}",
    ]
    outputs = run_zkcli(server, setup)
    assert outputs == [
        f"Created {path}" for path in (p("container"), p("container/child"), p("ttl"), p("nodata"))
    ]
    return {"seq": seq.rsplit("/", 1)[1]}


@pytest.fixture(scope="module")
def zkcli_utc(nodes, server) -> dict[str, str]:
    """Everything zkCli prints for the reads and errors, with the JVM in UTC."""
    commands = []
    for name in [*READ_NODES, "seq"]:
        commands += read_commands(name, nodes["seq"])
    commands += error_commands()
    commands += [
        f"create -e {p('zkeph')}/one",
        f"create -e {p('zkeph')}/two",
        f"create -e {p('zkeph')}/three",
        f"getEphemerals {p('zkeph')}",
        f"getAllChildrenNumber {p('parent')}",
        # Last, as it changes what this zkCli session may read.
        "addauth digest bob:secret",
        f"getAcl {p('multi_authed')}",
        f"set {p('plain')} {'x' * BIG}",
    ]
    assert len(set(commands)) == len(commands), "each command's output is looked up by its text"
    return dict(zip(commands, run_zkcli(server, commands, tz="UTC"), strict=True))


@pytest.fixture(scope="module")
def zkcli_new_york(nodes, server) -> dict[str, str]:
    commands = [f"stat {p(name)}" for name in READ_NODES]
    return dict(zip(commands, run_zkcli(server, commands, tz="America/New_York"), strict=True))


# ----- reads -----


@pytest.mark.parametrize("name", [*READ_NODES, "seq"])
def test_stat_matches_zkcli(client, nodes, zkcli_utc, name):
    path = p(nodes["seq"] if name == "seq" else name)
    stat = client.exists(path)
    assert format_stat(stat, UTC) == zkcli_utc[f"stat {path}"]


@pytest.mark.parametrize("name", [*READ_NODES, "seq"])
def test_get_s_matches_zkcli(client, nodes, zkcli_utc, name):
    path = p(nodes["seq"] if name == "seq" else name)
    data, stat = client.get(path)
    assert zkcli_get(data, stat, UTC) == zkcli_utc[f"get -s {path}"]


@pytest.mark.parametrize("name", [*READ_NODES, "seq"])
def test_ls_and_ls_s_match_zkcli(client, nodes, zkcli_utc, name):
    path = p(nodes["seq"] if name == "seq" else name)
    children, stat = client.get_children(path, include_data=True)
    assert zkcli_ls(children) == zkcli_utc[f"ls {path}"]
    assert zkcli_ls(children, stat, UTC) == zkcli_utc[f"ls -s {path}"]


@pytest.mark.parametrize("name", [*READ_NODES, "seq"])
def test_get_acl_matches_zkcli(client, nodes, zkcli_utc, name):
    path = p(nodes["seq"] if name == "seq" else name)
    acls, stat = client.get_acls(path)
    assert zkcli_get_acl(acls) == zkcli_utc[f"getAcl {path}"]
    assert zkcli_get_acl(acls, stat, UTC) == zkcli_utc[f"getAcl -s {path}"]


def test_ls_order_is_zkclis_sorted_order_not_the_servers(client, zkcli_utc):
    children = client.get_children(p("parent"))
    assert sorted(children) == sorted(CHILD_NAMES)
    assert format_children(children) == zkcli_utc[f"ls {p('parent')}"]
    assert zkcli_utc[f"ls {p('parent')}"] == "[B, Z, _x, a, b10, b9, \u00e9t\u00e9, \uff21]"


def test_messy_data_is_decoded_like_java(client, zkcli_utc):
    data, _ = client.get(p("messy"))
    assert zkcli_get(data) == zkcli_utc[f"get -s {p('messy')}"].split("\ncZxid = ")[0]
    # The case Python's own "replace" handler gets wrong: an encoded surrogate is one U+FFFD in Java.
    assert "z\ufffdq" in zkcli_get(data)


def test_digest_acl_as_seen_with_the_right_credentials(server, zkcli_utc):
    authed = KazooClient(hosts=server, timeout=10.0, auth_data=[("digest", "bob:secret")])
    authed.start(timeout=15)
    try:
        acls, _ = authed.get_acls(p("multi_authed"))
    finally:
        authed.stop()
        authed.close()
    printed = zkcli_utc[f"getAcl {p('multi_authed')}"]
    assert zkcli_get_acl(acls) == printed
    assert printed.startswith("'digest,'bob:") and not printed.startswith("'digest,'bob:x\n")


def test_server_hides_digest_hashes_from_readers_without_admin(client, zkcli_utc):
    # Not a formatting rule: the server itself replaces the hash with "x" for readers without ADMIN.
    acls, _ = client.get_acls(p("multi"))
    assert Id("digest", "bob:x") in [acl.id for acl in acls]
    assert zkcli_utc[f"getAcl {p('multi')}"].startswith("'digest,'bob:x\n: cdrwa\n")


def test_get_ephemerals_format(zkcli_utc):
    printed = zkcli_utc[f"getEphemerals {p('zkeph')}"]
    names = [p(f"zkeph/{n}") for n in ("one", "two", "three")]
    # The order is the server's; the format must match one of the orders.
    assert printed in {format_ephemerals(list(order)) for order in permutations(names)}


def test_get_all_children_number_is_a_bare_count(client, zkcli_utc):
    def count(path: str) -> int:
        children = client.get_children(path)
        return len(children) + sum(count(f"{path}/{child}") for child in children)

    assert zkcli_utc[f"getAllChildrenNumber {p('parent')}"] == str(count(p("parent")))


@pytest.mark.parametrize("name", READ_NODES)
def test_stat_in_new_york_matches_zkcli(client, zkcli_new_york, name):
    stat = client.exists(p(name))
    assert format_stat(stat, NEW_YORK) == zkcli_new_york[f"stat {p(name)}"]


def test_local_zone_is_taken_from_tz_like_the_jvm(client, zkcli_new_york):
    """Without an explicit zone, java_date uses the process's zone (TZ), as the JVM does."""
    stat = client.exists(p("plain"))
    program = f"from zktui.core.zkformat import java_date; print(java_date({stat.ctime}))"
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=dict(os.environ, TZ="America/New_York"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"ctime = {result.stdout.strip()}" in zkcli_new_york[f"stat {p('plain')}"].splitlines()


# ----- errors -----


def kazoo_error(operation) -> KazooException:
    with pytest.raises(KazooException) as caught:
        operation()
    return caught.value


def server_errors(client) -> dict[str, tuple[str, str, Exception]]:
    """zkCli command -> (command word, path, the exception kazoo gets from the server for the same call)."""
    missing = p("missing")
    no_node = kazoo_error(lambda: client.get(missing))
    cases = {
        f"stat {missing}": ("stat", missing, no_node),
        f"get {missing}": ("get", missing, no_node),
        f"get -s {missing}": ("get", missing, no_node),
        f"ls {missing}": ("ls", missing, kazoo_error(lambda: client.get_children(missing))),
        f"ls -s {missing}": ("ls", missing, kazoo_error(lambda: client.get_children(missing))),
        f"getAcl {missing}": ("getAcl", missing, kazoo_error(lambda: client.get_acls(missing))),
        f"set {missing} x": ("set", missing, kazoo_error(lambda: client.set(missing, b"x"))),
        f"delete {missing}": ("delete", missing, kazoo_error(lambda: client.delete(missing))),
        f"getAllChildrenNumber {missing}": ("getAllChildrenNumber", missing, no_node),
        f"create {missing}/child x": (
            "create",
            f"{missing}/child",
            kazoo_error(lambda: client.create(f"{missing}/child", b"x")),
        ),
        f"create {p('plain')} x": (
            "create",
            p("plain"),
            kazoo_error(lambda: client.create(p("plain"), b"x")),
        ),
        f"delete {p('parent')}": ("delete", p("parent"), kazoo_error(lambda: client.delete(p("parent")))),
        f"set -v 99 {p('plain')} x": (
            "set",
            p("plain"),
            kazoo_error(lambda: client.set(p("plain"), b"x", version=99)),
        ),
        f"delete -v 99 {p('plain')}": (
            "delete",
            p("plain"),
            kazoo_error(lambda: client.delete(p("plain"), version=99)),
        ),
        f"get {p('locked')}": ("get", p("locked"), kazoo_error(lambda: client.get(p("locked")))),
        f"ls {p('locked')}": ("ls", p("locked"), kazoo_error(lambda: client.get_children(p("locked")))),
        f"getAcl {p('locked')}": ("getAcl", p("locked"), kazoo_error(lambda: client.get_acls(p("locked")))),
        f"set {p('locked')} x": ("set", p("locked"), kazoo_error(lambda: client.set(p("locked"), b"x"))),
        f"create {p('eph')}/child x": (
            "create",
            f"{p('eph')}/child",
            kazoo_error(lambda: client.create(f"{p('eph')}/child", b"x")),
        ),
        f"create {p('badacl')} x ip:999.1.1.1:rw": (
            "create",
            p("badacl"),
            kazoo_error(lambda: client.create(p("badacl"), b"x", acl=INVALID_ACL)),
        ),
        f"setAcl {p('plain')} ip:999.1.1.1:rw": (
            "setAcl",
            p("plain"),
            kazoo_error(lambda: client.set_acls(p("plain"), INVALID_ACL)),
        ),
        f"create {p('authacl')} x auth::cdrwa": (
            "create",
            p("authacl"),
            kazoo_error(lambda: client.create(p("authacl"), b"x", acl=[ACL(31, Id("auth", ""))])),
        ),
        "delete /zookeeper": ("delete", "/zookeeper", kazoo_error(lambda: client.delete("/zookeeper"))),
        f"create -s {p('queue')}/ x": (
            "create",
            f"{p('queue')}/",
            kazoo_error(lambda: client.create(f"{p('queue')}/", b"x", sequence=True)),
        ),
    }
    return cases


def test_server_errors_print_like_zkcli(client, zkcli_utc):
    cases = server_errors(client)
    mismatches = {
        command: (zkcli_error(word, path, exc), zkcli_utc[command])
        for command, (word, path, exc) in cases.items()
        if zkcli_error(word, path, exc) != zkcli_utc[command]
    }
    assert mismatches == {}
    # A few spelled out, so a reader sees what zkCli prints.
    assert zkcli_utc[f"get {p('missing')}"] == f"Node does not exist: {p('missing')}"
    assert zkcli_utc[f"get {p('locked')}"] == f"Insufficient permission : {p('locked')}"
    assert zkcli_utc[f"create {p('badacl')} x ip:999.1.1.1:rw"].count("\n") == 1


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_paths_print_like_zkcli(zkcli_utc, path):
    with pytest.raises(BadPathError) as caught:
        validate_path(path)
    assert zkcli_error("get", path, caught.value) == zkcli_utc[f"get {zk_arg(path)}"]


def test_sequential_create_checks_the_path_with_the_counter_appended(client, zkcli_utc):
    # "/x/" is acceptable for create -s (the server appends the counter); "/x//" is not, and the message
    # shows the path with Java's "1" appended.
    validate_path(f"{p('queue')}/", sequential=True)
    with pytest.raises(BadPathError) as caught:
        validate_path(f"{p('')}/", sequential=True)
    assert zkcli_error("create", f"{p('')}/", caught.value) == zkcli_utc[f"create -s {p('')}/ x"]


def test_data_too_large_prints_like_zkcli(server, zkcli_utc):
    sender = KazooClient(hosts=server, timeout=10.0)
    sender.start(timeout=15)
    try:
        with pytest.raises(ConnectionLoss) as caught:
            sender.set(p("plain"), b"x" * BIG)
    finally:
        sender.stop()
        sender.close()
    command = f"set {p('plain')} {'x' * BIG}"
    assert zkcli_error("set", p("plain"), caught.value) == zkcli_utc[command]
    assert zkcli_utc[command] == f"KeeperErrorCode = ConnectionLoss for {p('plain')}"
