"""Recipes recognised by shape alone, when no known system or library naming matched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from zktui.live import shapes
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.model import Recipe
from zktui.live.names import parse_name
from zktui.live.systems import is_leader_name, mentions_election


def generic_recipe(listing: ParentListing) -> Recipe | None:
    """Ephemeral sequential siblings sharing a stem contend (the lowest holds); persistent sequential ones
    sharing a stem are a queue or notification log, where nobody holds anything (Kafka's isr_change_);
    ephemeral children with their own names are a group's members."""
    path, children = listing.path, listing.children
    sequential = [child for child in children if parse_name(child.name).seq is not None]
    contenders = [child for child in sequential if child.ephemeral]
    if contenders:
        group = _largest_stem_group(contenders)
        if len(group) >= 2 or len(contenders) == 1:
            kind = "election" if mentions_election(path) else "lock"
            return shapes.exclusive(path, kind, "generic contention", group)
    entries = [child for child in sequential if not child.ephemeral]
    if entries:
        group = _largest_stem_group(entries)
        if len(group) >= 2 or len(children) == 1:
            return shapes.queue(path, "generic queue", group)
    if children and all(child.ephemeral for child in children) and not _lone_leader(children):
        return shapes.membership(path, "generic membership", children)
    return None


def _largest_stem_group(children: Sequence[ChildNode]) -> list[ChildNode]:
    """Children of the most common stem; on a tie, the stem of the lowest sequence number."""
    groups: dict[str, list[ChildNode]] = defaultdict(list)
    for child in sorted(children, key=shapes.sequence_key):
        groups[parse_name(child.name).stem].append(child)
    return max(groups.values(), key=len)  # max keeps the first of equals: the group that starts lowest


def _lone_leader(children: Sequence[ChildNode]) -> bool:
    # A single `leader` or `master` child is a leader node, not a group of one.
    return len(children) == 1 and is_leader_name(children[0].name)
