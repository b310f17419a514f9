"""ZooKeeper 3.5+ operations and persistent watches (zktui.core.protocol, zktui.core.watches).

Pure tests cover the wire layout and the event-matching rules; everything else runs against the real
ensemble. To prove that an event was NOT delivered, a test makes that change, then a change that must be
delivered on the same connection (a sentinel), waits for the sentinel and checks the whole list: the server
sends notifications in order and kazoo dispatches them in order on one thread.
"""

from __future__ import annotations

import logging
import struct
import threading
import uuid

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadArgumentsError,
    ConnectionClosedError,
    NoChildrenForEphemeralsError,
    NodeExistsError,
    NoNodeError,
    NoWatcherError,
)
from kazoo.protocol.states import EventType, KazooState, WatchedEvent
from kazoo.security import ACL, Id

from tests.helpers import wait_until
from zktui.core import protocol, watches
from zktui.core.one_shots import SetWatches
from zktui.core.protocol import (
    CreateTTL,
    GetAllChildrenNumber,
    GetEphemerals,
    WhoAmI,
    add_watch,
    check_watches,
    create_container,
    create_ttl,
    get_all_children_number,
    get_ephemerals,
    remove_watches,
    who_am_i,
)
from zktui.core.watches import (
    RESYNC,
    AddWatch,
    CheckWatches,
    RemoveWatches,
    WatchTable,
    keys_dropped_by,
    matching_keys,
    self_and_ancestors,
)
from zktui.sandbox import Ensemble

# ----- helpers -----


class Recorder:
    """A watch handler that keeps (type, path) of every event; thread-safe."""

    def __init__(self, timeline: list | None = None) -> None:
        self._lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.threads: set[threading.Thread] = set()
        self._timeline = timeline

    def __call__(self, event: WatchedEvent) -> None:
        with self._lock:
            self.events.append((event.type, event.path))
            self.threads.add(threading.current_thread())
            if self._timeline is not None:
                self._timeline.append(event.type)

    def snapshot(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.events)

    def wait_for(self, expected: tuple[str, str], timeout: float = 10.0) -> list[tuple[str, str]]:
        wait_until(lambda: expected in self.snapshot(), timeout, message=f"event {expected}")
        return self.snapshot()


def started_client(hosts: str, **kwargs) -> KazooClient:
    client = KazooClient(hosts=hosts, timeout=10.0, **kwargs)
    client.start(timeout=15)
    return client


@pytest.fixture
def chrooted(ensemble, zk, base_path):
    """A second client whose chroot is base_path."""
    client = started_client(ensemble.hosts + base_path)
    yield client
    client.stop()
    client.close()


CREATED, DELETED, CHANGED, CHILD = EventType.CREATED, EventType.DELETED, EventType.CHANGED, EventType.CHILD


# ----- pure: wire layout -----


def jute_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!i", len(raw)) + raw


def test_watch_requests_serialize_path_then_int():
    assert AddWatch.type == 106 and RemoveWatches.type == 18 and CheckWatches.type == 17
    assert AddWatch("/a", 1).serialize() == jute_string("/a") + struct.pack("!i", 1)
    assert RemoveWatches("/a/b", 3).serialize() == jute_string("/a/b") + struct.pack("!i", 3)
    assert CheckWatches("/a", 2).serialize() == jute_string("/a") + struct.pack("!i", 2)


def test_set_watches_request_is_the_zxid_then_three_path_vectors():
    body = SetWatches(0x1_0000_0007, ["/d"], [], ["/c1", "/c2"]).serialize()
    assert SetWatches.type == 101
    assert body == (struct.pack("!q", 0x1_0000_0007) + struct.pack("!i", 1) + jute_string("/d")
                    + struct.pack("!i", 0) + struct.pack("!i", 2) + jute_string("/c1") + jute_string("/c2"))


def test_create_ttl_request_appends_the_ttl_as_a_long_after_flags():
    acl = ACL(31, Id("world", "anyone"))
    body = CreateTTL("/t", b"xy", [acl], 5, 1500).serialize()
    expected = (
        jute_string("/t")
        + struct.pack("!i", 2)
        + b"xy"
        + struct.pack("!i", 1)
        + struct.pack("!i", 31)
        + jute_string("world")
        + jute_string("anyone")
        + struct.pack("!i", 5)
        + struct.pack("!q", 1500)
    )
    assert CreateTTL.type == 21
    assert body == expected


