"""export, import, deleteall, cp, mv and diff through the command engine, on a real ensemble."""

from __future__ import annotations

import json
import stat

import pytest
from kazoo.exceptions import NoNodeError
from kazoo.security import ACL, Id, Permissions, make_digest_acl

import zktui.commands.handlers.bulk  # noqa: F401  (registers the handlers even before handlers/ imports it)
from tests.helpers import wait_until
from zktui.commands.engine import Engine, load_handlers
from zktui.commands.registry import CommandError
from zktui.core import protocol
from zktui.core.session import ConnectOptions
from zktui.core.snapshot import load_snapshot
from zktui.core.walk import walk

ALICE = make_digest_acl("alice", "secret", all=True)
READ_DELETE = ACL(Permissions.READ | Permissions.DELETE, Id("world", "anyone"))
TREE_SIZE = 1123  # nodes build_tree makes, the ephemeral one included


@pytest.fixture
def backups(tmp_path, monkeypatch):
    directory = tmp_path / "backups"
    monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(directory))
    return directory


@pytest.fixture
def engine(ensemble, base_path, backups):
    load_handlers()
    running = Engine()
    running.progress_lines = []
    running.progress = running.progress_lines.append
    running.connect(ConnectOptions(hosts=ensemble.hosts, auth=(("digest", "alice:secret"),)))
    yield running
    # The base_path fixture's client is not alice: remove what only alice may read first, deepest first
    # (one session's requests are applied in order, so many may be in flight).
    client = running.client
    below = [entry.path for entry in walk(client, base_path)][1:]
    for reply in [client.delete_async(path) for path in reversed(below)]:
        try:
            reply.get()
        except NoNodeError:  # an emptied container the server removed first
            pass
    running.close()


def build_tree(client, root: str, other_session=None) -> None:
    """Every kind of node an export must carry, and 1,110 nodes over four levels."""
    client.create(root, b"root")
    paths = [f"{root}/levels"]
    for i in range(10):
        paths.append(f"{root}/levels/l{i}")
        for j in range(10):
            paths.append(f"{root}/levels/l{i}/m{j}")
            paths += [f"{root}/levels/l{i}/m{j}/n{k}" for k in range(10)]
    for start in range(0, len(paths), 500):
        transaction = client.transaction()
        for path in paths[start : start + 500]:
            transaction.create(path, path.rsplit("/", 1)[1].encode())
        assert all(isinstance(result, str) for result in transaction.commit())
    client.create(f"{root}/binary", bytes(range(256)))
    client.create(f"{root}/bad-utf8", b"\xff\xfe caf\xc3")
    client.create(f"{root}/null", None)
    client.create(f"{root}/text", "héllo\n\x1b[31mwörld".encode())
    client.create(f"{root}/secret", b"s3cret", acl=[ALICE])
    client.create(f"{root}/guarded/inside", b"in", makepath=True)
    client.set_acls(f"{root}/guarded", [READ_DELETE])  # no CREATE: a restore must work around it
    protocol.create_container(client, f"{root}/box", b"box")
    client.create(f"{root}/box/item", b"item")
    protocol.create_ttl(client, f"{root}/ttl", b"ttl", ttl_ms=3_600_000)
    if other_session is not None:
        other_session.create(f"{root}/session-owned", b"eph", ephemeral=True)


def server_tree(client, root: str) -> dict[str, tuple]:
    """rel path -> (data, ACL as a set, ephemeral?), read with plain kazoo calls, one level at a time."""
    found: dict[str, tuple] = {}
    level = [(root, "")]
    while level:
        replies = [
            (path, rel, client.get_async(path), client.get_acls_async(path), client.get_children_async(path))
            for path, rel in level
        ]
        level = []
        for path, rel, data_reply, acl_reply, children_reply in replies:
            data, node_stat = data_reply.get()
            found[rel] = (data, sorted(acl_reply.get()[0]), node_stat.ephemeralOwner != 0)
            level += [(f"{path}/{name}", f"{rel}/{name}" if rel else name) for name in children_reply.get()]
    return found


def as_persistent(tree: dict[str, tuple]) -> dict[str, tuple]:
    return {rel: (data, acl, False) for rel, (data, acl, _ephemeral) in tree.items()}


def failure_of(engine, line: str) -> str:
    with pytest.raises(CommandError) as failure:
        engine.run(line)
    message = str(failure.value)
    assert "\n" not in message
    return message


# ----- export / import -----


