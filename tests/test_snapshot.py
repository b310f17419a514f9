"""Snapshots: the file format, its validation, backups, and reading and restoring on a real ensemble."""

from __future__ import annotations

import json
import stat
import threading
from datetime import datetime, timezone

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError
from kazoo.security import ACL, OPEN_ACL_UNSAFE, Id, Permissions, make_digest_acl

from tests.helpers import wait_until
from zktui.core.backup import backup_directory, backup_name, write_backup
from zktui.core.snapshot import (
    CONTAINER_OWNER,
    Cancelled,
    Snapshot,
    SnapshotError,
    SnapshotNode,
    WriteFailed,
    _acl_to_build_below,
    delete_snapshot_nodes,
    dumps,
    load_snapshot,
    mode_of,
    parse_snapshot,
    read_subtree,
    restore,
    write_snapshot,
)

OPEN = tuple(OPEN_ACL_UNSAFE)
READ_DELETE_ONLY = (ACL(Permissions.READ | Permissions.DELETE, Id("world", "anyone")),)


def node(rel: str, data: bytes | None = b"", acl=OPEN, mode: str = "persistent", ttl: int | None = None):
    return SnapshotNode(rel, data, tuple(acl), mode, ttl)


def server_tree(client, root: str) -> dict[str, tuple]:
    """What the server holds below root, read plainly (one request at a time) to check the fast paths."""
    found: dict[str, tuple] = {}

    def visit(path: str, rel: str) -> None:
        data, node_stat = client.get(path)
        acl, _ = client.get_acls(path)
        found[rel] = (data, sorted(acl), node_stat.ephemeralOwner & (2**64 - 1))
        for name in client.get_children(path):
            visit(f"{path}/{name}", f"{rel}/{name}" if rel else name)

    visit(root, "")
    return found


# ----- pure: modes, the file format, validation -----


def test_mode_of_decodes_ephemeral_owner_like_zookeeper():
    assert mode_of(0) == ("persistent", None)
    assert mode_of(-(2**63)) == ("container", None)  # kazoo hands the owner over signed
    assert mode_of(CONTAINER_OWNER) == ("container", None)
    assert mode_of(0xFF000000000003E8) == ("ttl", 1000)
    assert mode_of(-0x00FFFFFFFFFFFC18) == ("ttl", 1000)  # the same owner, signed
    assert mode_of(0x1000ABCDEF00001) == ("ephemeral", None)


def test_file_round_trip_keeps_binary_null_text_acl_and_modes(tmp_path):
    digest = make_digest_acl("alice", "secret", read=True, admin=True)
    original = Snapshot(
        "/app",
        [
            node("", b"root"),
            node("bin", bytes(range(256))),
            node("bad-utf8", b"\xff\xfecaf\xc3"),
            node("null", None),
            node("text", "héllo\nwörld \u202e".encode()),
            node("bin/ttl", b"t", (digest,), "ttl", 60000),
            node("box", b"", OPEN, "container"),
            node("eph", b"e", OPEN, "ephemeral"),
        ],
        unreadable=["secret"],
    )
    file = write_snapshot(original, tmp_path / "out.json")
    loaded = load_snapshot(file)
    assert loaded.root == "/app"
    assert loaded.nodes == original.nodes
    assert loaded.unreadable == ["secret"]
    document = json.loads(file.read_text(encoding="utf-8"))
    assert document["format"] == "zktui-snapshot" and document["version"] == 1
    by_path = {entry["path"]: entry for entry in document["nodes"]}
    assert by_path["text"]["data"] == "héllo\nwörld \u202e"
    assert "data" not in by_path["bad-utf8"] and by_path["bad-utf8"]["data_base64"] == "//5jYWbD"
    assert by_path["null"]["data"] is None
    assert by_path["bin/ttl"]["acl"] == [{"scheme": "digest", "id": digest.id.id, "perms": "ra"}]
    assert by_path["bin/ttl"]["ttl"] == 60000


def test_export_file_gets_normal_permissions_and_never_half_written(tmp_path):
    file = write_snapshot(Snapshot("/", [node("")]), tmp_path / "x.json")
    assert stat.S_IMODE(file.stat().st_mode) & 0o600 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temporary file left behind


