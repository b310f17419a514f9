"""Recipe detection on layouts that real clients build on the sandbox ensemble.

kazoo's own recipes run for real (each contender its own KazooClient, so its own session); Curator,
go-zookeeper and ZooKeeper-recipe layouts are created with kazoo exactly as those libraries name their
nodes. Detection then works only from what the server returns, and the watches the server reports
(`wchc` on every server) confirm who waits on whom.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import CancelledError, NoNodeError

from tests.helpers import wait_until
from zktui.core.fourletter import four_letter_word, parse_wchc
from zktui.core.paths import join
from zktui.core.protocol import create_container
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.recipes import Recipe, detect, detect_all

pytestmark = pytest.mark.ensemble

LOOPBACK = "127.0.0.1"
U64 = 2**64 - 1


def read_listing(client: KazooClient, path: str) -> ParentListing:
    """What a walker would hand to detection: the parent's data, then each child's data and stat."""
    data, _ = client.get(path)
    children = []
    for name in client.get_children(path):
        try:
            child_data, stat = client.get(join(path, name))
        except NoNodeError:
            continue  # released between the listing and the read
        children.append(ChildNode(name, stat.ephemeralOwner, child_data, stat.ctime))
    return ParentListing(path, tuple(children), data)


def session_of(client: KazooClient) -> int:
    return client.client_id[0] & U64


def sessions(contenders) -> list[int]:
    return [contender.session for contender in contenders]


def watched_paths(ensemble) -> dict[int, set[str]]:
    """Every session's watched paths, from every server (a watch lives where its session is connected)."""
    merged: dict[int, set[str]] = {}
    for spec in ensemble.specs:
        for session, paths in parse_wchc(four_letter_word(LOOPBACK, spec.client_port, "wchc")).items():
            merged.setdefault(session, set()).update(paths)
    return merged


def waiters_watch_what_detection_says(ensemble, recipe: Recipe) -> bool:
    watched = watched_paths(ensemble)
    return all(waiter.watches in watched.get(waiter.session, ()) for waiter in recipe.waiters)


def curator_prefix(digit: str) -> str:
    """A Curator protected prefix with a recognisable UUID: _c_<uuid>-."""
    return f"_c_{digit * 8}-{digit * 4}-4{digit * 3}-8{digit * 3}-{digit * 12}-"


@pytest.fixture
def connect(ensemble):
    """connect(n) -> n started KazooClients, each its own session; all stopped afterwards."""
    started: list[KazooClient] = []

    def make(count: int) -> list[KazooClient]:
        for _ in range(count):
            client = KazooClient(hosts=ensemble.hosts, timeout=10.0)
            client.start(timeout=15)
            started.append(client)
        return started[-count:]

    yield make
    for client in started:
        client.stop()
        client.close()