def test_export_then_import_gives_the_same_data_acls_and_modes(engine, zk, base_path, tmp_path):
    source, copy, file = f"{base_path}/src", f"{base_path}/copy", tmp_path / "tree.json"
    build_tree(engine.client, source, other_session=zk)
    assert engine.run(f"export {source} {file}").text == f"exported {TREE_SIZE} nodes to {file}"
    output = engine.run(f"import {file} {copy} --yes")
    assert output.text.splitlines() == [
        f"imported {TREE_SIZE} nodes to {copy}",
        "1 ephemeral nodes were imported as persistent nodes (they belonged to other sessions)",
    ]
    original = server_tree(engine.client, source)
    assert original["session-owned"][2] is True
    assert server_tree(engine.client, copy) == as_persistent(original)
    assert engine.client.get(f"{copy}/null")[0] is None
    assert engine.client.get_acls(f"{copy}/secret")[0] == [ALICE]
    assert any(line.startswith("import: wrote") for line in engine.progress_lines)


def test_import_makes_containers_and_ttl_nodes_as_the_file_says(engine, base_path, tmp_path):
    client, file = engine.client, tmp_path / "modes.json"
    client.create(f"{base_path}/src/box/item", makepath=True)
    client.create(f"{base_path}/src/brief", b"t")
    engine.run(f"export {base_path}/src {file}")
    document = json.loads(file.read_text(encoding="utf-8"))
    for entry in document["nodes"]:  # the server does not tell a client these modes: state them
        if entry["path"] == "box":
            entry["mode"] = "container"
        if entry["path"] == "brief":
            entry.update(mode="ttl", ttl=1000)
    file.write_text(json.dumps(document), encoding="utf-8")
    engine.run(f"import {file} {base_path}/copy --yes")
    client.delete(f"{base_path}/copy/box/item")
    wait_until(
        lambda: client.exists(f"{base_path}/copy/box") is None, 15, message="the emptied container to go"
    )
    wait_until(lambda: client.exists(f"{base_path}/copy/brief") is None, 15, message="the TTL node to expire")
    assert client.exists(f"{base_path}/copy") is not None


def test_import_refuses_existing_nodes_without_force(engine, base_path, tmp_path):
    client, file = engine.client, tmp_path / "t.json"
    client.create(f"{base_path}/src/a/b", b"new", makepath=True)
    engine.run(f"export {base_path}/src {file}")
    client.create(f"{base_path}/copy/a", b"mine", makepath=True)
    message = failure_of(engine, f"import {file} {base_path}/copy --yes")
    assert message == (
        f"import: {base_path}/copy already exists (2 of the file's 3 nodes exist); nothing was imported; "
        "--force replaces them after writing a backup"
    )
    assert (
        client.get(f"{base_path}/copy/a")[0] == b"mine" and client.get_children(f"{base_path}/copy/a") == []
    )
    assert failure_of(engine, f"import {file} {base_path}/no/such --yes") == (
        f"import: no node {base_path}/no: create the parent first"
    )


def test_import_force_writes_a_backup_that_restores_exactly(engine, zk, base_path, tmp_path, backups):
    client, file, target = engine.client, tmp_path / "new.json", f"{base_path}/target"
    client.create(f"{base_path}/src", b"new root")
    client.create(f"{base_path}/src/a", b"new a", acl=[ALICE])
    client.create(f"{base_path}/src/a/b", b"new b")
    client.create(f"{base_path}/src/c", b"new c")
    engine.run(f"export {base_path}/src {file}")
    client.create(
        target, None, acl=[ALICE, ACL(Permissions.READ | Permissions.CREATE, Id("world", "anyone"))]
    )
    client.create(f"{target}/a", b"old a")
    client.create(f"{target}/a/keep", b"not in the file")
    zk.create(f"{target}/c", b"old c", ephemeral=True)
    client.sync(target)  # zk may write through another server: the engine's must have seen c too
    before = server_tree(client, target)

    output = engine.run(f"import {file} {target} --force --yes")
    backup_line, summary, modes = output.text.splitlines()
    backup = backup_line.removeprefix("backup: ")
    assert backup.startswith(str(backups)) and stat.S_IMODE((backups / backup).stat().st_mode) == 0o600
    assert summary == f"imported 4 nodes to {target}: 1 created, 3 replaced, 0 unchanged"
    assert modes == "1 existing nodes kept their own mode (a node's mode cannot change)"
    assert client.get(f"{target}/a")[0] == b"new a" and client.get_acls(f"{target}/a")[0] == [ALICE]
    assert client.get(target)[0] == b"new root" and client.get(f"{target}/a/b")[0] == b"new b"

    restored = engine.run(f"import {backup} {target} --force --yes")
    assert f"imported 3 nodes to {target}: 0 created, 3 replaced, 0 unchanged" in restored.text
    after = server_tree(client, target)
    assert {rel: after[rel] for rel in before} == before  # data, ACLs and modes as they were
    assert set(after) - set(before) == {"a/b"}  # what the import created stays


