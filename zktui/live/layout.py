"""What a walker read under one parent: the UI-free, I/O-free input of recipe detection."""

from __future__ import annotations

from dataclasses import dataclass

from zktui.core.zkformat import CONTAINER_OWNER, TTL_OWNER_PREFIX

_U64 = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class ChildNode:
    """One child as a client read it: name, ephemeralOwner, data (None when not read) and ctime in ms."""

    name: str
    ephemeral_owner: int
    data: bytes | None
    ctime_ms: int

    @property
    def owner(self) -> int:
        # jute longs are signed; sessions are shown and compared as the unsigned 64-bit value.
        return self.ephemeral_owner & _U64

    @property
    def ephemeral(self) -> bool:
        """Owned by a session. Container and TTL markers only appear in data that bypassed a client read."""
        owner = self.owner
        return owner != 0 and owner != CONTAINER_OWNER and owner >> 56 != TTL_OWNER_PREFIX

    @property
    def session(self) -> int:
        """The owning session id, 0 for persistent nodes."""
        return self.owner if self.ephemeral else 0


@dataclass(frozen=True)
class ParentListing:
    """A parent's children; `data` is its own data when read (a kazoo Semaphore keeps its max there)."""

    path: str
    children: tuple[ChildNode, ...]
    data: bytes | None = None

    def has_child(self, name: str) -> bool:
        return any(child.name == name for child in self.children)