def _valid_document() -> dict:
    return json.loads(dumps(Snapshot("/a", [node(""), node("b", b"x"), node("b/c")])))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(format="other"), 'not a zktui snapshot (no "format": "zktui-snapshot")'),
        (lambda d: d.update(version=2), "snapshot version 2 is not supported (this zktui reads 1)"),
        (lambda d: d.update(root="a"), '"root" must be an absolute znode path, not "a"'),
        (lambda d: d.update(nodes=[]), '"nodes" must be a non-empty list'),
        (lambda d: d["nodes"].pop(1), 'nodes[1] ("b/c"): its parent is not listed before it'),
        (lambda d: d["nodes"].append(d["nodes"][1]), 'nodes[3] ("b"): the same path appears twice'),
        (lambda d: d["nodes"][1].update(path="b//x"), 'path must be a relative znode path ("" for the root)'),
        (
            lambda d: d["nodes"][1].update(mode="weird"),
            "mode must be one of persistent, ephemeral, container",
        ),
        (lambda d: d["nodes"][1].update(mode="ttl"), 'a ttl node needs "ttl": milliseconds'),
        (lambda d: d["nodes"][1].update(acl=[]), "acl must be a non-empty list"),
        (
            lambda d: d["nodes"][1]["acl"][0].update(perms="rwx"),
            'acl[0].perms must be letters from cdrwa, not "rwx"',
        ),
        (lambda d: d["nodes"][1].update(data=5), '"data" must be text or null, not 5'),
        (lambda d: d["nodes"][1].update(data_base64="%%%"), 'give "data" or "data_base64", not both'),
        (lambda d: d["nodes"][2].update(data_base64="%%%") or d["nodes"][2].pop("data"), "not valid base64"),
    ],
)
def test_bad_snapshot_documents_give_one_clear_line(change, expected):
    document = _valid_document()
    change(document)
    with pytest.raises(SnapshotError) as failure:
        parse_snapshot(document, "f.json")
    message = str(failure.value)
    assert expected in message
    assert message.startswith("f.json: ") and "\n" not in message


def test_unreadable_files_give_one_clear_line(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "zktui-snapshot",\n "version": 1,,}', encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    cases = {
        broken: f"{broken}: not valid JSON (line 2, column 15",
        binary: f"{binary}: not UTF-8 text",
        tmp_path / "missing.json": f"cannot read {tmp_path / 'missing.json'}: No such file",
    }
    for file, expected in cases.items():
        with pytest.raises(SnapshotError) as failure:
            load_snapshot(file)
        assert str(failure.value).startswith(expected)


# ----- backups: where and how -----


def test_backup_directory_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert backup_directory({}) == tmp_path / "home/.local/state/zktui/backups"
    assert (
        backup_directory({"XDG_STATE_HOME": "relative/ignored"})
        == tmp_path / "home/.local/state/zktui/backups"
    )
    assert backup_directory({"XDG_STATE_HOME": "/state"}).as_posix() == "/state/zktui/backups"
    assert backup_directory({"XDG_STATE_HOME": "/state", "ZKTUI_BACKUP_DIR": "/b"}).as_posix() == "/b"


def test_backup_name_says_when_what_and_where():
    at = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert backup_name("deleteall", "/app/config", at) == "20240501T120000.123Z-deleteall-app_config.json"
    assert backup_name("mv", "/", at) == "20240501T120000.123Z-mv-root.json"
    assert backup_name("import", "/a b/../\x1b[31m", at) == "20240501T120000.123Z-import-a_b_.._31m.json"


def test_backups_are_private_and_never_overwrite_each_other(tmp_path):
    at = datetime(2024, 5, 1, tzinfo=timezone.utc)
    snapshot = Snapshot("/app", [node("", b"one")])
    first = write_backup(snapshot, "deleteall", directory=tmp_path / "b", now=at)
    snapshot.nodes[0] = node("", b"two")
    second = write_backup(snapshot, "deleteall", directory=tmp_path / "b", now=at)
    assert first != second
    assert load_snapshot(first).nodes[0].data == b"one"
    assert load_snapshot(second).nodes[0].data == b"two"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o700