def test_a_bad_snapshot_file_gives_one_clear_error(engine, base_path, tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"format": "zktui-snapshot", "version": 1, "root": "/x", "nodes": [{"path": "a"}]}')
    assert failure_of(engine, f"import {wrong} {base_path}/x --yes") == (
        f'import: {wrong}: nodes[0] ("a"): acl must be a non-empty list (ZooKeeper refuses an empty ACL)'
    )
    other = tmp_path / "other.json"
    other.write_text("[1, 2]")
    assert failure_of(engine, f"import {other} {base_path}/x --yes") == (
        f'import: {other}: not a zktui snapshot (no "format": "zktui-snapshot")'
    )
    assert engine.client.exists(f"{base_path}/x") is None


def test_export_of_the_whole_tree_leaves_zookeepers_own_nodes_out(engine, base_path, tmp_path):
    engine.client.create(f"{base_path}/mark", b"here")
    engine.run(f"export / {tmp_path / 'all.json'}")
    paths = [node.rel for node in load_snapshot(tmp_path / "all.json").nodes]
    assert f"{base_path}/mark"[1:] in paths
    assert not [path for path in paths if path == "zookeeper" or path.startswith("zookeeper/")]


# ----- deleteall -----


def test_deleteall_writes_a_backup_that_restores_the_subtree(engine, zk, base_path, backups):
    source = f"{base_path}/src"
    build_tree(engine.client, source, other_session=zk)
    before = server_tree(engine.client, source)
    output = engine.run(f"deleteall {source} --yes")
    backup_line, deleted = output.text.splitlines()
    assert deleted == f"deleted {TREE_SIZE} nodes"
    assert output.data == {
        "path": source,
        "backup": backup_line.removeprefix("backup: "),
        "deleted": TREE_SIZE,
    }
    assert engine.client.exists(source) is None
    engine.run(f"import {output.data['backup']} {source} --yes")
    assert server_tree(engine.client, source) == as_persistent(before)


@pytest.mark.parametrize("path", ["/", "/zookeeper", "/zookeeper/config", "/zookeeper/.."])
def test_deleteall_refuses_the_root_and_zookeepers_own_nodes(engine, path):
    message = failure_of(engine, f"deleteall {path} --yes")
    assert message.startswith("deleteall: refused: ")
    assert engine.client.exists("/zookeeper/config") is not None


def _flat_tree(client, root: str, children: int = 30) -> None:
    client.create(root, b"root")
    for i in range(children):
        client.create(f"{root}/c{i:02d}", b"%d" % i)


def test_deleteall_deletes_in_batches_of_b(engine, base_path):
    _flat_tree(engine.client, f"{base_path}/t")
    output = engine.run(f"deleteall {base_path}/t -b 7 --yes")
    assert output.data["deleted"] == 31
    assert [line for line in engine.progress_lines if line.startswith("deleteall: deleted")] == [
        f"deleteall: deleted {done} of 31 nodes" for done in (7, 14, 21, 28, 31)
    ]
    assert failure_of(engine, f"deleteall {base_path} -b 0 --yes").startswith(
        "deleteall: -b must be a positive"
    )


def test_deleteall_cancelled_stops_between_batches_and_says_how_far_it_got(engine, base_path):
    _flat_tree(engine.client, f"{base_path}/t")

    def cancel_after_first_batch(line: str) -> None:
        if line.startswith("deleteall: deleted"):
            engine.cancel.set()

    engine.progress = cancel_after_first_batch
    message = failure_of(engine, f"deleteall {base_path}/t -b 7 --yes")
    assert message.startswith("deleteall: cancelled after deleting 7 of 31 nodes (deepest first); backup: ")
    assert len(engine.client.get_children(f"{base_path}/t")) == 23
    backup = message.rsplit("backup: ", 1)[1]
    assert len(load_snapshot(backup).nodes) == 31


def test_deleteall_stops_when_a_node_changes_after_the_backup(engine, zk, base_path):
    _flat_tree(engine.client, f"{base_path}/t")

    def change_the_root(line: str) -> None:
        if line == "deleteall: deleted 10 of 31 nodes":
            zk.set(f"{base_path}/t", b"changed meanwhile")

    engine.progress = change_the_root
    message = failure_of(engine, f"deleteall {base_path}/t -b 10 --yes")
    assert message.startswith(
        f"deleteall: stopped: {base_path}/t was changed meanwhile; 30 of 31 nodes deleted; backup: "
    )
    assert engine.client.get(f"{base_path}/t")[0] == b"changed meanwhile"


# ----- cp / mv -----


