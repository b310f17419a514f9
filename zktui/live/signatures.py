"""Recipes recognised by how their library names its nodes: kazoo, Curator, go-zookeeper, ZooKeeper's
own recipes and Solr. Semaphores span two parents, so these rules may look at neighbouring listings."""

from __future__ import annotations

import json
import re
from collections import ChainMap
from collections.abc import Mapping, Sequence

from zktui.core.paths import join, parent
from zktui.live import shapes
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.model import Detection, Recipe
from zktui.live.names import parse_name
from zktui.live.systems import mentions_election

# (prefix family, stem) of an ephemeral sequential child -> the part of a recipe it plays.
_TAGS: dict[tuple[str | None, str], str] = {
    ("kazoo", "__lock__"): "kazoo-lock",
    ("kazoo", "__rlock__"): "kazoo-rlock",
    ("curator", "lock-"): "curator-lock",
    ("curator", "__READ__"): "curator-read",
    ("curator", "__WRIT__"): "curator-write",
    ("curator", "lease-"): "curator-lease",
    ("curator", "latch-"): "curator-latch",
    ("go-zookeeper", "lock-"): "go-lock",
    ("zookeeper", ""): "zookeeper-lock",
    ("solr", "n_"): "solr-election",
    (None, "n_"): "zookeeper-election",
}
# Tags that may share a parent (the two sides of a read/write lock); any other mix is left to the generic
# rules rather than guessed.
_SHARED_FAMILY = {"kazoo-rlock": "kazoo-lock", "curator-read": "curator-rw", "curator-write": "curator-rw"}
# Mutexes of different libraries can share a path (kazoo's extra_lock_patterns exists for Curator's).
_MUTEX_TAGS = frozenset({"kazoo-lock", "curator-lock", "go-lock", "zookeeper-lock"})

KAZOO_SEMAPHORE_LOCK_SUFFIX = "-__lock__"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_KAZOO_QUEUE_ENTRY = re.compile(r"entry-(\d{3})-")
_DIGITS = re.compile(rb"\s*\d+\s*")


def tag_of(child: ChildNode) -> str | None:
    """The recipe part an ephemeral sequential child plays, judged by its name; None if unknown."""
    name = parse_name(child.name)
    if not child.ephemeral or name.seq is None:
        return None
    return _TAGS.get((name.family, name.stem))


def library_detection(listing: ParentListing, neighbours: Mapping[str, ParentListing]) -> Detection | None:
    """A library recipe under this parent, judged by child names (and payloads for service discovery)."""
    # The listing itself among its neighbours, so that both halves of a semaphore are found the same way.
    around = ChainMap({listing.path: listing}, neighbours)
    tagged = [(child, tag) for child in listing.children if (tag := tag_of(child)) is not None]
    if tagged:
        return _contention(listing, tagged, around)
    semaphore = _kazoo_semaphore(listing, around)
    if semaphore is not None:
        return semaphore
    if listing.path.endswith("/leases") and join(parent(listing.path), "locks") in around:
        return _curator_semaphore(parent(listing.path), around)
    recipe = _membership(listing) or _queue(listing)
    return Detection(recipe, frozenset({listing.path})) if recipe else None