class Background:
    """Blocking recipe calls (acquire, run) in threads; on teardown, cancel them and wait for the threads."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.cancels: list[Callable[[], object]] = []
        self.errors: list[BaseException] = []

    def run(self, call: Callable[[], object], cancel: Callable[[], object]) -> None:
        def guarded() -> None:
            try:
                call()
            except CancelledError:
                pass
            except BaseException as exc:  # reported by the test through `errors`
                self.errors.append(exc)

        thread = threading.Thread(target=guarded, daemon=True)
        self.cancels.append(cancel)
        self.threads.append(thread)
        thread.start()

    def on_stop(self, callback: Callable[[], object]) -> None:
        self.cancels.append(callback)

    def stop(self) -> None:
        for cancel in self.cancels:
            cancel()
        for thread in self.threads:
            thread.join(timeout=15)


@pytest.fixture
def background(connect):
    # Requests `connect` so that threads stop before their clients do.
    running = Background()
    yield running
    running.stop()
    assert not running.errors, running.errors


def candidates(client: KazooClient, path: str) -> int:
    """How many children `path` has; 0 while the recipe has not created it yet."""
    return len(client.get_children(path)) if client.exists(path) else 0


def created_name(path: str) -> str:
    return path.rsplit("/", 1)[1]


# ----- kazoo's own recipes ---------------------------------------------------------------------------


def test_kazoo_lock_with_five_contenders(ensemble, zk, base_path, connect, background):
    path = f"{base_path}/locks/orders"
    clients = connect(5)
    locks = [client.Lock(path, f"worker-{index}") for index, client in enumerate(clients)]
    assert locks[0].acquire(timeout=10)
    for count, lock in enumerate(locks[1:], start=2):
        background.run(lock.acquire, lock.cancel)
        # One at a time, so that the queue order is known.
        wait_until(lambda count=count: len(zk.get_children(path)) == count, message=f"{count} contenders")

    found = detect(read_listing(zk, path))
    assert found is not None and (found.kind, found.recipe) == ("lock", "kazoo Lock")
    assert [holder.node for holder in found.holders] == [locks[0].node]
    assert sessions(found.holders) == [session_of(clients[0])]
    assert sessions(found.waiters) == [session_of(client) for client in clients[1:]]
    assert [c.identity for c in found.holders + found.waiters] == [f"worker-{i}" for i in range(5)]
    assert [c.seq for c in found.holders + found.waiters] == sorted(
        c.seq for c in found.holders + found.waiters
    )
    assert {c.server_id for c in found.holders + found.waiters} <= set(ensemble.ids)
    # Each waiter's watch on its predecessor is really registered on the server.
    wait_until(lambda: waiters_watch_what_detection_says(ensemble, found), message="predecessor watches")

    locks[0].release()
    next_holder = [session_of(clients[1])]
    wait_until(lambda: sessions(detect(read_listing(zk, path)).holders) == next_holder, message="hand-over")
    assert sessions(detect(read_listing(zk, path)).waiters) == [session_of(c) for c in clients[2:]]


def test_kazoo_read_write_lock_mix(ensemble, zk, base_path, connect, background):
    path = f"{base_path}/rw"
    first_reader, writer, late_reader = connect(3)
    reading = first_reader.ReadLock(path, "reader-1")
    assert reading.acquire(timeout=10)
    writing = writer.WriteLock(path, "writer")
    background.run(writing.acquire, writing.cancel)
    wait_until(lambda: len(zk.get_children(path)) == 2, message="the writer queued")
    queued_reader = late_reader.ReadLock(path, "reader-2")
    background.run(queued_reader.acquire, queued_reader.cancel)
    wait_until(lambda: len(zk.get_children(path)) == 3, message="the second reader queued")

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("rwlock", "kazoo ReadLock/WriteLock")
    assert [(c.identity, c.role) for c in found.holders] == [("reader-1", "read")]
    assert [(c.identity, c.role) for c in found.waiters] == [("writer", "write"), ("reader-2", "read")]
    wait_until(lambda: waiters_watch_what_detection_says(ensemble, found), message="watches")

    reading.release()
    wait_until(
        lambda: [c.identity for c in detect(read_listing(zk, path)).holders] == ["writer"],
        message="the writer to hold",
    )
    assert [c.identity for c in detect(read_listing(zk, path)).waiters] == ["reader-2"]


def test_kazoo_semaphore(zk, base_path, connect, background):
    path = f"{base_path}/sem"
    first, second, third = connect(3)
    leases = [client.Semaphore(path, name, max_leases=2) for client, name in ((first, "a"), (second, "b"))]
    for lease in leases:
        assert lease.acquire(timeout=10)
    waiting = third.Semaphore(path, "c", max_leases=2)
    background.run(waiting.acquire, waiting.cancel)
    lock_path = path + "-__lock__"
    wait_until(lambda: candidates(zk, lock_path) == 1, message="the waiter")

    found = detect_all([read_listing(zk, path), read_listing(zk, lock_path)])
    assert [(r.path, r.kind, r.recipe) for r in found] == [(path, "semaphore", "kazoo Semaphore")]
    semaphore = found[0]
    assert semaphore.max_leases == 2
    assert sorted(sessions(semaphore.holders)) == sorted([session_of(first), session_of(second)])
    assert sorted(c.identity for c in semaphore.holders) == ["a", "b"]
    assert sessions(semaphore.waiters) == [session_of(third)]
    # Its watch is a child watch on the leases, which wchc does not list: nothing to cross-check there.
    assert semaphore.waiters[0].watches == path

    leases[0].release()

    def third_holds() -> bool:
        now = detect_all([read_listing(zk, path), read_listing(zk, lock_path)])[0]
        return session_of(third) in sessions(now.holders) and not now.waiters

    wait_until(third_holds, message="the waiter to get a lease")


def test_kazoo_party(zk, base_path, connect):
    path = f"{base_path}/party"
    clients = connect(3)
    parties = [client.Party(path, f"member-{index}") for index, client in enumerate(clients)]
    for party in parties:
        party.join()

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("membership", "kazoo Party")
    assert sorted(sessions(found.members)) == sorted(session_of(client) for client in clients)
    assert sorted(c.identity for c in found.members) == ["member-0", "member-1", "member-2"]

    parties[1].leave()
    remaining = ["member-0", "member-2"]
    wait_until(lambda: sorted(c.identity for c in detect(read_listing(zk, path)).members) == remaining)


def test_kazoo_election(zk, base_path, connect, background):
    path = f"{base_path}/election"
    clients = connect(2)
    leading: list[str] = []
    resign = {f"node-{index}": threading.Event() for index in range(len(clients))}

    def lead(name: str) -> None:
        leading.append(name)
        resign[name].wait(30)

    for index, client in enumerate(clients):
        name = f"node-{index}"
        election = client.Election(path, name)
        background.run(lambda e=election, n=name: e.run(lead, n), election.cancel)
        background.on_stop(resign[name].set)
        wait_until(lambda count=index + 1: candidates(zk, path) == count, message="the candidate")
    wait_until(lambda: leading, message="a leader")

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("election", "kazoo Election")
    assert [c.identity for c in found.holders] == leading == ["node-0"]
    assert sessions(found.holders) == [session_of(clients[0])]
    assert [c.identity for c in found.waiters] == ["node-1"]

    resign["node-0"].set()  # the leader's function returns: it gives up, and the next candidate leads
    wait_until(lambda: leading == ["node-0", "node-1"], message="the second leader")
    found = detect(read_listing(zk, path))
    assert [c.identity for c in found.holders] == ["node-1"] and found.waiters == ()


# ----- other libraries' layouts, written the way they name their nodes --------------------------------


def test_curator_inter_process_mutex_layout(zk, base_path, connect):
    path = f"{base_path}/curator/locks/job"
    zk.ensure_path(f"{base_path}/curator/locks")
    create_container(zk, path)  # Curator creates lock parents as containers
    clients = connect(3)
    # UUIDs that sort lexically the other way round from the creation order.
    created = [
        client.create(
            join(path, curator_prefix(digit) + "lock-"),
            f"10.0.0.{index}".encode(),
            ephemeral=True,
            sequence=True,
        )
        for index, (client, digit) in enumerate(zip(clients, "f80", strict=True))
    ]

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("lock", "Curator InterProcessMutex")
    assert [c.node for c in found.holders + found.waiters] == [created_name(p) for p in created]
    assert sessions(found.holders + found.waiters) == [session_of(client) for client in clients]
    assert [c.identity for c in found.holders] == ["10.0.0.0"]


def test_curator_read_write_lock_layout(zk, base_path, connect):
    path = f"{base_path}/curator/rw"
    zk.ensure_path(path)
    reader, writer, late_reader = connect(3)
    for client, digit, kind in (
        (reader, "a", "__READ__"),
        (writer, "b", "__WRIT__"),
        (late_reader, "c", "__READ__"),
    ):
        client.create(join(path, curator_prefix(digit) + kind), b"10.0.0.9", ephemeral=True, sequence=True)

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("rwlock", "Curator InterProcessReadWriteLock")
    assert [(c.session, c.role) for c in found.holders] == [(session_of(reader), "read")]
    assert [(c.session, c.role) for c in found.waiters] == [
        (session_of(writer), "write"),
        (session_of(late_reader), "read"),
    ]


def test_curator_leader_latch_layout(zk, base_path, connect):
    path = f"{base_path}/services/coordinator"
    zk.ensure_path(path)
    clients = connect(2)
    for client, digit, identity in zip(clients, "9a", ("coordinator-1", "coordinator-2"), strict=True):
        client.create(
            join(path, curator_prefix(digit) + "latch-"), identity.encode(), ephemeral=True, sequence=True
        )

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("election", "Curator LeaderLatch")
    assert [c.identity for c in found.holders] == ["coordinator-1"]
    assert [c.identity for c in found.waiters] == ["coordinator-2"]


def test_curator_semaphore_v2_layout(zk, base_path, connect):
    base = f"{base_path}/curator/sem"
    leases_path, locks_path = f"{base}/leases", f"{base}/locks"
    zk.ensure_path(leases_path)
    zk.ensure_path(locks_path)
    first, second, waiting = connect(3)
    for client, digit in ((first, "1"), (second, "2")):
        client.create(
            join(leases_path, curator_prefix(digit) + "lease-"), b"x", ephemeral=True, sequence=True
        )
    # The waiter takes the mutex, then creates its lease, then waits for the lease count to drop.
    waiting.create(join(locks_path, curator_prefix("3") + "lock-"), b"x", ephemeral=True, sequence=True)
    pending = waiting.create(
        join(leases_path, curator_prefix("3") + "lease-"), b"x", ephemeral=True, sequence=True
    )

    listings = [read_listing(zk, base), read_listing(zk, leases_path), read_listing(zk, locks_path)]
    found = detect_all(listings)
    assert [(r.path, r.kind, r.recipe) for r in found] == [
        (base, "semaphore", "Curator InterProcessSemaphoreV2")
    ]
    assert sessions(found[0].holders) == [session_of(first), session_of(second)]
    assert sessions(found[0].waiters) == [session_of(waiting)]
    assert any(created_name(pending) in note for note in found[0].notes)


def test_go_zookeeper_lock_layout(zk, base_path, connect):
    path = f"{base_path}/go/lock"
    zk.ensure_path(path)
    clients = connect(2)
    for client in clients:
        client.create(join(path, f"_c_{uuid.uuid4().hex}-lock-"), b"", ephemeral=True, sequence=True)

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("lock", "go-zookeeper Lock")
    assert sessions(found.holders) == [session_of(clients[0])]
    assert sessions(found.waiters) == [session_of(clients[1])]
    assert found.holders[0].identity is None  # go-zookeeper writes no data by default


def test_zookeeper_recipes_write_lock_layout(zk, base_path, connect):
    path = f"{base_path}/zk/writelock"
    zk.ensure_path(path)
    clients = connect(3)
    for client in clients:
        # The Java recipe: "x-" + the session id in decimal + "-", data {0x12, 0x34}.
        client.create(join(path, f"x-{client.client_id[0]}-"), b"\x12\x34", ephemeral=True, sequence=True)

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("lock", "ZooKeeper recipes WriteLock")
    assert sessions(found.holders + found.waiters) == [session_of(client) for client in clients]
    # The session written into each name is the one the server says owns the node.
    assert all(c.node.startswith(f"x-{c.session}-") for c in found.holders + found.waiters)


def test_zookeeper_leader_election_support_layout(zk, base_path, connect):
    path = f"{base_path}/zk/election"
    zk.ensure_path(path)
    clients = connect(2)
    for client, host in zip(clients, ("host-a", "host-b"), strict=True):
        client.create(join(path, "n_"), host.encode(), ephemeral=True, sequence=True)

    found = detect(read_listing(zk, path))
    assert (found.kind, found.recipe) == ("election", "ZooKeeper LeaderElectionSupport")
    assert [c.identity for c in found.holders] == ["host-a"]
    assert [c.identity for c in found.waiters] == ["host-b"]


def test_kafka_layout_under_a_chroot(zk, base_path, connect):
    root = f"{base_path}/kafka"
    broker_a, broker_b = connect(2)
    for broker_id, client in ((1, broker_a), (2, broker_b)):
        registration = {"host": f"kafka{broker_id}", "port": 9092, "version": 4, "endpoints": []}
        client.create(
            f"{root}/brokers/ids/{broker_id}",
            json.dumps(registration).encode(),
            ephemeral=True,
            makepath=True,
        )
    broker_b.create(
        f"{root}/controller", b'{"version":1,"brokerid":2,"timestamp":"1700000000000"}', ephemeral=True
    )
    zk.create(f"{root}/controller_epoch", b"3")
    for _ in range(2):
        zk.create(f"{root}/isr_change_notification/isr_change_", b"{}", sequence=True, makepath=True)

    paths = (root, f"{root}/brokers", f"{root}/brokers/ids", f"{root}/isr_change_notification")
    found = {r.path: r for r in detect_all(read_listing(zk, p) for p in paths)}
    assert sorted(found) == [f"{root}/brokers/ids", f"{root}/controller", f"{root}/isr_change_notification"]
    controller = found[f"{root}/controller"]
    assert (controller.kind, controller.recipe) == ("leader-node", "Kafka controller")
    assert sessions(controller.holders) == [session_of(broker_b)]
    assert [c.identity for c in controller.holders] == ["broker 2"]
    brokers = found[f"{root}/brokers/ids"]
    assert (brokers.kind, [c.identity for c in brokers.members]) == (
        "membership",
        ["kafka1:9092", "kafka2:9092"],
    )
    isr = found[f"{root}/isr_change_notification"]
    assert (isr.kind, isr.recipe, isr.holders, len(isr.items)) == (
        "queue",
        "Kafka ISR change notifications",
        (),
        2,
    )
