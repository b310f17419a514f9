"""What recipe detection reports: contenders and members, and the recipe they take part in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zktui.core.zkformat import session_hex

KINDS = ("lock", "rwlock", "semaphore", "election", "membership", "queue", "leader-node")
# Kinds whose entries are holders and waiters (a leader node is a one-holder election with hidden waiters).
CONTENTION_KINDS = ("lock", "rwlock", "semaphore", "election", "leader-node")


@dataclass(frozen=True)
class Contender:
    """One node of a recipe: a lock contender, a lease, a group member or a queue item.

    `session` is the unsigned ephemeral owner (0 for persistent queue items); `identity` is what its payload
    says about the client (`decode_identity`); `role` is "read"/"write" in read/write locks; `watches` is the
    path of the node a waiter waits on, as its library picks it (None for holders and members).
    """

    node: str
    seq: int | None
    session: int
    identity: str | None
    role: str | None = None
    ctime_ms: int = 0
    watches: str | None = None

    @property
    def session_hex(self) -> str:
        return session_hex(self.session)

    @property
    def server_id(self) -> int | None:
        """The myid of the server that created the session (its top byte), None without a session."""
        return self.session >> 56 if self.session else None


@dataclass(frozen=True)
class Recipe:
    """A recipe found under `path`: `kind` is one of KINDS, `recipe` a name people recognise ("kazoo Lock").

    Holders and waiters are in the order the library grants them; members in natural name order; queue
    items oldest first. `max_leases` is known for kazoo semaphores only. `notes` say what to be wary of.
    """

    path: str
    kind: str
    recipe: str
    holders: tuple[Contender, ...] = ()
    waiters: tuple[Contender, ...] = ()
    members: tuple[Contender, ...] = ()
    items: tuple[Contender, ...] = ()
    max_leases: int | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The shape `--json` prints; "client" stays None until a module that reads `cons` fills it in."""
        if self.kind == "membership":
            members = [_member_entry(member) for member in self.members]
            return {"path": self.path, "recipe": self.recipe, "members": members}
        if self.kind == "queue":
            items = [{"node": item.node, "seq": item.seq, "since": item.ctime_ms} for item in self.items]
            return {"path": self.path, "recipe": self.recipe, "items": items}
        with_role = self.kind == "rwlock"
        shape: dict[str, Any] = {
            "path": self.path,
            "recipe": self.recipe,
            "holders": [_contender_entry(holder, with_role) for holder in self.holders],
            "waiters": [_contender_entry(waiter, with_role) for waiter in self.waiters],
        }
        if self.kind == "semaphore":
            shape["max_leases"] = self.max_leases
        return shape


@dataclass(frozen=True)
class Detection:
    """A recipe and the paths of every listing it was assembled from (a semaphore uses two)."""

    recipe: Recipe
    sources: frozenset[str]


def _contender_entry(contender: Contender, with_role: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "node": contender.node,
        "seq": contender.seq,
        "session": contender.session_hex,
        "client": None,
        "since": contender.ctime_ms,
    }
    if with_role:
        entry["role"] = contender.role
    return entry


def _member_entry(member: Contender) -> dict[str, Any]:
    return {"node": member.node, "session": member.session_hex, "client": None, "since": member.ctime_ms}