def test_replies_deserialize_vectors_and_counts():
    who = (
        struct.pack("!i", 2)
        + jute_string("ip")
        + jute_string("10.0.0.1")
        + jute_string("digest")
        + jute_string("bob")
    )
    assert WhoAmI.deserialize(who, 0) == [("ip", "10.0.0.1"), ("digest", "bob")]
    ephemerals = struct.pack("!i", 2) + jute_string("/a") + jute_string("/b")
    assert GetEphemerals.deserialize(ephemerals, 0) == ["/a", "/b"]
    assert GetEphemerals.deserialize(struct.pack("!i", -1), 0) == []  # a null vector
    assert GetAllChildrenNumber.deserialize(struct.pack("!i", 42), 0) == 42


def test_who_am_i_request_is_truthy_although_it_has_no_fields():
    # kazoo silently drops the reply of a falsy request object.
    assert WhoAmI() and WhoAmI().serialize() == b""


# ----- pure: which registrations an event reaches -----


def test_self_and_ancestors_walks_up_to_the_root():
    assert list(self_and_ancestors("/a/b/c")) == ["/a/b/c", "/a/b", "/a", "/"]
    assert list(self_and_ancestors("/")) == ["/"]


def test_node_events_reach_the_exact_persistent_watch_and_every_recursive_ancestor():
    keys = list(matching_keys(watches.NODE_DATA_CHANGED, "/a/b"))
    assert keys == [("/a/b", False), ("/a/b", True), ("/a", True), ("/", True)]
    assert ("/a", False) not in keys  # a non-recursive watch on the parent sees no grandchild data


def test_child_events_reach_only_the_non_recursive_watch_on_that_path():
    assert list(matching_keys(watches.NODE_CHILDREN_CHANGED, "/a")) == [("/a", False)]


def test_unknown_event_types_match_nothing():
    assert list(matching_keys(-1, "/a")) == []
    assert list(matching_keys(watches.PERSISTENT_WATCH_REMOVED, "/a")) == []


def test_remove_kinds_follow_the_java_client():
    assert keys_dropped_by("children", "/a") == (("/a", False),)
    assert set(keys_dropped_by("data", "/a")) == {("/a", False), ("/a", True)}
    assert set(keys_dropped_by("any", "/a")) == {("/a", False), ("/a", True)}


def test_watch_table_refuses_a_second_mode_on_the_same_path():
    table = WatchTable()
    table.add(("/a", True), print)
    with pytest.raises(ValueError, match="one watch mode per path"):
        table.add(("/a", False), print)
    table.add(("/a/b", False), print)  # another path is fine
    assert sorted(table.keys()) == [("/a", True), ("/a/b", False)]


def test_watch_table_gives_each_handler_an_event_once():
    table = WatchTable()
    first, second = Recorder(), Recorder()
    table.add(("/a", True), first)
    table.add(("/a/b", True), first)
    table.add(("/a/b", True), first)  # registering twice is harmless
    table.add(("/a", True), second)
    assert table.match(watches.NODE_CREATED, "/a/b/c") == [first, second]
    table.discard(("/a", True), first)
    assert table.match(watches.NODE_CREATED, "/a/b/c") == [first, second]
    assert table.match(watches.NODE_CREATED, "/a/x") == [second]


# ----- simple operations against the server -----


def test_who_am_i_reports_the_ip_and_every_added_identity(zk):
    assert ("ip", "127.0.0.1") in who_am_i(zk)
    zk.add_auth("digest", "alice:secret")
    assert set(who_am_i(zk)) == {("ip", "127.0.0.1"), ("digest", "alice")}


def test_get_all_children_number_counts_every_level_below(zk, base_path):
    for path in ("a", "a/x", "a/x/deep", "b"):
        zk.create(f"{base_path}/{path}")
    assert get_all_children_number(zk, base_path) == 4
    assert get_all_children_number(zk, f"{base_path}/a") == 2
    assert get_all_children_number(zk, f"{base_path}/b") == 0
    with pytest.raises(NoNodeError):
        get_all_children_number(zk, f"{base_path}/missing")


def test_get_all_children_number_honours_the_chroot(zk, base_path, chrooted):
    zk.create(f"{base_path}/a/b", makepath=True)
    chrooted.sync("/")  # it may be connected to another server than the writer
    assert get_all_children_number(chrooted, "/") == 2
    assert get_all_children_number(chrooted, "/a") == 1


def test_pipelined_requests_complete_in_order(zk, base_path):
    for name in ("a", "b", "c"):
        zk.create(f"{base_path}/{name}")
    pending = [protocol.get_all_children_number_async(zk, base_path) for _ in range(20)]
    pending.append(protocol.who_am_i_async(zk))
    assert [p.get(timeout=10) for p in pending[:-1]] == [3] * 20
    assert ("ip", "127.0.0.1") in pending[-1].get(timeout=10)


