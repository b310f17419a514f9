"""Discovery and the `locks`/`members`/`elections` handlers on layouts real kazoo recipes build.

Every contender is its own KazooClient (its own session), running the recipe for real in a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from kazoo.client import KazooClient

from tests.helpers import wait_until
from zktui.commands.engine import Engine
from zktui.commands.handlers.live import elections, locks, members
from zktui.commands.parser import Invocation
from zktui.commands.spec import Arg, Command, Flag
from zktui.core.session import ConnectOptions
from zktui.live.discovery import discover, find_recipes, read_listing

pytestmark = pytest.mark.ensemble

U64 = 2**64 - 1
ENTRY_KEYS = {"node", "seq", "session", "client", "since"}


@contextmanager
def clients(ensemble, count: int) -> Iterator[list[KazooClient]]:
    started = [KazooClient(hosts=ensemble.hosts, timeout=10.0) for _ in range(count)]
    for client in started:
        client.start(timeout=15)
    try:
        yield started
    finally:
        for client in started:
            client.stop()
            client.close()


@contextmanager
def holding(recipes: list, enter: Callable) -> Iterator[threading.Event]:
    """Run `enter(recipe, release)` for each recipe in its own thread; release them all on exit."""
    release = threading.Event()
    threads = [threading.Thread(target=enter, args=(recipe, release), daemon=True) for recipe in recipes]
    for thread in threads:
        thread.start()
    try:
        yield release
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=10)


def hold_lock(lock, release: threading.Event) -> None:
    with lock:
        release.wait()


def count_children(client: KazooClient, path: str) -> int:
    """0 until the recipe's threads have created the parent."""
    return len(client.get_children(path)) if client.exists(path) else 0


def session_of(client: KazooClient) -> str:
    return f"0x{client.client_id[0] & U64:x}"


def only(recipes, path):
    found = [recipe for recipe in recipes if recipe.path == path]
    assert len(found) == 1, recipes
    return found[0]


def invocation(name: str, path: str, **flags) -> Invocation:
    command = Command(name, "test", "live", (Arg("path", "root", kind="path", optional=True),),
                      (Flag("--pin", "group even when empty"),))
    return Invocation(command, {"path": path}, flags)


@pytest.fixture
def engine(ensemble, base_path):
    running = Engine(ConnectOptions(hosts=ensemble.hosts))
    running.connect()
    yield running
    running.close()


def test_a_kazoo_lock_with_five_contenders_shows_holder_and_four_waiters_in_order(ensemble, zk, base_path):
    path = f"{base_path}/locks/job"
    with clients(ensemble, 5) as contenders:
        lock_list = [client.Lock(path, f"worker-{index}") for index, client in enumerate(contenders)]
        lock_list[0].acquire()  # the first holds before the others queue, so the order is known
        with holding(lock_list[1:], hold_lock):
            wait_until(lambda: count_children(zk, path) == 5, message="5 contenders")
            lock = only(find_recipes(zk, base_path), path)
            assert (lock.kind, lock.recipe) == ("lock", "kazoo Lock")
            assert [holder.session_hex for holder in lock.holders] == [session_of(contenders[0])]
            assert len(lock.waiters) == 4
            seqs = [contender.seq for contender in lock.holders + lock.waiters]
            assert seqs == sorted(seqs)
            lock_list[0].release()


def test_read_write_lock_readers_hold_together_and_the_writer_waits(ensemble, zk, base_path):
    path = f"{base_path}/rw"
    with clients(ensemble, 3) as (reader_a, reader_b, writer):
        readers = [reader_a.ReadLock(path, "r-a"), reader_b.ReadLock(path, "r-b")]
        with holding(readers, hold_lock):
            wait_until(lambda: count_children(zk, path) == 2, message="two readers")
            with holding([writer.WriteLock(path, "w")], hold_lock) as release:
                wait_until(lambda: count_children(zk, path) == 3, message="a waiting writer")
                rwlock = only(find_recipes(zk, base_path), path)
                assert rwlock.kind == "rwlock"
                assert sorted(holder.session_hex for holder in rwlock.holders) == sorted(
                    [session_of(reader_a), session_of(reader_b)])
                assert [(waiter.role, waiter.session_hex) for waiter in rwlock.waiters] == [
                    ("write", session_of(writer))]
                release.set()


