"""A node's children with their stats, for browsing: one listing, then pipelined stat reads."""

from __future__ import annotations

from kazoo.exceptions import NoNodeError
from kazoo.protocol.states import ZnodeStat

from zktui.core.paths import join, sort_children


def read_children(client, path: str, watch=None) -> tuple[list[str], ZnodeStat]:
    """The children in browsing order (sequence numbers numerically) and the parent's stat.

    `watch`: a one-shot child watch, for servers without persistent watches (before 3.6)."""
    names, stat = client.get_children(path, watch=watch, include_data=True)
    return sort_children(names), stat


def read_stats(client, parent: str, names: list[str]) -> list[ZnodeStat | None]:
    """Stats of many children at once: all requests in flight together, answers in order."""
    pending = [client.exists_async(join(parent, name)) for name in names]
    stats: list[ZnodeStat | None] = []
    for result in pending:
        try:
            stats.append(result.get())
        except NoNodeError:
            stats.append(None)
    return stats