def test_get_ephemerals_lists_this_sessions_nodes_by_string_prefix(ensemble, zk, base_path):
    zk.create(f"{base_path}/locks/lock-2", ephemeral=True, makepath=True)
    zk.create(f"{base_path}/locks/lock-1", ephemeral=True)
    zk.create(f"{base_path}/member", ephemeral=True)
    zk.create(f"{base_path}/persistent")
    other = started_client(ensemble.hosts)
    try:
        other.create(f"{base_path}/theirs", ephemeral=True)
        mine = get_ephemerals(zk, base_path)
        assert mine == [f"{base_path}/locks/lock-1", f"{base_path}/locks/lock-2", f"{base_path}/member"]
        assert get_ephemerals(zk, f"{base_path}/locks/lock-1") == [f"{base_path}/locks/lock-1"]
        # a string prefix, not a path: "mem" matches "member"
        assert get_ephemerals(zk, f"{base_path}/mem") == [f"{base_path}/member"]
        assert get_ephemerals(other, base_path) == [f"{base_path}/theirs"]
        assert set(mine) <= set(get_ephemerals(zk))
        assert get_ephemerals(zk, f"{base_path}/nothing-here") == []
    finally:
        other.stop()
        other.close()
    with pytest.raises(ValueError):
        get_ephemerals(zk, "relative")


def test_get_ephemerals_strips_the_chroot(zk, base_path, chrooted):
    chrooted.create("/e", ephemeral=True)
    chrooted.create("/dir/e", ephemeral=True, makepath=True)
    assert get_ephemerals(chrooted) == ["/dir/e", "/e"]
    assert get_ephemerals(chrooted, "/d") == ["/dir/e"]
    assert get_ephemerals(zk, base_path) == []  # another session's


def test_container_returns_its_path_and_the_server_deletes_it_once_emptied(zk, base_path):
    container = create_container(zk, f"{base_path}/box", b"payload")
    assert container == f"{base_path}/box"
    data, stat = zk.get(container)
    assert data == b"payload"
    # Clients never see the container marker: the server reports ephemeralOwner 0 (DataNode.copyStat).
    assert stat.ephemeralOwner == 0
    zk.create(f"{container}/item")
    zk.delete(f"{container}/item")
    wait_until(lambda: zk.exists(container) is None, 15, message="the server to delete the emptied container")


def test_container_on_a_chrooted_client_returns_the_chroot_relative_path(zk, base_path, chrooted):
    assert create_container(chrooted, "/box") == "/box"
    assert zk.exists(f"{base_path}/box") is not None


def test_container_errors_are_kazoos(zk, base_path):
    with pytest.raises(NoNodeError):
        create_container(zk, f"{base_path}/missing/box")
    zk.create(f"{base_path}/taken")
    with pytest.raises(NodeExistsError):
        create_container(zk, f"{base_path}/taken")
    zk.create(f"{base_path}/eph", ephemeral=True)
    with pytest.raises(NoChildrenForEphemeralsError):
        create_container(zk, f"{base_path}/eph/box")
    with pytest.raises(TypeError):
        create_container(zk, f"{base_path}/box", "text is not bytes")
    with pytest.raises(TypeError):
        create_container(zk, f"{base_path}/box", acl=ACL(31, Id("world", "anyone")))


def test_ttl_node_is_created_and_the_server_removes_it_after_its_ttl(zk, base_path):
    path = create_ttl(zk, f"{base_path}/ttl", b"v", ttl_ms=500)
    assert path == f"{base_path}/ttl"
    data, stat = zk.get(path)
    assert data == b"v"
    # The server stores 0xFF.. in ephemeralOwner but hands clients 0 (DataNode.copyStat), as for containers.
    assert stat.ephemeralOwner == 0
    wait_until(lambda: zk.exists(path) is None, 15, message="the TTL node to expire")


def test_ttl_node_with_a_child_outlives_its_ttl_until_the_child_goes(zk, base_path):
    parent = create_ttl(zk, f"{base_path}/parent", ttl_ms=200)
    zk.create(f"{parent}/child")
    canary = create_ttl(zk, f"{base_path}/canary", ttl_ms=200)
    # Once the childless canary is reaped the reaper has run past the parent's TTL too.
    wait_until(lambda: zk.exists(canary) is None, 15, message="the canary TTL node to expire")
    assert zk.exists(parent) is not None
    zk.delete(f"{parent}/child")
    wait_until(lambda: zk.exists(parent) is None, 15, message="the emptied TTL node to expire")


