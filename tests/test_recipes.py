"""Recipe detection on recorded layouts, named the way each library and system names its nodes."""

from __future__ import annotations

import json
import struct

import pytest

from zktui.live.layout import ChildNode, ParentListing
from zktui.live.recipes import Recipe, detect, detect_all, parse_name, stem

T0 = 1_700_000_000_000
# Session ids as servers hand them out: the creating server's myid in the top byte.
S1, S2, S3, S4, S5 = (myid << 56 | 0x0001_2345_6700 + index for index, myid in enumerate((1, 2, 3, 1, 2)))

# Curator's protected prefix: _c_ + a random UUID + "-"; go-zookeeper: _c_ + 32 hex + "-"; kazoo: uuid4().hex.
CU_A = "_c_2c3d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f-"
CU_B = "_c_f0e1d2c3-b4a5-4968-8776-655443322110-"
CU_C = "_c_00aa11bb-22cc-43dd-a4ee-55ff66007788-"
CU_D = "_c_9a8b7c6d-5e4f-4a3b-9c2d-1e0f0a1b2c3d-"
GO_A = "_c_0123456789abcdef0123456789abcdef-"
GO_B = "_c_fedcba9876543210fedcba9876543210-"
KZ_A = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
KZ_B = "ffeeddccbbaa99887766554433221100"
KZ_C = "00112233445566778899aabbccddeeff"
KZ_D = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def eph(name: str, session: int = S1, data: bytes | None = b"", ctime: int = T0) -> ChildNode:
    return ChildNode(name, session, data, ctime)


def per(name: str, data: bytes | None = b"", ctime: int = T0) -> ChildNode:
    return ChildNode(name, 0, data, ctime)


def listing(path: str, *children: ChildNode, data: bytes | None = None) -> ParentListing:
    return ParentListing(path, tuple(children), data)


def nodes(contenders) -> list[str]:
    return [contender.node for contender in contenders]


def sessions(contenders) -> list[int]:
    return [contender.session for contender in contenders]


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_string(field: int, text: bytes) -> bytes:
    return bytes([field << 3 | 2]) + varint(len(text)) + text


def pb_int(field: int, value: int) -> bytes:
    return bytes([field << 3]) + varint(value)


# ----- names and stems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected_stem", "expected_seq"),
    [
        (CU_A + "lock-0000000003", "lock-", 3),
        (CU_A + "__READ__0000000004", "__READ__", 4),
        (CU_A + "__WRIT__0000000005", "__WRIT__", 5),
        (CU_A + "lease-0000000006", "lease-", 6),
        (CU_A + "latch-0000000007", "latch-", 7),
        (GO_A + "lock-0000000008", "lock-", 8),
        (KZ_A + "__lock__0000000009", "__lock__", 9),
        (KZ_A + "__rlock__0000000010", "__rlock__", 10),
        (KZ_A + "__party__", "__party__", None),
        (KZ_A + "-worker-1", "worker-1", None),
        (KZ_A, "", None),
        ("x-72057594037927936-0000000011", "", 11),  # ZooKeeper WriteLock, Java: decimal session id
        ("x-0100000000a10000-0000000012", "", 12),  # ... the C client: %016llx
        ("72057594037927936-127.0.0.1:8983_solr-n_0000000013", "n_", 13),
        ("n_0000000014", "n_", 14),
        ("isr_change_0000000015", "isr_change_", 15),
        ("entry-100-0000000016", "entry-100-", 16),
        ("worker-1", "worker-1", None),
        ("rs1.example.com,16020,1700000000123", "rs1.example.com,16020,1700000000123", None),
    ],
)
def test_stem_drops_the_client_prefix_and_the_sequence_suffix(name, expected_stem, expected_seq):
    assert stem(name) == expected_stem
    assert parse_name(name).seq == expected_seq


@pytest.mark.parametrize(
    ("name", "expected_stem", "expected_seq"),
    [
        ("lock--2147483648", "lock-", -2147483648),  # the int32 counter wrapped
        (CU_A + "lock--2147483647", "lock-", -2147483647),
        (KZ_A + "__lock__-2147483648", "__lock__", -2147483648),
        ("n_-000000005", "n_", -5),  # %010d of -5: a minus and nine digits
        ("x-72057594037927936--000000005", "", -5),
        ("lock-1500000000", "lock-", 1500000000),  # a dash before ten digits is the stem's when it can be
        ("lock-2147483648", "lock", -2147483648),  # past INT32_MAX: only the negative reading is possible
        ("build-12345678901", "build-12345678901", None),  # eleven digits are not a sequence suffix
    ],
)
def test_wrapped_and_large_sequence_numbers_keep_their_sign(name, expected_stem, expected_seq):
    assert stem(name) == expected_stem
    assert parse_name(name).seq == expected_seq


