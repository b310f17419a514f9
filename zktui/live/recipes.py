"""Recipe detection: which locks, elections, semaphores, groups and queues live under which parents.

Precedence, most specific first (see design/RECIPES.md):
1. known systems by path suffix (Kafka brokers/ids, Solr overseer_elect/election, ...);
2. library recipes by node names (kazoo, Curator, go-zookeeper, ZooKeeper recipes, Solr), including the
   compound semaphores; a mutex-shaped recipe is an election when its path says so;
3. generic shapes: contention, queue, membership;
4. otherwise, single ephemeral fixed-name children that mark a leader (Kafka /controller, HBase master).

Everything here is pure: listings in, recipes out. `ChildNode` and `ParentListing` come from a walker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from zktui.live.generic import generic_recipe
from zktui.live.layout import ChildNode, ParentListing
from zktui.live.model import KINDS, Contender, Detection, Recipe
from zktui.live.names import parse_name, stem
from zktui.live.signatures import library_detection
from zktui.live.systems import known_group, leader_nodes

__all__ = [
    "KINDS",
    "ChildNode",
    "Contender",
    "ParentListing",
    "Recipe",
    "detect",
    "detect_all",
    "parse_name",
    "stem",
]


def detect(listing: ParentListing, neighbours: Mapping[str, ParentListing] | None = None) -> Recipe | None:
    """The recipe this parent's children form, else the first leader node among them, else None.

    `neighbours` (other listings by path) lets a semaphore gather its second parent: kazoo's
    `<path>-__lock__` or Curator's `locks` next to `leases`.
    """
    found = _detections(listing, neighbours or {})
    return found[0].recipe if found else None


def detect_all(listings: Iterable[ParentListing]) -> list[Recipe]:
    """Every recipe in these listings, by path; each listing is reported once, inside the recipe built
    from the most listings (a kazoo Semaphore's `-__lock__` lock is not also shown as a kazoo Lock)."""
    by_path = {listing.path: listing for listing in listings}
    detections = [found for listing in by_path.values() for found in _detections(listing, by_path)]
    absorbed = {path for found in detections if len(found.sources) > 1 for path in found.sources}
    kept: dict[tuple[str, str], Recipe] = {}
    for found in detections:
        if len(found.sources) == 1 and found.sources <= absorbed:
            continue
        kept.setdefault((found.recipe.path, found.recipe.kind), found.recipe)
    return sorted(kept.values(), key=lambda recipe: recipe.path)


def _detections(listing: ParentListing, neighbours: Mapping[str, ParentListing]) -> list[Detection]:
    sources = frozenset({listing.path})
    group = known_group(listing)
    if group is not None:
        return [Detection(group, sources)]
    library = library_detection(listing, neighbours)
    if library is not None:
        return [library]
    group = generic_recipe(listing)
    if group is not None:
        return [Detection(group, sources)]
    return [Detection(recipe, sources) for recipe in leader_nodes(listing)]
