"""Turn the children of a recognised recipe into holders and waiters, members, or queue items."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from zktui.core.decode import decode_identity
from zktui.core.paths import INT32_MAX, join
from zktui.live.layout import ChildNode
from zktui.live.model import Contender, Recipe
from zktui.live.names import parse_name

LEADER_NODE_NOTE = "waiters are invisible here: standbys only watch this node (wchp shows them)"
_DIGITS = re.compile(r"(\d+)")


def to_contender(child: ChildNode, role: str | None = None, watches: str | None = None) -> Contender:
    identity = decode_identity(child.data) if child.data else None
    seq = parse_name(child.name).seq
    return Contender(child.name, seq, child.session, identity, role, child.ctime_ms, watches)


def sequence_key(child: ChildNode) -> tuple[int, str]:
    """Grant order: the sequence number as a signed int, then the name (Solr and Curator duplicate numbers).

    Never the name alone: prefixes differ per client, so a lexical sort puts `_c_0...-lock-0000000010`
    before `_c_f...-lock-0000000002`.
    """
    seq = parse_name(child.name).seq
    return (INT32_MAX + 1 if seq is None else seq, child.name)


def natural_key(name: str) -> tuple:
    """Members for people: broker 2 before broker 10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(name))


def line_up(path: str, children: Iterable[ChildNode]) -> tuple[tuple[Contender, ...], tuple[Contender, ...]]:
    """(holders, waiters) of a mutex: the lowest holds; each waiter watches the one just ahead of it."""
    ordered = sorted(children, key=sequence_key)
    contenders = [
        to_contender(child, watches=join(path, ordered[index - 1].name) if index else None)
        for index, child in enumerate(ordered)
    ]
    return tuple(contenders[:1]), tuple(contenders[1:])


def waiting_line(path: str, children: Iterable[ChildNode], head_watches: str) -> tuple[Contender, ...]:
    """Contenders that all wait: the first on `head_watches` (a semaphore's leases), the rest in line."""
    ordered = sorted(children, key=sequence_key)
    return tuple(
        to_contender(child, watches=join(path, ordered[index - 1].name) if index else head_watches)
        for index, child in enumerate(ordered)
    )


def exclusive(path: str, kind: str, recipe: str, children: Iterable[ChildNode]) -> Recipe:
    """A mutex or an election: the lowest sequence number holds, the others wait in order."""
    ordered = sorted(children, key=sequence_key)
    holders, waiters = line_up(path, ordered)
    return Recipe(path, kind, recipe, holders, waiters, notes=duplicate_notes(ordered))


def read_write(
    path: str,
    recipe: str,
    children: Iterable[ChildNode],
    role_of: Callable[[str], str],
    readers_watch_first_writer: bool,
) -> Recipe:
    """Readers hold while no writer is ahead of them; a writer holds only when nothing is ahead of it.

    A waiting writer watches its predecessor. A waiting reader watches a writer ahead of it: kazoo picks
    the nearest one, Curator the first one.
    """
    ordered = sorted(children, key=sequence_key)
    holders: list[Contender] = []
    waiters: list[Contender] = []
    writers_ahead: list[str] = []
    for index, child in enumerate(ordered):
        role = role_of(child.name)
        if role == "write":
            watches = join(path, ordered[index - 1].name) if index else None
            writers_ahead.append(child.name)
        elif writers_ahead:
            watches = join(path, writers_ahead[0] if readers_watch_first_writer else writers_ahead[-1])
        else:
            watches = None
        contender = to_contender(child, role, watches)
        (waiters if watches else holders).append(contender)
    return Recipe(path, "rwlock", recipe, tuple(holders), tuple(waiters), notes=duplicate_notes(ordered))


def membership(path: str, recipe: str, children: Iterable[ChildNode]) -> Recipe:
    members = sorted(children, key=lambda child: natural_key(child.name))
    return Recipe(path, "membership", recipe, members=tuple(to_contender(child) for child in members))


def queue(
    path: str, recipe: str, children: Iterable[ChildNode], key: Callable[[ChildNode], tuple] = sequence_key
) -> Recipe:
    """A persistent sequential log: items in the order consumers take them, nobody holding anything."""
    items = sorted(children, key=key)
    return Recipe(path, "queue", recipe, items=tuple(to_contender(child) for child in items))


def leader_node(parent_path: str, recipe: str, child: ChildNode) -> Recipe:
    """A single ephemeral node with a fixed name: its owner leads; who waits cannot be seen in the tree."""
    path = join(parent_path, child.name)
    return Recipe(path, "leader-node", recipe, holders=(to_contender(child),), notes=(LEADER_NODE_NOTE,))


def duplicate_notes(ordered: Sequence[ChildNode]) -> tuple[str, ...]:
    counts = Counter(parse_name(child.name).seq for child in ordered)
    duplicated = sorted(seq for seq, count in counts.items() if seq is not None and count > 1)
    return tuple(
        f"sequence {seq} is used by {counts[seq]} nodes (Solr joinAtHead or a Curator lock downgrade)"
        for seq in duplicated
    )