def test_a_bare_kazoo_uuid_ending_in_ten_digits_is_not_a_sequence_number():
    name = "abcdef0123456789ab0123456789abcd"[:22] + "0123456789"
    assert len(name) == 32
    assert parse_name(name).seq is None and parse_name(name).family == "kazoo"


def test_prefix_families_are_named():
    assert parse_name(CU_A + "lock-0000000001").family == "curator"
    assert parse_name(GO_A + "lock-0000000001").family == "go-zookeeper"
    assert parse_name(KZ_A + "__lock__0000000001").family == "kazoo"
    assert parse_name("x-1-0000000001").family == "zookeeper"
    assert parse_name("1-host:8983_solr-n_0000000001").family == "solr"
    assert parse_name("job-0000000001").family is None


# ----- kazoo -----------------------------------------------------------------------------------------


def test_kazoo_lock_lowest_sequence_holds_and_waiters_queue_behind_their_predecessor():
    # Lexical order (KZ_C, KZ_A, KZ_B) differs from the sequence order (KZ_B, KZ_C, KZ_A).
    found = detect(
        listing(
            "/app/locks/orders",
            eph(KZ_A + "__lock__0000000012", S3, b"worker-3", T0 + 30),
            eph(KZ_B + "__lock__0000000002", S1, b"worker-1", T0 + 10),
            eph(KZ_C + "__lock__0000000007", S2, b"worker-2", T0 + 20),
        )
    )
    assert found is not None
    assert (found.kind, found.recipe) == ("lock", "kazoo Lock")
    assert nodes(found.holders) == [KZ_B + "__lock__0000000002"]
    assert nodes(found.waiters) == [KZ_C + "__lock__0000000007", KZ_A + "__lock__0000000012"]
    assert [c.identity for c in found.holders + found.waiters] == ["worker-1", "worker-2", "worker-3"]
    assert sessions(found.holders + found.waiters) == [S1, S2, S3]
    assert [c.watches for c in found.waiters] == [
        "/app/locks/orders/" + KZ_B + "__lock__0000000002",
        "/app/locks/orders/" + KZ_C + "__lock__0000000007",
    ]
    assert found.holders[0].watches is None and found.holders[0].ctime_ms == T0 + 10


def test_kazoo_election_is_its_lock_on_a_path_that_says_election():
    found = detect(
        listing(
            "/app/election",
            eph(KZ_A + "__lock__0000000001", S1, b"node-a"),
            eph(KZ_B + "__lock__0000000002", S2, b"node-b"),
        )
    )
    assert (found.kind, found.recipe) == ("election", "kazoo Election")
    assert [c.identity for c in found.holders] == ["node-a"]
    assert [c.identity for c in found.waiters] == ["node-b"]


def test_kazoo_readers_behind_a_writer_wait_and_the_writer_holds_only_first():
    found = detect(
        listing(
            "/app/rw",
            eph(KZ_A + "__lock__0000000001", S1, b"writer"),
            eph(KZ_B + "__rlock__0000000002", S2, b"reader-1"),
            eph(KZ_C + "__rlock__0000000003", S3, b"reader-2"),
        )
    )
    assert (found.kind, found.recipe) == ("rwlock", "kazoo ReadLock/WriteLock")
    assert [(c.identity, c.role) for c in found.holders] == [("writer", "write")]
    assert [(c.identity, c.role) for c in found.waiters] == [("reader-1", "read"), ("reader-2", "read")]
    # Both readers wait for the writer itself, not for each other.
    assert {c.watches for c in found.waiters} == {"/app/rw/" + KZ_A + "__lock__0000000001"}


