"""Known systems recognised by where they keep their nodes (Kafka, HBase, Hadoop, Solr, Dubbo, ClickHouse).

Paths are matched by their last segments, so a chroot or a namespace in front (`/kafka/brokers/ids`)
changes nothing. Rules only match when the children look the way that system writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from zktui.live import shapes
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.model import Recipe
from zktui.live.names import sequence_of

ANY = "*"

# A path that says what its contenders are for turns a mutex-shaped recipe into an election. Only the last
# two segments count: an application prefix such as /master-cluster must not make every lock an election.
_ELECTION_WORDS = re.compile(r"leader|elect|master|selector|latch", re.IGNORECASE)
# Fixed names of single ephemeral nodes that mean "I lead" (Hadoop's ActiveStandbyElectorLock ends in Lock).
_LEADER_NAMES = re.compile(r"(?i:leader|master|controller|active|is_active|lock)|.*Lock")

_SERVER_NAME = re.compile(r"[^,/]+,\d+,\d+")  # HBase ServerName: host,port,startcode
_KAZOO_QUEUE_ENTRY = re.compile(r"entry-\d{3}-\d{10}")
_DUBBO_URL = re.compile(r"[a-z][a-z0-9+.-]*%3A%2F%2F.*")  # url-encoded scheme://


@dataclass(frozen=True)
class GroupRule:
    """All children of a parent form one recipe: `kind` is membership, queue or election."""

    recipe: str
    kind: str
    suffix: tuple[str, ...]
    child_name: re.Pattern[str] | None = None
    match_empty: bool = True  # an empty group still says something ("no brokers") when the path is specific

    def matches(self, listing: ParentListing) -> bool:
        if not suffix_matches(listing.path, self.suffix):
            return False
        if not listing.children:
            return self.match_empty
        if self.child_name and not all(self.child_name.fullmatch(c.name) for c in listing.children):
            return False
        return all(_fits(self.kind, child) for child in listing.children)


@dataclass(frozen=True)
class LeafRule:
    """One fixed-name ephemeral child is a system's leader node.

    When `siblings` or `payload` are given, one of them must confirm the system: a sibling only that system
    creates next to the node, or a payload only it writes.
    """

    recipe: str
    name: str
    parent_suffix: tuple[str, ...] = ()
    siblings: frozenset[str] = frozenset()
    payload: Callable[[bytes], bool] | None = None

    def matches(self, listing: ParentListing, child: ChildNode) -> bool:
        if child.name != self.name or not suffix_matches(listing.path, self.parent_suffix):
            return False
        if not self.siblings and self.payload is None:
            return True
        if any(listing.has_child(sibling) for sibling in self.siblings):
            return True
        return self.payload is not None and bool(child.data) and self.payload(child.data)


def _is_kafka_controller(data: bytes) -> bool:
    return data.lstrip().startswith(b"{") and b'"brokerid"' in data


def _is_hbase_payload(data: bytes) -> bool:
    return data[:1] == b"\xff"  # RecoverableZooKeeper's magic byte before every payload


GROUP_RULES: tuple[GroupRule, ...] = (
    GroupRule("Kafka brokers", "membership", ("brokers", "ids"), re.compile(r"\d+")),
    GroupRule(
        "Kafka ISR change notifications", "queue", ("isr_change_notification",), re.compile(r"isr_change_.*")
    ),
    GroupRule(
        "Kafka config changes",
        "queue",
        ("config", "changes"),
        re.compile(r"config_change_.*"),
        match_empty=False,
    ),
    GroupRule("HBase backup masters", "membership", ("backup-masters",), _SERVER_NAME),
    GroupRule("HBase region servers", "membership", ("rs",), _SERVER_NAME, match_empty=False),
    GroupRule("Solr live nodes", "membership", ("live_nodes",)),
    GroupRule("Solr overseer election", "election", ("overseer_elect", "election")),
    GroupRule("Solr shard leader election", "election", ("leader_elect", ANY, "election")),
    # kazoo LockingQueue: a consumer holds an entry by an ephemeral node of the same name under taken/.
    GroupRule("kazoo LockingQueue taken", "membership", ("taken",), _KAZOO_QUEUE_ENTRY, match_empty=False),
    GroupRule("Dubbo providers", "membership", ("providers",), _DUBBO_URL, match_empty=False),
    GroupRule("Dubbo consumers", "membership", ("consumers",), _DUBBO_URL, match_empty=False),
)

LEAF_RULES: tuple[LeafRule, ...] = (
    LeafRule(
        "Kafka controller",
        "controller",
        siblings=frozenset({"brokers", "controller_epoch"}),
        payload=_is_kafka_controller,
    ),
    LeafRule(
        "HBase master",
        "master",
        siblings=frozenset({"backup-masters", "rs", "meta-region-server"}),
        payload=_is_hbase_payload,
    ),
    LeafRule("Hadoop HA elector", "ActiveStandbyElectorLock"),
    LeafRule("Solr overseer election", "leader", parent_suffix=("overseer_elect",)),
    LeafRule("Solr shard leader election", "leader", parent_suffix=("leaders", ANY)),
    LeafRule("ClickHouse replica", "is_active", parent_suffix=("replicas", ANY)),
)


def known_group(listing: ParentListing) -> Recipe | None:
    """The recipe of a known system's parent (Kafka's brokers/ids, Solr's election...), or None."""
    for rule in GROUP_RULES:
        if rule.matches(listing):
            if rule.kind == "membership":
                return shapes.membership(listing.path, rule.recipe, listing.children)
            if rule.kind == "queue":
                return shapes.queue(listing.path, rule.recipe, listing.children)
            return shapes.exclusive(listing.path, "election", rule.recipe, listing.children)
    return None


def leader_nodes(listing: ParentListing) -> list[Recipe]:
    """Ephemeral fixed-name children that mark a leader: a known system's, else any leader-like name."""
    found = []
    for child in listing.children:
        if not child.ephemeral:
            continue
        known = next((rule for rule in LEAF_RULES if rule.matches(listing, child)), None)
        if known is not None:
            found.append(shapes.leader_node(listing.path, known.recipe, child))
        elif is_leader_name(child.name):
            found.append(shapes.leader_node(listing.path, "generic leader node", child))
    return found


def is_leader_name(name: str) -> bool:
    return _LEADER_NAMES.fullmatch(name) is not None


def mentions_election(path: str) -> bool:
    return _ELECTION_WORDS.search("/".join(path.rsplit("/", 2)[-2:])) is not None


def suffix_matches(path: str, suffix: tuple[str, ...]) -> bool:
    if not suffix:
        return True
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < len(suffix):
        return False
    tail = segments[len(segments) - len(suffix) :]
    return all(want in (ANY, have) for want, have in zip(suffix, tail, strict=True))


def _fits(kind: str, child: ChildNode) -> bool:
    if kind == "queue":
        return not child.ephemeral and sequence_of(child.name) is not None
    if kind == "election":
        return child.ephemeral and sequence_of(child.name) is not None
    return child.ephemeral
