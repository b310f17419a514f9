"""ZooKeeper 3.5+ operations that kazoo 2.11 has no request types for.

Each request is a namedtuple in kazoo's own style (`type` is the opcode, `serialize()` writes the jute
record, `deserialize()` reads the response), so `client._call(request, async_result)` submits it like any
kazoo request: pipelined, with kazoo's exceptions (NoNodeError, BadArgumentsError, ...) on failure.
Wire formats follow zookeeper.jute (3.8). Every function honours the client's chroot.

Persistent watches need more than a request: see `zktui.core.watches` for the registry that dispatches
their events and re-adds them after every reconnect.
"""

from __future__ import annotations

import struct
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import NoWatcherError
from kazoo.interfaces import IAsyncResult
from kazoo.protocol.paths import _prefix_root
from kazoo.protocol.serialization import (
    int_struct,
    long_struct,
    read_string,
    stat_struct,
    write_buffer,
    write_string,
)
from kazoo.protocol.states import WatchedEvent, ZnodeStat
from kazoo.security import ACL, OPEN_ACL_UNSAFE

from zktui.core import watches
from zktui.core.watches import CheckWatches, RemoveWatches

# CreateMode flags (org.apache.zookeeper.CreateMode)
CONTAINER_FLAGS = 4
PERSISTENT_WITH_TTL_FLAGS = 5
PERSISTENT_SEQUENTIAL_WITH_TTL_FLAGS = 6

# WatcherType (org.apache.zookeeper.Watcher.WatcherType)
WATCHER_TYPES = {"children": 1, "data": 2, "any": 3}


def _write_acls(acls: Sequence[ACL]) -> bytes:
    out = bytearray(int_struct.pack(len(acls)))
    for acl in acls:
        out += int_struct.pack(acl.perms) + write_string(acl.id.scheme) + write_string(acl.id.id)
    return bytes(out)


def _read_path_and_stat(buffer: bytes, offset: int) -> tuple[str, ZnodeStat]:
    path, offset = read_string(buffer, offset)
    return path, ZnodeStat._make(stat_struct.unpack_from(buffer, offset))


def _read_string_vector(buffer: bytes, offset: int) -> tuple[list[str], int]:
    count = int_struct.unpack_from(buffer, offset)[0]
    offset += int_struct.size
    items = []
    for _ in range(max(count, 0)):  # -1 means a null vector
        item, offset = read_string(buffer, offset)
        items.append(item)
    return items, offset


class GetAllChildrenNumber(namedtuple("GetAllChildrenNumber", "path")):
    type = 104

    def serialize(self) -> bytes:
        return write_string(self.path)

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> int:
        return int_struct.unpack_from(buffer, offset)[0]


class GetEphemerals(namedtuple("GetEphemerals", "prefix_path")):
    type = 103

    def serialize(self) -> bytes:
        return write_string(self.prefix_path)

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> list[str]:
        return _read_string_vector(buffer, offset)[0]


class WhoAmI(namedtuple("WhoAmI", "")):
    """No request body; WhoAmIResponse{vector<ClientInfo{ustring authScheme; ustring user}>}."""

    type = 107

    def __bool__(self) -> bool:
        # kazoo only delivers a reply when `request` is truthy, and an empty namedtuple is not.
        return True

    def serialize(self) -> bytes:
        return b""

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> list[tuple[str, str]]:
        count = int_struct.unpack_from(buffer, offset)[0]
        offset += int_struct.size
        infos = []
        for _ in range(max(count, 0)):
            scheme, offset = read_string(buffer, offset)
            user, offset = read_string(buffer, offset)
            infos.append((scheme, user))
        return infos


class CreateContainer(namedtuple("CreateContainer", "path data acl flags")):
    """CreateRequest body under its own opcode; the reply is a Create2Response{path, stat}."""

    type = 19

    def serialize(self) -> bytes:
        return (
            write_string(self.path)
            + write_buffer(self.data)
            + _write_acls(self.acl)
            + int_struct.pack(self.flags)
        )

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> tuple[str, ZnodeStat]:
        return _read_path_and_stat(buffer, offset)


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    """CreateTTLRequest{path, data, acl, flags, long ttl}; the reply is a Create2Response{path, stat}."""

    type = 21

    def serialize(self) -> bytes:
        return (
            write_string(self.path)
            + write_buffer(self.data)
            + _write_acls(self.acl)
            + int_struct.pack(self.flags)
            + long_struct.pack(self.ttl)
        )

    @classmethod
    def deserialize(cls, buffer: bytes, offset: int) -> tuple[str, ZnodeStat]:
        return _read_path_and_stat(buffer, offset)