def test_kazoo_readers_ahead_of_every_writer_share_the_lock():
    found = detect(
        listing(
            "/app/rw",
            eph(KZ_A + "__rlock__0000000001", S1, b"r1"),
            eph(KZ_B + "__rlock__0000000002", S2, b"r2"),
            eph(KZ_C + "__lock__0000000003", S3, b"w3"),
            eph(KZ_D + "__rlock__0000000004", S4, b"r4"),
            eph(KZ_A + "__lock__0000000005", S5, b"w5"),
            eph(KZ_B + "__rlock__0000000006", S1, b"r6"),
        )
    )
    assert [c.identity for c in found.holders] == ["r1", "r2"]
    assert [c.identity for c in found.waiters] == ["w3", "r4", "w5", "r6"]
    watched = {c.identity: c.watches.rsplit("/", 1)[1] for c in found.waiters}
    # kazoo: a writer watches its predecessor; a reader the nearest writer ahead of it.
    assert watched == {
        "w3": KZ_B + "__rlock__0000000002",
        "r4": KZ_C + "__lock__0000000003",
        "w5": KZ_D + "__rlock__0000000004",
        "r6": KZ_A + "__lock__0000000005",
    }


def test_kazoo_semaphore_leases_hold_and_its_lock_queues_the_waiters():
    found = detect_all(
        [
            listing(
                "/app/sem",
                eph(KZ_B, S2, b"second", T0 + 20),
                eph(KZ_A, S1, b"first", T0 + 10),
                data=b"2",
            ),
            listing(
                "/app/sem-__lock__",
                eph(KZ_D + "__lock__0000000009", S4, b"fourth"),
                eph(KZ_C + "__lock__0000000008", S3, b"third"),
            ),
        ]
    )
    assert [(r.path, r.kind, r.recipe) for r in found] == [("/app/sem", "semaphore", "kazoo Semaphore")]
    semaphore = found[0]
    assert semaphore.max_leases == 2
    assert [c.identity for c in semaphore.holders] == ["first", "second"]  # no sequence: oldest first
    assert [c.identity for c in semaphore.waiters] == ["third", "fourth"]
    # The lock's holder waits for a lease to go; the next waits for the lock.
    assert [c.watches for c in semaphore.waiters] == [
        "/app/sem",
        "/app/sem-__lock__/" + KZ_C + "__lock__0000000008",
    ]


def test_kazoo_semaphore_is_found_from_either_of_its_two_parents():
    leases = listing("/app/sem", eph(KZ_A, S1, b"first"), data=b"3")
    lock = listing("/app/sem-__lock__", eph(KZ_C + "__lock__0000000001", S3, b"waiting"))
    neighbours = {leases.path: leases, lock.path: lock}
    from_lock = detect(lock, neighbours)
    assert from_lock is not None and (from_lock.path, from_lock.recipe) == ("/app/sem", "kazoo Semaphore")
    assert from_lock == detect(leases, neighbours)
    alone = detect(leases)
    assert (alone.kind, alone.max_leases, alone.waiters) == ("semaphore", 3, ())
    assert detect(lock) is not None and detect(lock).recipe == "kazoo Lock"  # nothing says semaphore


def test_a_childless_node_holding_digits_is_not_a_semaphore():
    assert detect(listing("/kafka/controller_epoch", data=b"5")) is None


def test_kazoo_party_and_shallow_party_are_memberships():
    party = detect(
        listing("/app/party", eph(KZ_B + "__party__", S2, b"beta"), eph(KZ_A + "__party__", S1, b"alpha"))
    )
    assert (party.kind, party.recipe) == ("membership", "kazoo Party")
    assert sorted(c.identity for c in party.members) == ["alpha", "beta"]
    assert party.holders == () and party.waiters == ()
    shallow = detect(listing("/app/shallow", eph(KZ_A + "-web-1", S1, b"web-1"), eph(KZ_B + "-web-2", S2)))
    assert (shallow.kind, shallow.recipe) == ("membership", "kazoo ShallowParty")


def test_kazoo_queues_take_the_lowest_priority_first():
    queue = detect(
        listing(
            "/app/q", per("entry-100-0000000001"), per("entry-001-0000000002"), per("entry-100-0000000003")
        )
    )
    assert (queue.kind, queue.recipe) == ("queue", "kazoo Queue")
    assert nodes(queue.items) == ["entry-001-0000000002", "entry-100-0000000001", "entry-100-0000000003"]
    entries = detect(listing("/app/lq/entries", per("entry-100-0000000001")))
    assert entries.recipe == "kazoo LockingQueue"
    # Entries being processed: ephemeral, named like the entry, which is not a lock contender.
    taken = detect(listing("/app/lq/taken", eph("entry-100-0000000001", S1, b"consumer-1")))
    assert (taken.kind, taken.recipe) == ("membership", "kazoo LockingQueue taken")
    assert [c.identity for c in taken.members] == ["consumer-1"]


# ----- Curator ---------------------------------------------------------------------------------------