def test_party_members_are_a_membership_and_members_json_has_the_agreed_shape(ensemble, zk, base_path,
                                                                                 engine):
    path = f"{base_path}/servers"
    with clients(ensemble, 3) as joined:
        for index, client in enumerate(joined):
            client.Party(path, f"server-{index}").join()
        group = only(find_recipes(zk, base_path), path)
        assert group.kind == "membership"
        assert sorted(member.session_hex for member in group.members) == sorted(map(session_of, joined))

        output = members(engine, invocation("members", base_path))
        assert [entry["path"] for entry in output.data] == [path]
        assert set(output.data[0]) == {"path", "recipe", "members"}
        for entry in output.data[0]["members"]:
            assert set(entry) - {"identity"} == {"node", "session", "client", "since"}  # plus what its data says
            # Our clients connect through loopback, so `cons` names each one by its address.
            assert entry["client"] is not None and entry["client"].startswith("127.0.0.1:")
        assert sorted(entry["session"] for entry in output.data[0]["members"]) == sorted(map(session_of, joined))
        assert f"{path}  kazoo Party" in output.text


def test_handlers_json_for_a_kazoo_vote_and_a_lock(ensemble, zk, base_path, engine):
    # The base path is named after the test: it must not say "elect" itself, or every mutex is an election.
    election_path = f"{base_path}/service/election"
    lock_path = f"{base_path}/job-lock"
    with clients(ensemble, 3) as (leader, standby, locker):
        elected = threading.Event()

        def lead(election, release):
            election.run(lambda: (elected.set(), release.wait()))

        with holding([leader.Election(election_path, "leader")], lead) as release_leader:
            wait_until(elected.is_set, message="a leader")
            with holding([standby.Election(election_path, "standby")], lead):
                wait_until(lambda: count_children(zk, election_path) == 2, message="a standby")
                lock = locker.Lock(lock_path, "locker")
                lock.acquire()
                try:
                    found = elections(engine, invocation("elections", base_path))
                    assert [entry["path"] for entry in found.data] == [election_path]
                    [election] = found.data
                    assert [entry["session"] for entry in election["holders"]] == [session_of(leader)]
                    assert [entry["session"] for entry in election["waiters"]] == [session_of(standby)]

                    held = locks(engine, invocation("locks", base_path))
                    assert [entry["path"] for entry in held.data] == [lock_path]
                    assert set(held.data[0]) == {"path", "recipe", "holders", "waiters"}
                    # The entry shape, plus the identity kazoo's Lock keeps in the node's data.
                    assert [set(entry) for entry in held.data[0]["holders"]] == [ENTRY_KEYS | {"identity"}]
                    assert held.data[0]["holders"][0]["identity"] == "locker"
                    assert held.data[0]["holders"][0]["session"] == session_of(locker)
                    assert held.data[0]["waiters"] == []
                    assert f"{lock_path}  kazoo Lock\n  holder " in held.text
                finally:
                    lock.release()
                release_leader.set()


def test_discovery_keeps_only_parents_that_could_form_a_recipe(zk, base_path):
    zk.create(f"{base_path}/config/a", b"x" * 1000, makepath=True)  # persistent only: not a candidate
    zk.create(f"{base_path}/kafka/brokers/ids", makepath=True)  # a known group, empty: still a candidate
    zk.create(f"{base_path}/group/member", ephemeral=True, makepath=True)
    zk.create(f"{base_path}/log/item-", sequence=True, makepath=True)
    listings = {listing.path: listing for listing in discover(zk, base_path)}
    assert set(listings) == {f"{base_path}/kafka/brokers/ids", f"{base_path}/group", f"{base_path}/log"}
    assert listings[f"{base_path}/kafka/brokers/ids"].children == ()
    [member] = listings[f"{base_path}/group"].children
    assert member.name == "member" and member.session == zk.client_id[0] & U64


def test_discovery_skips_the_zookeeper_system_tree(zk):
    assert all(not listing.path.startswith("/zookeeper") for listing in discover(zk, "/"))


def test_read_listing_reads_the_parent_data_and_children_and_a_missing_parent_as_empty(zk, base_path):
    path = f"{base_path}/sem"
    zk.create(path, b"3")
    zk.create(f"{path}/holder", b"me", ephemeral=True)
    listing = read_listing(zk, path)
    assert listing.data == b"3"
    assert [(child.name, child.data) for child in listing.children] == [("holder", b"me")]
    assert read_listing(zk, f"{base_path}/gone").children == ()


def test_members_pin_reports_an_empty_group(engine, zk, base_path):
    path = f"{base_path}/servers"
    zk.create(path)
    assert members(engine, invocation("members", path)).data == []
    pinned = members(engine, invocation("members", path, pin=True))
    assert pinned.data == [{"path": path, "recipe": "pinned group", "members": []}]