def test_sequential_ttl_node_gets_a_sequence_suffix(zk, base_path, chrooted):
    first = create_ttl(zk, f"{base_path}/job-", ttl_ms=60_000, sequential=True)
    second = create_ttl(chrooted, "/job-", ttl_ms=60_000, sequential=True)
    assert first == f"{base_path}/job-0000000000"
    assert second == "/job-0000000001"
    assert sorted(zk.get_children(base_path)) == ["job-0000000000", "job-0000000001"]


@pytest.mark.parametrize("ttl_ms", [0, -1, 2**40])  # the server's limit is 2**40 - 1
def test_ttl_out_of_range_is_refused_by_the_server(zk, base_path, ttl_ms):
    with pytest.raises(BadArgumentsError):
        create_ttl(zk, f"{base_path}/ttl", ttl_ms=ttl_ms)
    assert zk.exists(f"{base_path}/ttl") is None


def test_ttl_create_errors(zk, base_path):
    with pytest.raises(NoNodeError):
        create_ttl(zk, f"{base_path}/missing/ttl", ttl_ms=1000)
    zk.create(f"{base_path}/eph", ephemeral=True)
    with pytest.raises(NoChildrenForEphemeralsError):
        create_ttl(zk, f"{base_path}/eph/ttl", ttl_ms=1000)
    with pytest.raises(TypeError):
        create_ttl(zk, f"{base_path}/ttl", ttl_ms="1000")
    with pytest.raises(ValueError):
        create_ttl(zk, f"{base_path}/ttl", ttl_ms=2**63)


# ----- persistent watches -----


def test_recursive_watch_sees_nested_creates_changes_and_deletes_in_order(zk, base_path):
    seen = Recorder()
    add_watch(zk, base_path, seen, recursive=True)
    zk.create(f"{base_path}/a")
    zk.create(f"{base_path}/a/b", b"1")
    zk.set(f"{base_path}/a/b", b"2")
    zk.create(f"{base_path}/a/b/c")
    zk.delete(f"{base_path}/a/b/c")
    zk.set(base_path, b"root")
    events = seen.wait_for((CHANGED, base_path))
    assert events == [
        (CREATED, f"{base_path}/a"),
        (CREATED, f"{base_path}/a/b"),
        (CHANGED, f"{base_path}/a/b"),
        (CREATED, f"{base_path}/a/b/c"),
        (DELETED, f"{base_path}/a/b/c"),
        (CHANGED, base_path),
    ]  # no CHILD events for a recursive watch
    # kazoo's callback thread: neither ours nor the connection thread
    assert len(seen.threads) == 1
    assert not seen.threads & {threading.main_thread(), zk._connection._connection_routine}


def test_recursive_watch_on_a_chrooted_client_reports_chroot_relative_paths(zk, base_path, chrooted):
    seen = Recorder()
    add_watch(chrooted, "/", seen)
    zk.create(f"{base_path}/x/y", makepath=True)
    zk.set(f"{base_path}/x/y", b"1")
    events = seen.wait_for((CHANGED, "/x/y"))
    assert events == [(CREATED, "/x"), (CREATED, "/x/y"), (CHANGED, "/x/y")]


def test_persistent_watch_sees_its_node_and_its_children_list_only(zk, base_path):
    watched = f"{base_path}/w"
    zk.create(watched)
    seen, sentinel = Recorder(), f"{base_path}/sentinel"
    add_watch(zk, watched, seen, recursive=False)
    add_watch(zk, sentinel, seen, recursive=False)
    zk.create(f"{watched}/child")
    zk.set(f"{watched}/child", b"not for us")
    zk.create(f"{watched}/child/grandchild")
    zk.set(watched, b"1")
    zk.set(watched, b"2")  # and again: the watch does not go away after firing
    zk.delete(f"{watched}/child/grandchild")
    zk.delete(f"{watched}/child")
    zk.delete(watched)
    zk.create(sentinel)
    events = seen.wait_for((CREATED, sentinel))
    assert events == [
        (CHILD, watched),
        (CHANGED, watched),
        (CHANGED, watched),
        (CHILD, watched),
        (DELETED, watched),
        (CREATED, sentinel),
    ]