def test_curator_mutex_orders_by_sequence_whatever_the_uuid():
    found = detect(
        listing(
            "/app/locks/job",
            eph(CU_C + "lock-0000000010", S3, b"10.0.0.3"),
            eph(CU_B + "lock-0000000002", S1, b"10.0.0.1"),
            eph(CU_A + "lock-0000000007", S2, b"10.0.0.2"),
        )
    )
    assert (found.kind, found.recipe) == ("lock", "Curator InterProcessMutex")
    assert [c.seq for c in found.holders + found.waiters] == [2, 7, 10]
    assert [c.identity for c in found.holders] == ["10.0.0.1"]


def test_curator_leader_selector_is_a_mutex_on_a_leader_path():
    found = detect(
        listing(
            "/app/leader",
            eph(CU_A + "lock-0000000001", S1, b"10.0.0.1"),
            eph(CU_B + "lock-0000000002", S2, b"10.0.0.2"),
        )
    )
    assert (found.kind, found.recipe) == ("election", "Curator LeaderSelector")


def test_curator_leader_latch_is_an_election_wherever_it_lives():
    found = detect(
        listing(
            "/druid/coordinator/_COORDINATOR",
            eph(CU_B + "latch-0000000005", S2, b"coordinator-2:8081"),
            eph(CU_A + "latch-0000000004", S1, b"coordinator-1:8081"),
        )
    )
    assert (found.kind, found.recipe) == ("election", "Curator LeaderLatch")
    assert [c.identity for c in found.holders] == ["coordinator-1:8081"]
    assert [c.identity for c in found.waiters] == ["coordinator-2:8081"]


def test_curator_read_write_lock_readers_wait_for_the_first_writer():
    found = detect(
        listing(
            "/app/rw",
            eph(CU_A + "__READ__0000000001", S1, b"r1"),
            eph(CU_B + "__WRIT__0000000002", S2, b"w2"),
            eph(CU_C + "__WRIT__0000000003", S3, b"w3"),
            eph(CU_D + "__READ__0000000004", S4, b"r4"),
        )
    )
    assert (found.kind, found.recipe) == ("rwlock", "Curator InterProcessReadWriteLock")
    assert [(c.identity, c.role) for c in found.holders] == [("r1", "read")]
    assert [c.identity for c in found.waiters] == ["w2", "w3", "r4"]
    # Unlike kazoo, a Curator reader watches the first writer in line, not the nearest one.
    assert found.waiters[2].watches == "/app/rw/" + CU_B + "__WRIT__0000000002"


def test_curator_write_lock_first_in_line_holds_alone():
    found = detect(
        listing(
            "/app/rw",
            eph(CU_B + "__WRIT__0000000001", S2, b"w1"),
            eph(CU_A + "__READ__0000000002", S1, b"r2"),
        )
    )
    assert [c.identity for c in found.holders] == ["w1"]
    assert [c.identity for c in found.waiters] == ["r2"]


def test_curator_semaphore_leases_hold_and_the_mutex_queues_the_waiters():
    leases = listing(
        "/app/sem/leases",
        eph(CU_A + "lease-0000000001", S1, b"10.0.0.1", T0 + 10),
        eph(CU_B + "lease-0000000002", S2, b"10.0.0.2", T0 + 20),
        # Created by the mutex holder after it took the mutex: it still waits for a free lease.
        eph(CU_C + "lease-0000000003", S3, b"10.0.0.3", T0 + 40),
    )
    locks = listing(
        "/app/sem/locks",
        eph(CU_D + "lock-0000000008", S4, b"10.0.0.4", T0 + 50),
        eph(CU_C + "lock-0000000007", S3, b"10.0.0.3", T0 + 30),
    )
    found = detect_all([listing("/app/sem", per("leases"), per("locks")), leases, locks])
    assert [(r.path, r.kind, r.recipe) for r in found] == [
        ("/app/sem", "semaphore", "Curator InterProcessSemaphoreV2")
    ]
    semaphore = found[0]
    assert sessions(semaphore.holders) == [S1, S2]
    assert sessions(semaphore.waiters) == [S3, S4]
    assert semaphore.waiters[0].watches == "/app/sem/leases"
    assert semaphore.max_leases is None
    assert any(CU_C + "lease-0000000003" in note for note in semaphore.notes)
    assert detect(locks, {leases.path: leases}) == semaphore  # found from either parent