# ----- submitting -----


def server_path(client: KazooClient, path: str, trailing: bool = False) -> str:
    """The path as the server sees it: the client's chroot in front, normalised the way kazoo does it."""
    if not isinstance(path, str):
        raise TypeError("Invalid type for 'path' (string expected)")
    return _prefix_root(client.chroot, path, trailing=trailing)


def submit(
    client: KazooClient, request: Any, finish: Callable[[IAsyncResult], Any] | None = None
) -> IAsyncResult:
    """Queue request on client's connection.

    Without finish the result is the reply as kazoo delivers it. With finish, the result is what
    finish(reply) returns or raises; finish calls reply.get() itself, so it can translate errors too.
    """
    result = client.handler.async_result()
    if finish is None:
        client._call(request, result)
        return result

    def complete(reply: IAsyncResult) -> None:
        try:
            result.set(finish(reply))
        except Exception as exc:  # the server's error, or finish failing on a malformed reply
            result.set_exception(exc)

    reply = client.handler.async_result()
    if client._call(request, reply) is False:
        # kazoo refused at once (closed, expired, auth failed); its completion thread may be stopped already.
        complete(reply)
    else:
        reply.rawlink(complete)
    return result


def _unchrooted(client: KazooClient) -> Callable[[IAsyncResult], str]:
    """finish for creates: the path from a Create2Response, chroot stripped."""
    return lambda reply: client.unchroot(reply.get()[0])


def _check_create_args(client: KazooClient, data: bytes | None, acl: Sequence[ACL] | None) -> list[ACL]:
    """kazoo's own argument checks for create, so misuse fails the same way."""
    if data is not None and not isinstance(data, bytes):
        raise TypeError("Invalid type for 'data' (must be a byte string)")
    acl = acl if acl is not None else client.default_acl
    if acl and (isinstance(acl, ACL) or not isinstance(acl, (tuple, list))):
        raise TypeError("Invalid type for 'acl' (acl must be a tuple/list of ACL's)")
    return list(acl or OPEN_ACL_UNSAFE)


# ----- simple operations -----


def get_all_children_number_async(client: KazooClient, path: str) -> IAsyncResult:
    return submit(client, GetAllChildrenNumber(server_path(client, path)))


def get_all_children_number(client: KazooClient, path: str) -> int:
    """How many nodes lie below path (all levels, path itself not counted)."""
    return get_all_children_number_async(client, path).get()


def get_ephemerals_async(client: KazooClient, prefix: str = "/") -> IAsyncResult:
    if not isinstance(prefix, str):
        raise TypeError("Invalid type for 'prefix' (string expected)")
    if not prefix.startswith("/"):
        raise ValueError(f"prefix must start with '/', not {prefix!r}")
    # Not normalised: "/app/lock-" is a legitimate string prefix and must keep its shape. With a chroot the
    # prefix always ends up below "<chroot>/", so nothing outside the chroot can match.
    wire_prefix = (client.chroot or "") + prefix
    return submit(client, GetEphemerals(wire_prefix), lambda reply: sorted(map(client.unchroot, reply.get())))


def get_ephemerals(client: KazooClient, prefix: str = "/") -> list[str]:
    """This session's ephemeral nodes whose path starts with prefix (a string prefix, not a path), sorted."""
    return get_ephemerals_async(client, prefix).get()


def who_am_i_async(client: KazooClient) -> IAsyncResult:
    return submit(client, WhoAmI())


def who_am_i(client: KazooClient) -> list[tuple[str, str]]:
    """The identities the server holds for this session: (scheme, id) pairs, e.g. ("ip", "127.0.0.1")."""
    return who_am_i_async(client).get()


def create_container_async(
    client: KazooClient, path: str, data: bytes = b"", acl: Sequence[ACL] | None = None
) -> IAsyncResult:
    acls = _check_create_args(client, data, acl)
    request = CreateContainer(server_path(client, path), data, acls, CONTAINER_FLAGS)
    return submit(client, request, _unchrooted(client))


def create_container(
    client: KazooClient, path: str, data: bytes = b"", acl: Sequence[ACL] | None = None
) -> str:
    """Create a container node: the server deletes it once its last child is gone. Returns the path."""
    return create_container_async(client, path, data, acl).get()