def test_watch_on_a_missing_node_outlives_its_delete_and_recreate(zk, base_path):
    path = f"{base_path}/later"
    seen = Recorder()
    add_watch(zk, path, seen)
    zk.create(path)
    zk.delete(path)
    zk.create(path, b"again")
    zk.set(path, b"changed")
    assert seen.wait_for((CHANGED, path)) == [
        (CREATED, path),
        (DELETED, path),
        (CREATED, path),
        (CHANGED, path),
    ]


def test_remove_watches_stops_delivery_on_server_and_client(zk, base_path):
    removed, sentinel = Recorder(), Recorder()
    add_watch(zk, f"{base_path}/a", removed)
    add_watch(zk, f"{base_path}/s", sentinel)
    zk.create(f"{base_path}/a")
    removed.wait_for((CREATED, f"{base_path}/a"))
    assert check_watches(zk, f"{base_path}/a")
    remove_watches(zk, f"{base_path}/a")
    assert not check_watches(zk, f"{base_path}/a")
    assert watches.install(zk).registered() == [(f"{base_path}/s", True)]
    zk.create(f"{base_path}/a/x")
    zk.set(f"{base_path}/a", b"1")
    zk.create(f"{base_path}/s")
    sentinel.wait_for((CREATED, f"{base_path}/s"))
    assert removed.snapshot() == [(CREATED, f"{base_path}/a")]
    with pytest.raises(NoWatcherError):
        remove_watches(zk, f"{base_path}/a")
    with pytest.raises(ValueError):
        remove_watches(zk, f"{base_path}/s", kind="everything")


def test_removing_child_watches_keeps_a_recursive_watch(zk, base_path):
    seen = Recorder()
    add_watch(zk, base_path, seen, recursive=True)
    remove_watches(zk, base_path, kind="children")
    zk.create(f"{base_path}/still")
    assert seen.wait_for((CREATED, f"{base_path}/still")) == [(CREATED, f"{base_path}/still")]
    assert check_watches(zk, base_path, kind="data")


def test_remove_watches_honours_the_chroot(zk, base_path, chrooted):
    seen, sentinel = Recorder(), Recorder()
    add_watch(chrooted, "/a", seen)
    add_watch(chrooted, "/s", sentinel)
    assert check_watches(chrooted, "/a")
    remove_watches(chrooted, "/a")
    assert not check_watches(chrooted, "/a")
    assert watches.install(chrooted).registered() == [(f"{base_path}/s", True)]
    zk.create(f"{base_path}/a")
    zk.create(f"{base_path}/s")
    sentinel.wait_for((CREATED, "/s"))
    assert seen.snapshot() == []


def test_server_3_8_check_watches_also_sees_other_connections_watches(ensemble, base_path):
    """A 3.8 server answers checkWatches with "some connection to me watches this path"
    (WatchManager.containsWatcher ignores the watcher): True proves little, False is reliable."""
    one_server = ensemble.specs[0].address
    watcher, bystander = started_client(one_server), started_client(one_server)
    try:
        add_watch(watcher, base_path, Recorder(), recursive=False)
        assert check_watches(bystander, base_path)
        with pytest.raises(NoWatcherError):  # removal, though, is per connection
            remove_watches(bystander, base_path)
        assert check_watches(watcher, base_path)
    finally:
        for client in (watcher, bystander):
            client.stop()
            client.close()


def test_overlapping_watches_deliver_each_event_once_to_each_handler(zk, base_path):
    shared, other = Recorder(), Recorder()
    add_watch(zk, base_path, shared)
    add_watch(zk, f"{base_path}/a", shared)
    add_watch(zk, f"{base_path}/a", other)
    zk.create(f"{base_path}/a")
    zk.create(f"{base_path}/a/b")
    zk.create(f"{base_path}/z")
    assert shared.wait_for((CREATED, f"{base_path}/z")) == [
        (CREATED, f"{base_path}/a"),
        (CREATED, f"{base_path}/a/b"),
        (CREATED, f"{base_path}/z"),
    ]
    assert other.wait_for((CREATED, f"{base_path}/a/b")) == [
        (CREATED, f"{base_path}/a"),
        (CREATED, f"{base_path}/a/b"),
    ]


def test_a_failing_handler_does_not_keep_an_event_from_the_others(zk, base_path, caplog):
    """The handlers an event reaches run in one callback on kazoo's thread: one raising must not stop it."""
    def failing(event):
        raise RuntimeError("handler bug")

    after = Recorder()
    add_watch(zk, base_path, failing, recursive=True)
    add_watch(zk, f"{base_path}/a", after, recursive=True)
    with caplog.at_level(logging.ERROR, logger="zktui.core.watches"):
        zk.create(f"{base_path}/a")
        zk.create(f"{base_path}/a/b")
        assert after.wait_for((CREATED, f"{base_path}/a/b")) == [
            (CREATED, f"{base_path}/a"),
            (CREATED, f"{base_path}/a/b"),
        ]
        wait_until(lambda: sum("handler bug" in r.getMessage() or "handler bug" in str(r.exc_info)
                               for r in caplog.records) >= 2, message="both failures logged")