# ----- against the ensemble -----


def test_read_and_restore_give_back_data_acls_and_modes(zk, base_path):
    source = f"{base_path}/src"
    zk.create(source, b"root")
    zk.create(f"{source}/null", None)
    zk.create(f"{source}/bin", bytes(range(256)))
    zk.create(f"{source}/locked-down", b"x")
    zk.create(f"{source}/locked-down/inside", b"y")
    zk.set_acls(f"{source}/locked-down", list(READ_DELETE_ONLY))  # no CREATE: its child needs a detour
    zk.create(f"{source}/box/item", b"i", makepath=True)
    zk.create(f"{source}/mine", b"e", ephemeral=True)
    snapshot = read_subtree(zk, source)
    assert {n.rel: n.mode for n in snapshot.nodes if n.mode != "persistent"} == {"mine": "ephemeral"}
    assert next(n for n in snapshot.nodes if n.rel == "null").data is None

    result = restore(zk, snapshot, f"{base_path}/copy")
    assert (result.created, result.ephemeral_as_persistent) == (len(snapshot.nodes), 1) == (8, 1)
    copied, original = server_tree(zk, f"{base_path}/copy"), server_tree(zk, source)
    assert original["mine"][2] != 0 and copied["mine"][2] == 0  # ephemeral -> persistent
    original["mine"] = original["mine"][:2] + (0,)
    assert copied == original
    assert zk.get(f"{base_path}/copy/null")[0] is None  # null, not merely empty


def test_acl_to_build_below_widens_named_identities_before_anyone():
    anyone_read = ACL(Permissions.READ, Id("world", "anyone"))
    alice_read_admin = make_digest_acl("alice", "secret", read=True, admin=True)
    assert _acl_to_build_below(OPEN) is None
    assert _acl_to_build_below((make_digest_acl("alice", "secret", all=True), anyone_read)) is None
    widened = ACL(alice_read_admin.perms | Permissions.CREATE, alice_read_admin.id)
    assert _acl_to_build_below((alice_read_admin, anyone_read)) == (widened, anyone_read)
    assert _acl_to_build_below(READ_DELETE_ONLY) == (
        ACL(Permissions.ALL & ~Permissions.WRITE, Id("world", "anyone")),
    )


def test_children_are_restored_under_an_acl_that_forbids_creating_them(ensemble, base_path):
    alice = KazooClient(hosts=ensemble.hosts, auth_data=[("digest", "alice:secret")])
    alice.start(timeout=15)
    vault_acl = (
        make_digest_acl("alice", "secret", read=True, admin=True),
        ACL(Permissions.READ, Id("world", "anyone")),
    )
    try:
        restore(
            alice,
            Snapshot("/", [node(""), node("vault", b"v", vault_acl), node("vault/item", b"i")]),
            f"{base_path}/t",
        )
        acl, acl_stat = alice.get_acls(f"{base_path}/t/vault")
        assert sorted(acl) == sorted(vault_acl) and acl_stat.aversion == 1  # set once, after the child
        assert alice.get(f"{base_path}/t/vault/item")[0] == b"i"
    finally:
        alice.set_acls(f"{base_path}/t/vault", list(OPEN))  # so the fixture can remove it
        alice.stop()
        alice.close()


def test_restore_creates_containers_and_ttl_nodes_that_the_server_then_manages(zk, base_path):
    nodes = [
        node(""),
        node("box", b"c", mode="container"),
        node("box/item"),
        node("plain"),
        node("plain/item"),
        node("short-lived", b"t", mode="ttl", ttl=1000),
    ]
    restore(zk, Snapshot("/", nodes), f"{base_path}/t")
    # The server hides the mode from stats; its behaviour shows it. Containers go once emptied, TTL nodes
    # once untouched for their TTL; a persistent node stays.
    zk.delete(f"{base_path}/t/box/item")
    zk.delete(f"{base_path}/t/plain/item")
    wait_until(lambda: zk.exists(f"{base_path}/t/box") is None, 15, message="the empty container to go")
    wait_until(lambda: zk.exists(f"{base_path}/t/short-lived") is None, 15, message="the TTL node to expire")
    assert zk.exists(f"{base_path}/t/plain") is not None


