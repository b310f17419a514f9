"""Find the recipes under a path: one pipelined walk, then pure detection on the parents that matter.

A parent matters when its children could form a recipe: one of them is ephemeral or sequential, or the
parent is a place a known system keeps a group (Kafka `/brokers/ids`, Solr `/live_nodes`), which says
something even when empty. Only those parents' children are kept, so memory follows the number of recipe
nodes, not the size of the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from kazoo.exceptions import NoAuthError, NoNodeError

from zktui.core.paths import is_under, join, parent
from zktui.core.priority import Foreground
from zktui.core.walk import WalkEntry, walk
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.model import Recipe
from zktui.live.names import sequence_of
from zktui.live.recipes import detect_all
from zktui.live.systems import ANY, GROUP_RULES, suffix_matches

SYSTEM_PATH = "/zookeeper"  # the server's own config and quota nodes: never a recipe


def discover(
    client,
    root: str = "/",
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    yield_to: Foreground | None = None,
) -> list[ParentListing]:
    """The listings of every parent under root whose children could form a recipe, with the parents' data.

    Raises NoNodeError when root does not exist, WalkCancelled when `cancel` is set. With `yield_to` the
    walk pauses while foreground work is under way (see zktui.core.priority).
    """
    entries = (entry for entry in walk(client, root, cancel=cancel, progress=progress, yield_to=yield_to)
               if not is_under(entry.path, SYSTEM_PATH))
    listings = list(_interesting_listings(entries, root))
    return _with_data(client, listings)


def find_recipes(
    client,
    root: str = "/",
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Recipe]:
    """Every recipe under root (root's own children included), sorted by path."""
    return detect_all(discover(client, root, cancel=cancel, progress=progress))


def read_listing(client, path: str, known: ParentListing | None = None,
                 changed: Iterable[str] = ()) -> ParentListing:
    """One parent read afresh (children, then each child's data and stat, all in flight at once).

    With `known` (the last listing) only children not in it, or named in `changed`, are read again: the
    caller saw no event for the others, so they are as they were.
    A parent that is gone reads as empty: its recipe has ended. Children that vanish between the listing
    and their read are left out, as a later read would show.
    """
    own = client.get_async(path)
    listed = client.get_children_async(path)
    try:
        names = listed.get()
        data = own.get()[0]
    except (NoNodeError, NoAuthError):
        return ParentListing(path, ())
    unchanged = {} if known is None else {child.name: child for child in known.children}
    for name in changed:
        unchanged.pop(name, None)
    replies = [(name, unchanged.get(name) or client.get_async(join(path, name))) for name in names]
    children = []
    for name, reply in replies:
        if isinstance(reply, ChildNode):
            children.append(reply)
            continue
        try:
            child_data, stat = reply.get()
        except (NoNodeError, NoAuthError):
            continue
        children.append(ChildNode(name, stat.ephemeralOwner, child_data, stat.ctime))
    return ParentListing(path, tuple(children), data)


def could_form_recipe(path: str, children: Iterable[ChildNode]) -> bool:
    """Whether a parent is worth keeping for detection."""
    if any(child.ephemeral or sequence_of(child.name) is not None for child in children):
        return True
    return is_system_group(path)


_EMPTY_GROUP_RULES = tuple(rule for rule in GROUP_RULES if rule.match_empty)
# Asked for every leaf of a walk (110,000 times on a big tree): most leaves end in no rule's last segment.
_LAST_SEGMENTS = frozenset(rule.suffix[-1] for rule in _EMPTY_GROUP_RULES if rule.suffix)
_ANY_LAST_SEGMENT = any(not rule.suffix or rule.suffix[-1] == ANY for rule in _EMPTY_GROUP_RULES)


def is_system_group(path: str) -> bool:
    """A path a known system keeps a group under, meaningful even with no children."""
    if not _ANY_LAST_SEGMENT and path.rsplit("/", 1)[-1] not in _LAST_SEGMENTS:
        return False
    return any(suffix_matches(path, rule.suffix) for rule in _EMPTY_GROUP_RULES)


def _interesting_listings(entries: Iterable[WalkEntry], root: str) -> Iterator[ParentListing]:
    """Group walked children by parent and keep the groups that could form a recipe.

    The walk is breadth first and issues a parent's children together, first in first out, so siblings
    arrive one after another: only the group being filled is held, data included.
    """
    group_parent: str | None = None
    group: list[ChildNode] = []
    for entry in entries:
        if entry.path != root and entry.stat is not None:
            entry_parent = parent(entry.path)
            if entry_parent != group_parent:
                if group_parent is not None and could_form_recipe(group_parent, group):
                    yield ParentListing(group_parent, tuple(group))
                group_parent, group = entry_parent, []
            group.append(ChildNode(entry.path.rsplit("/", 1)[1], entry.stat.ephemeralOwner, entry.data,
                                   entry.stat.ctime))
        if not entry.children and not entry.locked and is_system_group(entry.path):
            yield ParentListing(entry.path, ())  # an empty group never shows up as anyone's parent
    if group_parent is not None and could_form_recipe(group_parent, group):
        yield ParentListing(group_parent, tuple(group))


def _with_data(client, listings: list[ParentListing]) -> list[ParentListing]:
    """Read the data of each kept parent (a kazoo Semaphore keeps its max leases there) and of its children
    (contender and member identities), all in flight at once.

    Read afterwards rather than during the walk: the walk cannot know yet which nodes will matter, and
    reading every node's data would double the requests on a big tree.
    """
    replies = [(listing, client.get_async(listing.path), [client.get_async(join(listing.path, child.name))
                                                          for child in listing.children])
               for listing in listings]
    completed = []
    for listing, parent_reply, child_replies in replies:
        children = []
        for child, reply in zip(listing.children, child_replies, strict=True):
            try:
                data = reply.get()[0]
            except NoNodeError:
                continue  # gone since the walk: a later read would not show it either
            except NoAuthError:
                data = None
            children.append(replace(child, data=data))
        completed.append(ParentListing(listing.path, tuple(children), _data_or_none(parent_reply)))
    return completed


def _data_or_none(reply) -> bytes | None:
    try:
        return reply.get()[0]
    except (NoNodeError, NoAuthError):
        return None