def test_a_second_mode_on_the_same_path_is_refused(zk, base_path):
    add_watch(zk, base_path, Recorder(), recursive=True)
    with pytest.raises(ValueError):
        add_watch(zk, base_path, Recorder(), recursive=False)
    assert check_watches(zk, base_path)


def test_one_shot_kazoo_watches_still_fire_next_to_persistent_ones(zk, base_path):
    persistent = Recorder()
    zk.create(f"{base_path}/a")
    add_watch(zk, base_path, persistent)
    data_events, child_events = Recorder(), Recorder()
    zk.get(f"{base_path}/a", watch=data_events)
    zk.get_children(f"{base_path}/a", watch=child_events)
    zk.set(f"{base_path}/a", b"1")
    zk.create(f"{base_path}/a/kid")
    zk.set(f"{base_path}/a", b"2")  # the one-shot data watch already fired: no second event
    persistent.wait_for((CHANGED, f"{base_path}/a"))
    assert persistent.wait_for((CREATED, f"{base_path}/a/kid"))
    wait_until(lambda: len(persistent.snapshot()) == 3, message="the second change")
    assert persistent.snapshot() == [
        (CHANGED, f"{base_path}/a"),
        (CREATED, f"{base_path}/a/kid"),
        (CHANGED, f"{base_path}/a"),
    ]
    assert data_events.snapshot() == [(CHANGED, f"{base_path}/a")]
    assert child_events.snapshot() == [(CHILD, f"{base_path}/a")]


def test_server_3_8_lets_a_one_shot_watch_on_the_same_path_replace_a_persistent_one(ensemble, zk, base_path):
    """ZOOKEEPER-4466 (fixed in 3.9), the reason for the guard below; fails once the server is fixed.

    A client without zktui's registry sends both watches as asked."""
    bare = started_client(ensemble.hosts)
    try:
        protocol.submit(bare, watches.AddWatch(base_path, watches.PERSISTENT_RECURSIVE)).get(timeout=10)
        assert check_watches(bare, base_path, kind="data")
        bare.get(base_path, watch=Recorder())
        zk.set(base_path, b"fires the one-shot")
        wait_until(lambda: not check_watches(bare, base_path, kind="data"), message="the server to drop the watch")
    finally:
        bare.stop()
        bare.close()


def test_a_one_shot_data_watch_on_a_persistently_watched_path_leaves_the_persistent_watch(zk, base_path):
    persistent, one_shot = Recorder(), Recorder()
    add_watch(zk, base_path, persistent, recursive=True)
    zk.get(base_path, watch=one_shot)  # on 3.8 this would replace the recursive watch on the server
    zk.create(f"{base_path}/below")
    zk.set(base_path, b"1")
    zk.set(base_path, b"2")
    persistent.wait_for((CHANGED, base_path))
    wait_until(lambda: len(persistent.snapshot()) == 3, message="every event")
    assert persistent.snapshot() == [(CREATED, f"{base_path}/below"), (CHANGED, base_path), (CHANGED, base_path)]
    assert one_shot.snapshot() == [(CHANGED, base_path)]  # once, as a one-shot watch fires
    assert check_watches(zk, base_path, kind="data")


def test_a_one_shot_child_watch_on_a_persistently_watched_path_leaves_the_persistent_watch(zk, base_path):
    persistent, one_shot = Recorder(), Recorder()
    add_watch(zk, base_path, persistent, recursive=False)
    zk.get_children(base_path, watch=one_shot)
    zk.create(f"{base_path}/a")
    zk.create(f"{base_path}/b")
    persistent.wait_for((CHILD, base_path))
    wait_until(lambda: persistent.snapshot().count((CHILD, base_path)) == 2, message="both child events")
    assert one_shot.snapshot() == [(CHILD, base_path)]


def test_a_recursive_watch_does_not_cover_a_one_shot_child_watch(zk, base_path):
    """Recursive watches carry no child events: the one-shot child watch must reach the server."""
    persistent, one_shot = Recorder(), Recorder()
    add_watch(zk, base_path, persistent, recursive=True)
    zk.get_children(base_path, watch=one_shot)
    zk.create(f"{base_path}/kid")
    assert one_shot.wait_for((CHILD, base_path)) == [(CHILD, base_path)]
    assert persistent.wait_for((CREATED, f"{base_path}/kid"))