def test_restore_splits_batches_by_size_and_count(zk, base_path):
    big = b"x" * 300_000
    nodes = [node("")] + [node(f"n{i}", big) for i in range(4)] + [node("huge", b"h" * 1_000_000)]
    nodes += [node(f"small{i}") for i in range(25)]
    calls: list[tuple[int, int]] = []
    restore(
        zk, Snapshot("/", nodes), f"{base_path}/t", batch_ops=10, progress=lambda d, t: calls.append((d, t))
    )
    # 512 KiB per batch: root+n0, n1, n2, n3, then the 1 MB node alone, then 25 small ones in tens.
    assert calls == [(2, 31), (3, 31), (4, 31), (5, 31), (6, 31), (16, 31), (26, 31), (31, 31)]
    assert len(zk.get(f"{base_path}/t/huge")[0]) == 1_000_000
    assert zk.get_children(f"{base_path}/t") and zk.exists(f"{base_path}/t/small24")


def test_restore_stops_at_an_existing_node_and_says_how_far_it_got(zk, base_path):
    zk.create(f"{base_path}/t")
    zk.create(f"{base_path}/t/c5")
    nodes = [node("")] + [node(f"c{i}") for i in range(10)]
    with pytest.raises(WriteFailed) as failure:
        restore(zk, Snapshot("/", nodes), f"{base_path}/t", existing={"": node("")}, batch_ops=3)
    # Batches: (c0 c1 c2) (c3 c4 c5): the second is refused as a whole, atomically.
    assert failure.value.path == f"{base_path}/t/c5" and failure.value.done == 3
    assert sorted(zk.get_children(f"{base_path}/t")) == ["c0", "c1", "c2", "c5"]


def test_restore_over_existing_nodes_checks_the_versions_read(zk, base_path):
    zk.create(f"{base_path}/t", b"old")
    (current,) = read_subtree(zk, f"{base_path}/t").nodes
    zk.set(f"{base_path}/t", b"changed by someone else")
    with pytest.raises(WriteFailed) as failure:
        restore(zk, Snapshot("/", [node("", b"new")]), f"{base_path}/t", existing={"": current})
    assert isinstance(failure.value.error, BadVersionError)
    assert zk.get(f"{base_path}/t")[0] == b"changed by someone else"


def test_delete_snapshot_nodes_deepest_first_in_batches_and_cancellable(zk, base_path):
    root = f"{base_path}/t"
    zk.create(root)
    for i in range(3):
        zk.create(f"{root}/a{i}/b", makepath=True)
    snapshot = read_subtree(zk, root)
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()

    with pytest.raises(Cancelled) as stop:
        delete_snapshot_nodes(zk, snapshot, batch_ops=4, cancel=cancel, progress=progress)
    assert (stop.value.done, stop.value.total, seen) == (4, 7, [4])
    left = zk.get_children(root)  # the three b's went first, then one of the a's
    assert len(left) == 2 and all(zk.get_children(f"{root}/{name}") == [] for name in left)
    assert delete_snapshot_nodes(zk, read_subtree(zk, root), batch_ops=4) == 3
    assert zk.exists(root) is None


def test_delete_snapshot_nodes_refuses_a_node_changed_since_the_snapshot(zk, base_path):
    root = f"{base_path}/t"
    zk.create(f"{root}/child", makepath=True)
    snapshot = read_subtree(zk, root)
    zk.set(root, b"new data after the backup")
    with pytest.raises(WriteFailed) as failure:
        delete_snapshot_nodes(zk, snapshot)
    assert failure.value.path == root and isinstance(failure.value.error, BadVersionError)
    assert zk.exists(root) is not None and zk.exists(f"{root}/child") is not None  # one atomic batch


def test_read_subtree_of_a_missing_node_raises_no_node(zk, base_path):
    with pytest.raises(NoNodeError):
        read_subtree(zk, f"{base_path}/missing")