def test_curator_semaphore_leases_alone_all_hold():
    found = detect(
        listing("/app/sem/leases", eph(CU_A + "lease-0000000001", S1), eph(CU_B + "lease-0000000002", S2))
    )
    assert (found.path, found.kind) == ("/app/sem", "semaphore")
    assert sessions(found.holders) == [S1, S2] and found.waiters == ()


def test_curator_service_discovery_members_show_name_and_address():
    def instance(port: int) -> bytes:
        return json.dumps(
            {
                "name": "api",
                "id": f"id-{port}",
                "address": "10.0.0.5",
                "port": port,
                "sslPort": None,
                "payload": None,
                "registrationTimeUTC": T0,
                "serviceType": "DYNAMIC",
                "uriSpec": None,
            }
        ).encode()

    found = detect(
        listing(
            "/services/api",
            eph("7d444840-9dc0-11d1-b245-5ffdce74fad2", S1, instance(8080)),
            eph("1b4e28ba-2fa1-11d2-883f-0016d3cca427", S2, instance(8081)),
        )
    )
    assert (found.kind, found.recipe) == ("membership", "Curator ServiceDiscovery")
    assert sorted(c.identity for c in found.members) == ["api 10.0.0.5:8080", "api 10.0.0.5:8081"]


# ----- go-zookeeper, ZooKeeper's own recipes ---------------------------------------------------------


def test_go_zookeeper_lock():
    found = detect(listing("/app/lock", eph(GO_B + "lock-0000000001", S1), eph(GO_A + "lock-0000000002", S2)))
    assert (found.kind, found.recipe) == ("lock", "go-zookeeper Lock")
    assert sessions(found.holders) == [S1] and sessions(found.waiters) == [S2]


@pytest.mark.parametrize("session_text", ["72057594037927936", "0100000000a10000"], ids=["java", "c"])
def test_zookeeper_recipes_write_lock(session_text):
    found = detect(
        listing(
            "/app/writelock",
            eph(f"x-{session_text}-0000000002", S2, b"\x12\x34"),
            eph(f"x-{session_text}-0000000001", S1, b"\x12\x34"),
        )
    )
    assert (found.kind, found.recipe) == ("lock", "ZooKeeper recipes WriteLock")
    assert [c.seq for c in found.holders] == [1]
    assert found.holders[0].identity == "0x1234"


def test_zookeeper_leader_election_support():
    found = detect(
        listing("/app/hosts", eph("n_0000000003", S2, b"host-b"), eph("n_0000000002", S1, b"host-a"))
    )
    assert (found.kind, found.recipe) == ("election", "ZooKeeper LeaderElectionSupport")
    assert [c.identity for c in found.holders] == ["host-a"]


# ----- known systems ---------------------------------------------------------------------------------

KAFKA_BROKER = {
    "listener_security_protocol_map": {"PLAINTEXT": "PLAINTEXT"},
    "endpoints": ["PLAINTEXT://kafka{id}:9092"],
    "jmx_port": -1,
    "host": "kafka{id}",
    "timestamp": str(T0),
    "port": 9092,
    "version": 4,
}


def broker(broker_id: int, session: int) -> ChildNode:
    data = json.dumps(KAFKA_BROKER).replace("{id}", str(broker_id)).encode()
    return eph(str(broker_id), session, data)


@pytest.mark.parametrize("root", ["", "/kafka", "/prod/kafka"])
def test_kafka_brokers_are_a_membership_with_their_addresses_decoded(root):
    found = detect(listing(f"{root}/brokers/ids", broker(10, S3), broker(2, S2), broker(1, S1)))
    assert (found.kind, found.recipe) == ("membership", "Kafka brokers")
    assert nodes(found.members) == ["1", "2", "10"]  # broker ids in numeric order
    assert [c.identity for c in found.members] == ["kafka1:9092", "kafka2:9092", "kafka10:9092"]


def test_kafka_brokers_path_with_persistent_children_is_not_kafka():
    assert detect(listing("/brokers/ids", per("1"), per("2"))) is None


def test_specific_known_paths_report_an_empty_group_and_generic_ones_do_not():
    no_brokers = detect(listing("/kafka/brokers/ids"))
    assert (no_brokers.recipe, no_brokers.members) == ("Kafka brokers", ())
    assert detect(listing("/app/taken")) is None and detect(listing("/app/config/changes")) is None