def test_a_failed_read_leaves_no_one_shot_watch_behind(zk, base_path):
    missing = f"{base_path}/not-yet"
    persistent, one_shot = Recorder(), Recorder()
    add_watch(zk, missing, persistent, recursive=False)
    with pytest.raises(NoNodeError):
        zk.get(missing, watch=one_shot)  # kazoo files a one-shot watch only after a successful read
    zk.create(missing)
    persistent.wait_for((CREATED, missing))
    assert one_shot.snapshot() == []
    assert missing not in zk._data_watchers or not zk._data_watchers[missing]


def test_install_is_idempotent_and_one_shot_watches_fire_once(zk, base_path):
    registry = watches.install(zk)
    hook = zk._connection._read_watch_event
    assert watches.install(zk) is registry
    assert zk._connection._read_watch_event is hook
    one_shot, persistent = Recorder(), Recorder()
    add_watch(zk, f"{base_path}/p", persistent)
    zk.exists(f"{base_path}/x", watch=one_shot)
    zk.create(f"{base_path}/x")
    zk.create(f"{base_path}/p")
    persistent.wait_for((CREATED, f"{base_path}/p"))
    assert one_shot.snapshot() == [(CREATED, f"{base_path}/x")]


def test_a_refused_add_leaves_no_registration(ensemble, base_path):
    client = started_client(ensemble.hosts)
    client.stop()
    try:
        with pytest.raises(ConnectionClosedError):
            add_watch(client, base_path, Recorder())
        assert watches.install(client).registered() == []
    finally:
        client.close()


def watch_frame(event_type: int, path: str) -> bytes:
    return struct.pack("!ii", event_type, 3) + jute_string(path)


def test_watch_removed_notifications_are_absorbed_and_end_the_persistent_watch(zk, base_path, caplog):
    """3.8 never sends event types 5-7 (the Java client makes them up); should a server send them,
    kazoo must not see them (it only knows 1-4) and a PersistentWatchRemoved ends our registration."""
    seen, sentinel = Recorder(), Recorder()
    add_watch(zk, base_path, seen)
    add_watch(zk, f"{base_path}/s", sentinel)
    hook = zk._connection._read_watch_event
    with caplog.at_level(logging.WARNING, logger="kazoo"):
        hook(watch_frame(watches.DATA_WATCH_REMOVED, base_path), 0)
        hook(watch_frame(watches.CHILD_WATCH_REMOVED, base_path), 0)
        hook(watch_frame(watches.PERSISTENT_WATCH_REMOVED, base_path), 0)
    assert not [r for r in caplog.records if "unknown event" in r.getMessage()]
    assert watches.install(zk).registered() == [(f"{base_path}/s", True)]
    zk.create(f"{base_path}/s")
    sentinel.wait_for((CREATED, f"{base_path}/s"))
    assert seen.snapshot() == [(watches.REMOVED, base_path)]


def test_session_expiry_re_adds_watches_and_signals_resync(ensemble, base_path):
    timeline: list[str] = []
    client = started_client(ensemble.hosts)
    client.add_listener(timeline.append)
    try:
        seen = Recorder(timeline)
        add_watch(client, base_path, seen)
        add_watch(client, f"{base_path}/flat", seen, recursive=False)
        old_session = client.client_id
        # Closing the session from a second connection that claims it expires it for the first.
        thief = KazooClient(hosts=ensemble.hosts, client_id=old_session, timeout=10.0)
        thief.start(timeout=15)
        thief.stop()
        thief.close()
        wait_until(lambda: KazooState.LOST in timeline, 30, message="the session to be lost")
        wait_until(
            lambda: client.connected and client.client_id[0] != old_session[0], 30, message="a new session"
        )

        def resynced_after_loss() -> bool:
            lost = timeline.index(KazooState.LOST)
            return timeline[lost:].count(RESYNC) >= 2  # one per registration

        wait_until(resynced_after_loss, 15, message="RESYNC after the new session")
        assert {e for e in seen.snapshot() if e[0] == RESYNC} == {
            (RESYNC, base_path),
            (RESYNC, f"{base_path}/flat"),
        }
        assert check_watches(client, base_path) and check_watches(client, f"{base_path}/flat")
        writer = started_client(ensemble.hosts)
        try:
            writer.create(f"{base_path}/flat/after-expiry", makepath=True)
        finally:
            writer.stop()
            writer.close()
        seen.wait_for((CREATED, f"{base_path}/flat/after-expiry"))
        seen.wait_for((CHILD, f"{base_path}/flat"))
    finally:
        client.stop()
        client.close()