def test_cp_copies_data_and_acls_and_refuses_what_it_must(engine, base_path):
    client = engine.client
    client.create(f"{base_path}/src/a/b", b"deep", makepath=True)
    client.create(f"{base_path}/src/secret", b"s", acl=[ALICE])
    before = server_tree(client, f"{base_path}/src")
    assert engine.run(f"cp {base_path}/src {base_path}/dst").text == (
        f"copied 4 nodes from {base_path}/src to {base_path}/dst"
    )
    assert server_tree(client, f"{base_path}/dst") == before == server_tree(client, f"{base_path}/src")
    assert (
        failure_of(engine, f"cp {base_path}/src {base_path}/dst")
        == f"cp: {base_path}/dst already exists; nothing was changed"
    )
    assert failure_of(engine, f"cp {base_path}/src {base_path}/src/a/inner") == (
        f"cp: refused: the target {base_path}/src/a/inner is inside the source {base_path}/src"
    )
    assert failure_of(engine, f"cp {base_path}/src {base_path}/none/dst") == (
        f"cp: no node {base_path}/none: create the parent first"
    )
    assert failure_of(engine, f"cp {base_path}/missing {base_path}/x") == f"cp: no node {base_path}/missing"


def test_mv_moves_with_a_backup_and_refuses_a_target_inside_the_source(engine, base_path, backups):
    client = engine.client
    client.create(f"{base_path}/src/a/b", b"deep", makepath=True)
    client.create(f"{base_path}/src/guarded/x", makepath=True)
    client.set_acls(f"{base_path}/src/guarded", [READ_DELETE])
    before = server_tree(client, f"{base_path}/src")
    message = failure_of(engine, f"mv {base_path}/src {base_path}/src/a/inner --yes")
    assert message == f"mv: refused: the target {base_path}/src/a/inner is inside the source {base_path}/src"
    assert failure_of(engine, "mv / /elsewhere --yes").startswith(
        "mv: refused: the target /elsewhere is inside"
    )

    output = engine.run(f"mv {base_path}/src {base_path}/dst --yes")
    backup_line, moved = output.text.splitlines()
    assert moved == f"moved 5 nodes from {base_path}/src to {base_path}/dst"
    assert client.exists(f"{base_path}/src") is None
    assert server_tree(client, f"{base_path}/dst") == before
    backup = load_snapshot(backup_line.removeprefix("backup: "))
    assert backup.root == f"{base_path}/src" and len(backup.nodes) == 5


# ----- diff -----


def test_diff_lists_what_differs_sorted(engine, base_path):
    client = engine.client
    for side in ("one", "two"):
        client.create(f"{base_path}/{side}/same", b"x", makepath=True)
        client.create(f"{base_path}/{side}/data", side.encode())
        client.create(f"{base_path}/{side}/acl", b"", acl=[ALICE] if side == "two" else None)
    client.create(f"{base_path}/one/gone/deeper", b"", makepath=True)
    client.create(f"{base_path}/two/new\u202eevil", b"")
    client.create(f"{base_path}/two/empty", b"")
    client.create(f"{base_path}/one/empty", None)  # null and empty data look the same to people

    output = engine.run(f"diff {base_path}/one {base_path}/two")
    assert output.text.splitlines() == [
        "ACL differs: acl",
        "data differs: data",
        f"only in {base_path}/one: gone",
        f"only in {base_path}/one: gone/deeper",
        f"only in {base_path}/two: new\\u202eevil",
    ]
    assert output.data == {
        "only_in_first": ["gone", "gone/deeper"],
        "only_in_second": ["new\u202eevil"],
        "data_differs": ["data"],
        "acl_differs": ["acl"],
    }
    assert engine.run(f"diff {base_path}/one {base_path}/one").text == "identical"
    assert (
        failure_of(engine, f"diff {base_path}/one {base_path}/nothing")
        == f"diff: no node {base_path}/nothing"
    )


def test_under_a_chroot_paths_are_the_chroots_and_zookeeper_is_an_ordinary_name(
    ensemble, zk, base_path, backups
):
    zk.create(f"{base_path}/zookeeper/x", b"mine", makepath=True)
    for i in range(5):
        zk.create(f"{base_path}/src/n{i}", b"%d" % i, makepath=True)
    chrooted = Engine()
    chrooted.connect(ConnectOptions(hosts=ensemble.hosts + base_path))
    try:
        assert chrooted.run("cp /src /copy").data["copied"] == 6  # batched: the chroot goes into every op
        assert sorted(zk.get_children(f"{base_path}/copy")) == [f"n{i}" for i in range(5)]
        assert chrooted.run("deleteall /zookeeper --yes").data["deleted"] == 2
        assert len(list(backups.iterdir())) == 1
        assert zk.exists(f"{base_path}/zookeeper") is None and zk.exists("/zookeeper/config") is not None
        assert chrooted.run("diff /src /copy").text == "identical"
    finally:
        chrooted.close()