@pytest.mark.parametrize("root", ["/", "/kafka"])
def test_kafka_controller_is_a_leader_node_with_the_broker_id(root):
    controller = eph("controller", S2, b'{"version":1,"brokerid":2,"timestamp":"1700000000000"}')
    found = detect(listing(root, per("brokers"), controller, per("controller_epoch", b"7"), per("zookeeper")))
    assert (found.kind, found.recipe) == ("leader-node", "Kafka controller")
    assert found.path == ("/controller" if root == "/" else "/kafka/controller")
    assert [c.identity for c in found.holders] == ["broker 2"]
    assert found.waiters == () and any("invisible" in note for note in found.notes)


def test_kafka_controller_payload_alone_is_enough_and_a_bare_controller_is_generic():
    payload = b'{"version":1,"brokerid":3,"timestamp":"1700000000000"}'
    assert detect(listing("/k", eph("controller", S1, payload))).recipe == "Kafka controller"
    assert detect(listing("/k", eph("controller", S1, b"me"))).recipe == "generic leader node"


def test_kafka_isr_change_notifications_are_a_queue_not_a_lock():
    children = (per("isr_change_0000000011"), per("isr_change_0000000010"))
    found = detect(listing("/kafka/isr_change_notification", *children))
    assert (found.kind, found.recipe) == ("queue", "Kafka ISR change notifications")
    assert nodes(found.items) == ["isr_change_0000000010", "isr_change_0000000011"]
    assert found.holders == () and found.waiters == ()
    # The same log somewhere unknown is still a queue: persistent sequential nodes hold nothing.
    elsewhere = detect(listing("/somewhere", *children))
    assert (elsewhere.kind, elsewhere.recipe) == ("queue", "generic queue")


def test_hbase_master_backup_masters_and_region_servers():
    owner = b"12345@master1"
    server_name = pb_string(1, b"master1.example.com") + pb_int(2, 16000) + pb_int(3, T0)
    master_data = b"\xff" + struct.pack(">i", len(owner)) + owner + b"PBUF" + pb_string(1, server_name)
    hbase = listing(
        "/hbase",
        eph("master", S1, master_data),
        per("backup-masters"),
        per("rs"),
        per("meta-region-server"),
        per("hbaseid"),
    )
    backups = listing("/hbase/backup-masters", eph("master2.example.com,16000,1700000000456", S2))
    servers = listing(
        "/hbase/rs",
        eph("rs2.example.com,16020,1700000000789", S3),
        eph("rs1.example.com,16020,1700000000123", S4),
    )
    found = {r.path: r for r in detect_all([hbase, backups, servers])}
    master = found["/hbase/master"]
    assert (master.kind, master.recipe) == ("leader-node", "HBase master")
    assert master.holders[0].identity == "12345@master1 master1.example.com:16000"
    assert (found["/hbase/backup-masters"].kind, found["/hbase/backup-masters"].recipe) == (
        "membership",
        "HBase backup masters",
    )
    region_servers = found["/hbase/rs"]
    assert region_servers.recipe == "HBase region servers"
    assert nodes(region_servers.members) == [
        "rs1.example.com,16020,1700000000123",
        "rs2.example.com,16020,1700000000789",
    ]


def test_hadoop_ha_elector_lock_is_a_leader_node():
    info = pb_string(1, b"ns1") + pb_string(2, b"nn1") + pb_string(3, b"nn1.example.com") + pb_int(4, 8020)
    found = detect(
        listing("/hadoop-ha/ns1", eph("ActiveStandbyElectorLock", S1, info), per("ActiveBreadCrumb", info))
    )
    assert (found.path, found.kind, found.recipe) == (
        "/hadoop-ha/ns1/ActiveStandbyElectorLock",
        "leader-node",
        "Hadoop HA elector",
    )
    assert found.holders[0].identity == "ns1 nn1 nn1.example.com:8020"