@pytest.fixture
def own_ensemble():
    with Ensemble(servers=3, tick_time=500) as running:
        yield running


def test_watch_keeps_firing_after_failover_to_another_server(own_ensemble):
    hosts = own_ensemble.hosts
    setup = started_client(hosts)
    root = f"/failover-{uuid.uuid4().hex[:8]}"
    setup.create(root)
    timeline: list[str] = []
    client = started_client(hosts)
    client.add_listener(timeline.append)
    try:
        seen = Recorder(timeline)
        add_watch(client, root, seen)
        setup.create(f"{root}/before")
        seen.wait_for((CREATED, f"{root}/before"))
        old_session = client.client_id[0]
        port = client._connection._socket.getpeername()[1]
        victim = next(s.myid for s in own_ensemble.specs if s.client_port == port)
        own_ensemble.kill(victim)
        wait_until(
            lambda: KazooState.SUSPENDED in timeline, 15, message="the client to notice the dead server"
        )
        wait_until(lambda: RESYNC in timeline[timeline.index(KazooState.SUSPENDED) :], 60, message="RESYNC")
        assert client.client_id[0] == old_session  # the session survived; only the connection is new
        assert client._connection._socket.getpeername()[1] != port
        assert (RESYNC, root) in seen.snapshot()
        wait_until(lambda: setup.connected, 60, message="the writer to reconnect")
        setup.create(f"{root}/after")
        seen.wait_for((CREATED, f"{root}/after"), timeout=30)
        assert seen.snapshot().index((RESYNC, root)) < seen.snapshot().index((CREATED, f"{root}/after"))
    finally:
        client.stop()
        client.close()
        setup.stop()
        setup.close()


def test_one_shot_watches_outlive_a_reconnect_and_fire_for_what_changed_meanwhile(own_ensemble):
    """kazoo alone ends them with a NONE event; like the Java client, zktui sets them again (SetWatches)."""
    hosts = own_ensemble.hosts
    setup = started_client(hosts)
    root = f"/one-shots-{uuid.uuid4().hex[:8]}"
    setup.create(f"{root}/changed", makepath=True)
    setup.create(f"{root}/same")
    client = started_client(hosts)
    watches.install(client)
    timeline: list[str] = []
    client.add_listener(timeline.append)
    changed, appeared, children, same = Recorder(), Recorder(), Recorder(), Recorder()
    try:
        client.get(f"{root}/changed", watch=changed)
        client.exists(f"{root}/appeared", watch=appeared)  # an exists watch on a missing node
        client.get_children(root, watch=children)
        client.get(f"{root}/same", watch=same)
        port = client._connection._socket.getpeername()[1]
        own_ensemble.kill(next(s.myid for s in own_ensemble.specs if s.client_port == port))
        wait_until(lambda: KazooState.SUSPENDED in timeline, 15, message="the client to notice the dead server")
        # Meanwhile (most likely before the client is back): a change, a create, a new child.
        setup.retry(setup.set, f"{root}/changed", b"while away")
        setup.retry(setup.create, f"{root}/appeared")
        wait_until(lambda: timeline[-1] == KazooState.CONNECTED, 60, message="the client back")
        assert changed.wait_for((CHANGED, f"{root}/changed"), timeout=30) == [(CHANGED, f"{root}/changed")]
        assert appeared.wait_for((CREATED, f"{root}/appeared"), timeout=30) == [(CREATED, f"{root}/appeared")]
        assert children.wait_for((CHILD, root), timeout=30) == [(CHILD, root)]
        # The untouched node's watch is armed again on the new server: it fires at the next change, once.
        setup.set(f"{root}/same", b"1")
        setup.set(f"{root}/same", b"2")
        assert same.wait_for((CHANGED, f"{root}/same"), timeout=30) == [(CHANGED, f"{root}/same")]
        # A fired one-shot watch stays fired: events come in order, so once a fresh watch has seen the next
        # change, a second event for the old one would have come before it.
        setup.create(f"{root}/later")
        setup.set(f"{root}/changed", b"again")
        probe = Recorder()
        client.get_children(root, watch=probe)
        setup.create(f"{root}/last")
        probe.wait_for((CHILD, root))
        assert children.snapshot() == [(CHILD, root)] and changed.snapshot() == [(CHANGED, f"{root}/changed")]
    finally:
        client.stop()
        client.close()
        setup.stop()
        setup.close()
