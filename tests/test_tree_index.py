"""The compact full-tree index: built from a real walk, it must answer as the server does."""

from __future__ import annotations

import pytest
from kazoo.exceptions import NoNodeError
from kazoo.security import make_digest_acl

from zktui.core.tree_index import TreeIndex

pytestmark = pytest.mark.ensemble


@pytest.fixture
def small_tree(zk, base_path):
    """base/a{0..2}/b{0..3} with data, an ephemeral node and sequence-numbered children."""
    for i in range(3):
        zk.create(f"{base_path}/a{i}", f"a{i}".encode())
        for j in range(4):
            zk.create(f"{base_path}/a{i}/b{j}", b'{"j": %d}' % j)
    zk.create(f"{base_path}/eph", b"", ephemeral=True)
    for _ in range(11):
        zk.create(f"{base_path}/q/job-", b"", sequence=True, makepath=True)
    return base_path


def test_the_index_holds_every_node_with_its_stat(zk, small_tree):
    index = TreeIndex.build(zk, small_tree)
    expected = [small_tree] + [f"{small_tree}/a{i}" for i in range(3)] + [
        f"{small_tree}/a{i}/b{j}" for i in range(3) for j in range(4)] + [f"{small_tree}/eph", f"{small_tree}/q"] + [
        f"{small_tree}/q/job-{n:010d}" for n in range(11)]
    assert len(index) == len(expected)
    assert sorted(index.path(row) for row in range(len(index))) == sorted(expected)
    for path in expected:
        row = index.row_of(path)
        assert row is not None, path
        assert index.path(row) == path
        assert index.stat(row) == zk.exists(path)


def test_children_come_in_browsing_order_and_unknown_paths_are_none(zk, small_tree):
    index = TreeIndex.build(zk, small_tree)
    assert index.children(small_tree) == ["a0", "a1", "a2", "eph", "q"]
    assert index.children(f"{small_tree}/q") == [f"job-{n:010d}" for n in range(11)]
    assert index.children(f"{small_tree}/a1/b2") == []
    assert index.row_of(f"{small_tree}/a9") is None
    assert index.row_of(f"{small_tree}/a1/b9") is None
    assert index.row_of("/elsewhere") is None
    assert index.stat(index.row_of(f"{small_tree}/eph")).ephemeralOwner == zk.client_id[0]


def test_search_matches_names_case_insensitively(zk, small_tree):
    index = TreeIndex.build(zk, small_tree)
    assert sorted(index.search("B3")) == [f"{small_tree}/a{i}/b3" for i in range(3)]
    assert list(index.search("no-such-name")) == []


def test_a_node_we_may_not_read_is_held_as_locked(zk, small_tree):
    locked = f"{small_tree}/secret"
    zk.create(locked, b"x", acl=[make_digest_acl("ops", "s3cret", all=True)])
    index = TreeIndex.build(zk, small_tree)
    row = index.row_of(locked)
    assert row is not None and index.locked(row) and index.stat(row) is None
    assert not index.locked(index.row_of(f"{small_tree}/a0"))


def test_the_root_of_the_server_and_a_missing_root(zk, small_tree):
    index = TreeIndex.build(zk, "/")
    assert index.path(0) == "/"
    row = index.row_of(f"{small_tree}/a2/b1")
    assert row is not None and index.path(row) == f"{small_tree}/a2/b1"
    with pytest.raises(NoNodeError):
        TreeIndex.build(zk, f"{small_tree}/missing")