def _contention(
    listing: ParentListing, tagged: list[tuple[ChildNode, str]], neighbours: Mapping[str, ParentListing]
) -> Detection | None:
    tags = {tag for _, tag in tagged}
    path, children = listing.path, [child for child, _ in tagged]
    election = mentions_election(path)
    sources = frozenset({path})
    recipe: Recipe | None = None
    if len({_SHARED_FAMILY.get(tag, tag) for tag in tags}) > 1:
        if not tags <= _MUTEX_TAGS:
            return None
        recipe = _exclusive(path, election, children, "generic contention", "generic contention")
    elif "kazoo-rlock" in tags:
        recipe = shapes.read_write(
            path, "kazoo ReadLock/WriteLock", children, _role, readers_watch_first_writer=False
        )
    elif tags & {"curator-read", "curator-write"}:
        recipe = shapes.read_write(
            path, "Curator InterProcessReadWriteLock", children, _role, readers_watch_first_writer=True
        )
    elif "kazoo-lock" in tags:
        semaphore = _semaphore_of_lock(path, neighbours)
        if semaphore is not None:
            return semaphore
        recipe = _exclusive(path, election, children, "kazoo Lock", "kazoo Election")
    elif "curator-lock" in tags:
        if path.endswith("/locks") and join(parent(path), "leases") in neighbours:
            return _curator_semaphore(parent(path), neighbours)
        recipe = _exclusive(path, election, children, "Curator InterProcessMutex", "Curator LeaderSelector")
    elif "curator-lease" in tags:
        return _curator_semaphore(parent(path), neighbours)
    elif "curator-latch" in tags:
        recipe = shapes.exclusive(path, "election", "Curator LeaderLatch", children)
    elif "go-lock" in tags:
        recipe = _exclusive(path, election, children, "go-zookeeper Lock", "go-zookeeper Lock")
    elif "zookeeper-lock" in tags:
        recipe = _exclusive(
            path, election, children, "ZooKeeper recipes WriteLock", "ZooKeeper recipes WriteLock"
        )
    elif "solr-election" in tags:
        name = "Solr overseer election" if "/overseer_elect/" in path + "/" else "Solr shard leader election"
        recipe = shapes.exclusive(path, "election", name, children)
    elif "zookeeper-election" in tags:
        recipe = shapes.exclusive(path, "election", "ZooKeeper LeaderElectionSupport", children)
    return Detection(recipe, sources) if recipe else None


def _exclusive(
    path: str, election: bool, children: Sequence[ChildNode], lock_name: str, election_name: str
) -> Recipe:
    # Mutexes and elections share a shape (kazoo's Election is its Lock); the path tells them apart.
    if election:
        return shapes.exclusive(path, "election", election_name, children)
    return shapes.exclusive(path, "lock", lock_name, children)


def _role(name: str) -> str:
    stem = parse_name(name).stem
    return "read" if stem in ("__rlock__", "__READ__") else "write"


# ----- semaphores: two parents each ------------------------------------------------------------------


def _kazoo_semaphore(listing: ParentListing, neighbours: Mapping[str, ParentListing]) -> Detection | None:
    """kazoo Semaphore: leases are ephemeral children named by a bare uuid hex, the parent's data is
    max_leases, and a kazoo Lock at `<path>-__lock__` queues whoever waits for a lease."""
    if not all(child.ephemeral and _is_bare_kazoo_uuid(child.name) for child in listing.children):
        return None
    max_leases = _ascii_int(listing.data)
    lock_listing = neighbours.get(listing.path + KAZOO_SEMAPHORE_LOCK_SUFFIX)
    if lock_listing is None and not (listing.children and max_leases is not None):
        return None
    holders = tuple(shapes.to_contender(child) for child in sorted(listing.children, key=_by_ctime))
    waiters: tuple = ()
    sources = {listing.path}
    if lock_listing is not None:
        contenders = [child for child in lock_listing.children if tag_of(child) == "kazoo-lock"]
        # The lock's holder waits for a lease (a watch on our children); the others wait for the lock.
        waiters = shapes.waiting_line(lock_listing.path, contenders, head_watches=listing.path)
        sources.add(lock_listing.path)
    recipe = Recipe(listing.path, "semaphore", "kazoo Semaphore", holders, waiters, max_leases=max_leases)
    return Detection(recipe, frozenset(sources))


def _semaphore_of_lock(lock_path: str, neighbours: Mapping[str, ParentListing]) -> Detection | None:
    """The kazoo Semaphore that this kazoo Lock (`<path>-__lock__`) guards, when its parent was read too."""
    semaphore_path = lock_path.removesuffix(KAZOO_SEMAPHORE_LOCK_SUFFIX)
    if semaphore_path == lock_path or semaphore_path not in neighbours:
        return None
    return _kazoo_semaphore(neighbours[semaphore_path], neighbours)