def create_ttl_async(
    client: KazooClient,
    path: str,
    data: bytes = b"",
    *,
    ttl_ms: int,
    acl: Sequence[ACL] | None = None,
    sequential: bool = False,
) -> IAsyncResult:
    if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int):
        raise TypeError("Invalid type for 'ttl_ms' (int expected)")
    flags = PERSISTENT_SEQUENTIAL_WITH_TTL_FLAGS if sequential else PERSISTENT_WITH_TTL_FLAGS
    acls = _check_create_args(client, data, acl)
    # The range is the server's to judge (it answers BadArgumentsError); only refuse what cannot be sent.
    try:
        long_struct.pack(ttl_ms)
    except struct.error:
        raise ValueError(f"ttl_ms {ttl_ms} does not fit in a 64-bit long") from None
    request = CreateTTL(server_path(client, path, trailing=sequential), data, acls, flags, ttl_ms)
    return submit(client, request, _unchrooted(client))


def create_ttl(
    client: KazooClient,
    path: str,
    data: bytes = b"",
    *,
    ttl_ms: int,
    acl: Sequence[ACL] | None = None,
    sequential: bool = False,
) -> str:
    """Create a persistent node the server deletes once it has had no children and no writes for ttl_ms.

    Needs a server started with -Dzookeeper.extendedTypesEnabled=true (UnimplementedError otherwise).
    Returns the created path (with the sequence suffix when sequential).
    """
    return create_ttl_async(client, path, data, ttl_ms=ttl_ms, acl=acl, sequential=sequential).get()


# ----- watches -----


def _watcher_type(kind: str) -> int:
    try:
        return WATCHER_TYPES[kind]
    except KeyError:
        raise ValueError(f"kind must be one of {', '.join(WATCHER_TYPES)}, not {kind!r}") from None


def add_watch_async(
    client: KazooClient, path: str, handler: Callable[[WatchedEvent], Any], recursive: bool = True
) -> IAsyncResult:
    registry = watches.install(client)
    key = registry.register(server_path(client, path), handler, recursive)

    def finish(reply: IAsyncResult) -> None:
        try:
            reply.get()
        except Exception:
            registry.unregister(key, handler)
            raise

    return submit(client, watches.AddWatch(key[0], watches.mode_of(key)), finish)


def add_watch(
    client: KazooClient, path: str, handler: Callable[[WatchedEvent], Any], recursive: bool = True
) -> None:
    """Add a persistent watch on path (which need not exist); handler is called for every event until removed.

    recursive=True (PERSISTENT_RECURSIVE): created/deleted/changed for path and every node below it.
    recursive=False (PERSISTENT): created/deleted/changed for path itself and child events for path.
    After a reconnect the watch is re-added and handler receives a `watches.RESYNC` event: events may
    have been missed, so re-read what it shows. See `zktui.core.watches` for the full contract.
    """
    add_watch_async(client, path, handler, recursive).get()


def remove_watches_async(client: KazooClient, path: str, kind: str = "any") -> IAsyncResult:
    watcher_type = _watcher_type(kind)
    wire_path = server_path(client, path)
    # Forget locally first: delivery stops now, whatever the server answers.
    watches.install(client).forget(wire_path, kind)
    return submit(client, RemoveWatches(wire_path, watcher_type))


def remove_watches(client: KazooClient, path: str, kind: str = "any") -> None:
    """Remove this client's watches of kind ("children", "data" or "any") on path, on the server and locally.

    Like ZooKeeper's Java client: "children" drops non-recursive persistent watches and kazoo's one-shot
    child watches, "data" drops every persistent watch and kazoo's one-shot data/exists watches, "any" both.
    Dropped kazoo one-shot callbacks are not called. Raises NoWatcherError when the server had no such watch.
    """
    remove_watches_async(client, path, kind).get()


def check_watches_async(client: KazooClient, path: str, kind: str = "any") -> IAsyncResult:
    def finish(reply: IAsyncResult) -> bool:
        try:
            return reply.get()
        except NoWatcherError:
            return False

    return submit(client, CheckWatches(server_path(client, path), _watcher_type(kind)), finish)


def check_watches(client: KazooClient, path: str, kind: str = "any") -> bool:
    """Ask the server whether a watch of kind is set on path.

    Meant to be per connection, but a 3.8 server answers True when any connection to that server
    watches the path (WatchManager.containsWatcher ignores the watcher). False is reliable.
    """
    return check_watches_async(client, path, kind).get()