def test_solr_live_nodes_overseer_and_shard_elections():
    def solr(session: int, node: str, seq: int) -> ChildNode:
        return eph(f"{session}-{node}-n_{seq:010d}", session)

    overseer = listing(
        "/solr/overseer_elect/election",
        solr(S2, "10.0.0.2:8983_solr", 5),
        solr(S1, "10.0.0.1:8983_solr", 4),
        solr(S3, "10.0.0.3:8983_solr", 5),  # joinAtHead: a duplicate of the next sequence number
    )
    found = detect(overseer)
    assert (found.kind, found.recipe) == ("election", "Solr overseer election")
    assert sessions(found.holders) == [S1]
    assert [c.seq for c in found.waiters] == [5, 5]
    assert any("sequence 5" in note for note in found.notes)

    leader = detect(
        listing(
            "/solr/overseer_elect",
            per("election"),
            eph("leader", S1, b'{"id":"%d-10.0.0.1:8983_solr-n_0000000004"}' % S1),
        )
    )
    assert (leader.path, leader.kind, leader.recipe) == (
        "/solr/overseer_elect/leader",
        "leader-node",
        "Solr overseer election",
    )
    assert leader.holders[0].identity == f"{S1}-10.0.0.1:8983_solr-n_0000000004"

    shard = detect(listing("/solr/collections/c1/leader_elect/shard1/election", solr(S2, "core_node2", 1)))
    assert (shard.kind, shard.recipe) == ("election", "Solr shard leader election")
    live = detect(listing("/solr/live_nodes", eph("10.0.0.1:8983_solr", S1), eph("10.0.0.2:8983_solr", S2)))
    assert (live.kind, live.recipe) == ("membership", "Solr live nodes")


def test_dubbo_providers_are_members():
    url = "dubbo%3A%2F%2F10.0.0.7%3A20880%2Fcom.example.Greeter%3Fanyhost%3Dtrue"
    found = detect(listing("/dubbo/com.example.Greeter/providers", eph(url, S1)))
    assert (found.kind, found.recipe) == ("membership", "Dubbo providers")
    assert nodes(found.members) == [url]


# ----- generic rules ---------------------------------------------------------------------------------


def test_generic_contention_lowest_of_a_shared_stem_holds():
    found = detect(listing("/app/jobs", eph("job-0000000002", S2), eph("job-0000000001", S1), per("config")))
    assert (found.kind, found.recipe) == ("lock", "generic contention")
    assert sessions(found.holders) == [S1] and sessions(found.waiters) == [S2]


def test_generic_contention_on_an_election_path_is_an_election():
    found = detect(
        listing("/ledgers/underreplication/auditorelection", eph("V_0000000001", S1), eph("V_0000000002", S2))
    )
    assert (found.kind, found.recipe) == ("election", "generic contention")


def test_a_lone_ephemeral_sequential_child_holds_with_nobody_waiting():
    found = detect(listing("/app/once", eph("task-0000000004", S1)))
    assert sessions(found.holders) == [S1] and found.waiters == ()


def test_generic_contention_takes_the_largest_stem_group():
    found = detect(
        listing(
            "/mesos",
            eph("json.info_0000000003", S1),
            eph("json.info_0000000005", S2),
            eph("log_replicas_0000000004", S3),
        )
    )
    assert nodes(found.holders + found.waiters) == ["json.info_0000000003", "json.info_0000000005"]


def test_generic_membership_and_queue():
    members = detect(listing("/app/workers", eph("w10", S1), eph("w2", S2), eph("w1", S3)))
    assert (members.kind, members.recipe) == ("membership", "generic membership")
    assert nodes(members.members) == ["w1", "w2", "w10"]
    queue = detect(
        listing("/app/tasks", per("task-0000000002"), per("task-0000000001"), per("task-0000000003"))
    )
    assert (queue.kind, queue.recipe) == ("queue", "generic queue")
    assert [c.seq for c in queue.items] == [1, 2, 3]


def test_a_lone_leader_named_child_is_a_leader_node_not_a_group_of_one():
    found = detect(listing("/app", eph("leader", S1, b"me:8080"), per("config")))
    assert (found.path, found.kind, found.recipe) == ("/app/leader", "leader-node", "generic leader node")
    alone = detect(listing("/app2", eph("master", S1)))
    assert (alone.kind, alone.path) == ("leader-node", "/app2/master")


@pytest.mark.parametrize(
    "children",
    [(), (per("a"), per("b")), (per("config"), eph("worker", S1))],
    ids=["empty", "persistent", "one-ephemeral-among-persistent"],
)
def test_nothing_is_detected_where_nothing_contends(children):
    assert detect(listing("/app", *children)) is None


def test_mutexes_of_different_libraries_on_one_path_contend_by_sequence():
    # kazoo's extra_lock_patterns lets a kazoo Lock queue with Curator's on the same path.
    found = detect(
        listing("/app/lock", eph(KZ_A + "__lock__0000000002", S2), eph(CU_A + "lock-0000000001", S1))
    )
    assert (found.kind, found.recipe) == ("lock", "generic contention")
    assert sessions(found.holders) == [S1] and sessions(found.waiters) == [S2]


# ----- ordering --------------------------------------------------------------------------------------