def _curator_semaphore(base: str, neighbours: Mapping[str, ParentListing]) -> Detection:
    """Curator InterProcessSemaphoreV2: lease nodes under `leases` hold, mutex contenders under `locks`
    wait. The mutex holder has already created its own lease and waits for the count to drop, so its
    newest lease (created after it took the mutex) is not held yet. max_leases is not stored anywhere."""
    leases_path, locks_path = join(base, "leases"), join(base, "locks")
    leases, locks = neighbours.get(leases_path), neighbours.get(locks_path)
    lease_nodes = [c for c in leases.children if tag_of(c) == "curator-lease"] if leases else []
    lock_nodes = [c for c in locks.children if tag_of(c) == "curator-lock"] if locks else []
    waiters = shapes.waiting_line(locks_path, lock_nodes, head_watches=leases_path)
    notes = ["max leases is not stored: each client passes its own"]
    if waiters:
        pending = _lease_of_waiting_client(lease_nodes, waiters[0].session, waiters[0].ctime_ms)
        if pending is not None:
            lease_nodes.remove(pending)
            notes.append(f"lease {pending.name} belongs to the mutex holder, which still waits for it")
    holders = tuple(shapes.to_contender(child) for child in sorted(lease_nodes, key=shapes.sequence_key))
    sources = frozenset(p for p, present in ((leases_path, leases), (locks_path, locks)) if present)
    recipe = Recipe(
        base, "semaphore", "Curator InterProcessSemaphoreV2", holders, waiters, notes=tuple(notes)
    )
    return Detection(recipe, sources)


def _lease_of_waiting_client(leases: list[ChildNode], session: int, locked_at_ms: int) -> ChildNode | None:
    mine = [lease for lease in leases if lease.session == session and lease.ctime_ms >= locked_at_ms]
    return max(mine, key=shapes.sequence_key) if mine else None


# ----- groups and queues -----------------------------------------------------------------------------


def _membership(listing: ParentListing) -> Recipe | None:
    children = listing.children
    if not children or not all(child.ephemeral and parse_name(child.name).seq is None for child in children):
        return None
    names = [parse_name(child.name) for child in children]
    if all(name.family == "kazoo" and name.stem == "__party__" for name in names):
        return shapes.membership(listing.path, "kazoo Party", children)
    if all(name.family == "kazoo" and name.prefix.endswith("-") and name.stem for name in names):
        return shapes.membership(listing.path, "kazoo ShallowParty", children)
    if all(_UUID.fullmatch(child.name) for child in children) and any(map(_is_service_instance, children)):
        return shapes.membership(listing.path, "Curator ServiceDiscovery", children)
    return None


def _queue(listing: ParentListing) -> Recipe | None:
    children = listing.children
    if not children or any(child.ephemeral or parse_name(child.name).seq is None for child in children):
        return None
    if all(_KAZOO_QUEUE_ENTRY.match(child.name) for child in children):
        name = "kazoo LockingQueue" if listing.path.endswith("/entries") else "kazoo Queue"
        return shapes.queue(listing.path, name, children, key=_kazoo_queue_order)
    if all(parse_name(child.name).stem == "qn-" for child in children):
        return shapes.queue(listing.path, "ZooKeeper recipes queue", children)
    return None


def _kazoo_queue_order(child: ChildNode) -> tuple:
    # kazoo takes the lowest priority number first, then the oldest entry.
    priority = _KAZOO_QUEUE_ENTRY.match(child.name)
    return (int(priority.group(1)) if priority else 0, *shapes.sequence_key(child))


def _is_service_instance(child: ChildNode) -> bool:
    """Curator's ServiceInstance JSON: name, id and its registration time or service type."""
    if not child.data or not child.data.lstrip().startswith(b"{"):
        return False
    try:
        value = json.loads(child.data)
    except (ValueError, RecursionError):
        return False
    if not isinstance(value, dict):
        return False
    return "name" in value and "id" in value and ("registrationTimeUTC" in value or "serviceType" in value)


def _is_bare_kazoo_uuid(name: str) -> bool:
    parsed = parse_name(name)
    return parsed.family == "kazoo" and parsed.prefix == name


def _ascii_int(data: bytes | None) -> int | None:
    return int(data) if data and _DIGITS.fullmatch(data) else None


def _by_ctime(child: ChildNode) -> tuple[int, str]:
    return (child.ctime_ms, child.name)