def test_a_wrapped_negative_sequence_orders_first():
    found = detect(
        listing(
            "/app/lock",
            eph(KZ_A + "__lock__2147483647", S1),
            eph(KZ_B + "__lock__-2147483648", S2),
            eph(KZ_C + "__lock__0000000001", S3),
        )
    )
    assert [c.seq for c in found.holders + found.waiters] == [-2147483648, 1, 2147483647]


def test_sequence_order_across_different_prefixes_is_numeric_never_lexical():
    found = detect(
        listing(
            "/app/lock",
            eph(CU_C + "lock-0000000010", S1),  # "_c_00..." sorts first lexically
            eph(CU_B + "lock-0000000002", S2),  # "_c_f0..." sorts last lexically
            eph(CU_A + "lock-0000000009", S3),
        )
    )
    assert [c.seq for c in found.holders + found.waiters] == [2, 9, 10]
    assert sessions(found.holders) == [S2]


# ----- results ---------------------------------------------------------------------------------------


def test_lock_json_shape():
    found = detect(
        listing(
            "/app/lock",
            eph(KZ_A + "__lock__0000000001", 0x100000123450000, b"a", T0),
            eph(KZ_B + "__lock__0000000002", -0x7FFF_FFFF_FFFF_FFF0, b"b", T0 + 5),  # signed jute long
        )
    )
    assert found.to_json() == {
        "path": "/app/lock",
        "recipe": "kazoo Lock",
        "holders": [
            {
                "node": KZ_A + "__lock__0000000001",
                "seq": 1,
                "session": "0x100000123450000",
                "client": None,
                "since": T0,
            }
        ],
        "waiters": [
            {
                "node": KZ_B + "__lock__0000000002",
                "seq": 2,
                "session": "0x8000000000000010",
                "client": None,
                "since": T0 + 5,
            }
        ],
    }


def test_membership_queue_rwlock_semaphore_and_leader_json_shapes():
    members = detect(listing("/brokers/ids", broker(1, S1)))
    assert members.to_json() == {
        "path": "/brokers/ids",
        "recipe": "Kafka brokers",
        "members": [{"node": "1", "session": hex(S1), "client": None, "since": T0}],
    }
    queue = detect(listing("/app/q", per("task-0000000001", ctime=T0 + 1), per("task-0000000002")))
    assert queue.to_json()["items"] == [
        {"node": "task-0000000001", "seq": 1, "since": T0 + 1},
        {"node": "task-0000000002", "seq": 2, "since": T0},
    ]
    rw = detect(
        listing("/app/rw", eph(KZ_A + "__rlock__0000000001", S1), eph(KZ_B + "__lock__0000000002", S2))
    )
    assert [entry["role"] for entry in rw.to_json()["holders"] + rw.to_json()["waiters"]] == ["read", "write"]
    semaphore = detect(listing("/app/sem", eph(KZ_A, S1), data=b"4"))
    assert semaphore.to_json()["max_leases"] == 4
    leader = detect(listing("/app", eph("leader", S1))).to_json()
    assert leader["holders"][0]["seq"] is None and leader["waiters"] == []
    json.dumps([members.to_json(), queue.to_json(), rw.to_json(), semaphore.to_json(), leader])


def test_contender_knows_the_server_that_created_its_session():
    found = detect(listing("/app/lock", eph("job-0000000001", 3 << 56 | 0x1234)))
    assert found.holders[0].server_id == 3 and found.holders[0].session_hex == "0x300000000001234"


def test_container_and_ttl_markers_are_not_sessions():
    container = ChildNode("a-0000000001", 0x8000000000000000, None, T0)
    ttl = ChildNode("a-0000000002", 0xFF00_0000_0000_1000, None, T0)
    assert not container.ephemeral and not ttl.ephemeral and container.session == 0
    assert detect(listing("/app", container, ttl)).kind == "queue"


def test_detect_all_reports_every_recipe_by_path():
    found = detect_all(
        [
            listing("/z/lock", eph("job-0000000001", S1)),
            listing("/a", eph("leader", S1), eph("master", S2), per("config")),
            listing("/m/brokers/ids", broker(1, S1)),
            listing("/empty"),
        ]
    )
    assert [(r.path, r.kind) for r in found] == [
        ("/a/leader", "leader-node"),
        ("/a/master", "leader-node"),
        ("/m/brokers/ids", "membership"),
        ("/z/lock", "lock"),
    ]
    assert all(isinstance(r, Recipe) for r in found)
