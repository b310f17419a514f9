"""Subtree snapshots: read a subtree (data, ACLs, modes, stats), keep it as JSON, restore it elsewhere.

`export`, `import`, the backups of `deleteall`/`mv`/`import --force`, `cp` and `diff` all go through here.

File format (UTF-8 JSON; one node a line so that files diff well):

    {"format": "zktui-snapshot", "version": 1, "root": "/app", "created": "2024-05-01T12:00:00.000Z",
     "unreadable": [], "nodes": [
    {"path": "", "mode": "persistent", "data": "text", "acl": [...], "stat": {...}},
    {"path": "jobs/j1", "mode": "ttl", "ttl": 60000, "data_base64": "gAE=", "acl": [...], "stat": {...}}
    ]}

- `format` is always "zktui-snapshot"; `version` is 1 (a reader refuses versions it does not know).
- `root`: the absolute path that was read. A node's `path` is relative to it ("" is the root itself);
  every node's parent comes before it in `nodes`.
- `data`: the bytes as UTF-8 text, or null for a node whose data is null; `data_base64` replaces it when
  the bytes are not valid UTF-8.
- `acl`: a non-empty list of {"scheme": "digest", "id": "user:HASH", "perms": "cdrwa"} (zkCli's letters).
- `mode`: "persistent", "ephemeral", "container" or "ttl" (then `ttl`, in milliseconds). Sequential nodes
  have no mode of their own: their number is part of the name and is kept as is.
  Reading from a server, the mode comes from ephemeralOwner. ZooKeeper 3.5.4 and later report 0 there for
  containers and TTL nodes (ZOOKEEPER-2901), so a read records them as "persistent": no client request
  can tell them apart. A file that says "container" or "ttl" (edited, or from an older server) is restored
  with that mode.
- `stat`: the stat when read (as `get -s --json` shows it). Informational: a restore cannot set versions
  or zxids.
- `unreadable` (optional): relative paths of nodes this session could not read; they are not in `nodes`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kazoo.exceptions import NoAuthError, NoNodeError, RolledBackError, RuntimeInconsistency
from kazoo.security import ACL, Id, Permissions

from zktui.core import protocol
from zktui.core.paths import is_under, join, relative_to
from zktui.core.walk import walk
from zktui.core.zkformat import acl_to_json, letters_to_perms, stat_to_json

FORMAT = "zktui-snapshot"
VERSION = 1
MODES = ("persistent", "ephemeral", "container", "ttl")

IN_FLIGHT = 512
BATCH_OPS = 1000
# jute.maxbuffer (1 MB by default) bounds every packet, the multi request and the followers' copy of its
# transaction alike; half of it leaves room for headers and for servers configured a little lower.
BATCH_BYTES = 512 * 1024

# ephemeralOwner encodes the mode (ZooKeeper's EphemeralType).
_UNSIGNED_64 = (1 << 64) - 1
CONTAINER_OWNER = 0x8000000000000000
_TTL_TAG = 0xFF
TTL_MAX_MS = 0xFF_FFFF_FFFF  # the 40 bits ephemeralOwner has for the TTL

_BUILD_BELOW = Permissions.CREATE | Permissions.ADMIN  # to create children, then put the real ACL back


class SnapshotError(Exception):
    """A snapshot file that cannot be used; the message is one line naming the file and the problem."""


class Cancelled(Exception):
    """Stopped between two batches because the cancel event was set."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"cancelled after {done} of {total} nodes")
        self.done = done
        self.total = total


class WriteFailed(Exception):
    """The server refused one operation; `done` operations had been applied before it."""

    def __init__(self, path: str, error: Exception, done: int) -> None:
        super().__init__(f"{path}: {type(error).__name__}")
        self.path = path
        self.error = error
        self.done = done


# ----- the model -----


@dataclass(frozen=True)
class SnapshotNode:
    rel: str  # relative to the snapshot's root; "" is the root
    data: bytes | None
    acl: tuple[ACL, ...]
    mode: str = "persistent"
    ttl_ms: int | None = None
    stat: dict[str, int | str] = field(default_factory=dict, compare=False)  # as zkformat.stat_to_json

    @property
    def version(self) -> int:
        value = self.stat.get("dataVersion", -1)
        return value if isinstance(value, int) else -1

    @property
    def acl_version(self) -> int:
        value = self.stat.get("aclVersion", -1)
        return value if isinstance(value, int) else -1


@dataclass
class Snapshot:
    root: str
    nodes: list[SnapshotNode]  # parents before children
    created: str = ""
    unreadable: list[str] = field(default_factory=list)

    def path_of(self, node: SnapshotNode, target: str | None = None) -> str:
        return absolute(target if target is not None else self.root, node.rel)


def absolute(root: str, rel: str) -> str:
    return join(root, rel) if rel else root


def depth(rel: str) -> int:
    return rel.count("/") + 1 if rel else 0


def mode_of(ephemeral_owner: int) -> tuple[str, int | None]:
    """(mode, ttl in ms or None) from ephemeralOwner, in the server's own encoding (EphemeralType).

    Servers since 3.5.4 hide the container and TTL markers from clients (they send 0), so on a read
    those two come back "persistent"; the decoding still serves data that kept the marker.
    """
    owner = ephemeral_owner & _UNSIGNED_64
    if owner == 0:
        return "persistent", None
    if owner == CONTAINER_OWNER:
        return "container", None
    if owner >> 56 == _TTL_TAG:
        return "ttl", owner & TTL_MAX_MS
    return "ephemeral", None


def acl_key(acl: Iterable[ACL]) -> list[tuple[str, str, int]]:
    """An ACL as a sorted list: the server treats it as a set of entries."""
    return sorted((entry.id.scheme, entry.id.id, entry.perms) for entry in acl)


# ----- reading from the server -----


def _pipelined(items: Iterable, start: Callable, window: int = IN_FLIGHT) -> Iterator[tuple]:
    """(item, async result) in the order of `items`, with up to `window` requests in flight."""
    pending: deque = deque()
    for item in items:
        pending.append((item, start(item)))
        if len(pending) >= window:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def _node_from_replies(rel: str, data_reply, acl_reply) -> SnapshotNode:
    data, stat = data_reply.get()
    acl, acl_stat = acl_reply.get()
    fields = stat_to_json(stat)
    fields["aclVersion"] = acl_stat.aversion  # the version the ACL we hold was read at
    mode, ttl = mode_of(stat.ephemeralOwner)
    return SnapshotNode(rel, data, tuple(acl), mode, ttl, fields)


def read_nodes(client, root: str, paths: Iterable[str]) -> tuple[list[SnapshotNode], list[str]]:
    """Data, ACL and stat of the given paths below `root` (pipelined), as (nodes, unreadable paths).

    Paths that do not exist are left out of both lists; the order of `paths` is kept.
    """
    nodes: list[SnapshotNode] = []
    unreadable: list[str] = []

    def start(path: str):
        return client.get_async(path), client.get_acls_async(path)

    for path, (data_reply, acl_reply) in _pipelined(paths, start):
        try:
            nodes.append(_node_from_replies(relative_to(path, root), data_reply, acl_reply))
        except NoNodeError:
            continue
        except NoAuthError:
            unreadable.append(path)
    return nodes, unreadable


def read_subtree(
    client,
    root: str,
    *,
    exclude: tuple[str, ...] = (),
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
) -> Snapshot:
    """Everything from `root` down. Raises NoNodeError when root does not exist, WalkCancelled.

    Nodes under a path in `exclude` are left out. Nodes this session may not read are listed in
    `unreadable` (relative paths) and their subtrees are unknown.
    """
    unreadable: list[str] = []

    def readable_paths() -> Iterator[str]:
        for entry in walk(client, root, cancel=cancel, progress=progress):
            if any(is_under(entry.path, skipped) for skipped in exclude):
                continue
            if entry.locked:
                unreadable.append(relative_to(entry.path, root))
                continue
            yield entry.path

    # The walk and the data/ACL reads share the connection: both keep many requests in flight.
    nodes, locked = read_nodes(client, root, readable_paths())
    unreadable.extend(relative_to(path, root) for path in locked)
    return Snapshot(root, nodes, created=_now(), unreadable=sorted(unreadable))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def existing_paths(client, paths: Iterable[str]) -> Iterator[str]:
    """The given paths that exist, in order (pipelined exists calls)."""
    for path, reply in _pipelined(paths, client.exists_async):
        if reply.get() is not None:
            yield path


# ----- the file -----


def _node_to_json(node: SnapshotNode) -> dict:
    entry: dict = {"path": node.rel, "mode": node.mode}
    if node.mode == "ttl":
        entry["ttl"] = node.ttl_ms
    if node.data is None:
        entry["data"] = None
    else:
        try:
            entry["data"] = node.data.decode("utf-8")
        except UnicodeDecodeError:
            entry["data_base64"] = base64.b64encode(node.data).decode("ascii")
    entry["acl"] = acl_to_json(node.acl)
    entry["stat"] = node.stat
    return entry


def dumps(snapshot: Snapshot) -> str:
    header = {
        "format": FORMAT,
        "version": VERSION,
        "root": snapshot.root,
        "created": snapshot.created or _now(),
        "unreadable": snapshot.unreadable,
    }
    lines = [json.dumps(_node_to_json(node), ensure_ascii=False) for node in snapshot.nodes]
    return json.dumps(header, ensure_ascii=False)[:-1] + ', "nodes": [\n' + ",\n".join(lines) + "\n]}\n"


def write_snapshot(snapshot: Snapshot, file: str | os.PathLike, *, private: bool = False) -> Path:
    """Write atomically (a reader never sees half a file). `private`: readable by the owner only;
    otherwise the file gets the permissions any new file gets (the umask decides)."""
    target = Path(file)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(dumps(snapshot))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def load_snapshot(file: str | os.PathLike) -> Snapshot:
    """Read and validate a snapshot file; every problem is a SnapshotError with one clear line."""
    name = str(file)
    try:
        with open(file, encoding="utf-8") as stream:
            document = json.load(stream)
    except OSError as exc:
        raise SnapshotError(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{name}: not UTF-8 text, so not a zktui snapshot") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return parse_snapshot(document, name)


def parse_snapshot(document, name: str = "snapshot") -> Snapshot:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f'{name}: not a zktui snapshot (no "format": "{FORMAT}")')
    version = document.get("version")
    if version != VERSION:
        raise SnapshotError(
            f"{name}: snapshot version {_shown(version)} is not supported (this zktui reads {VERSION})"
        )
    root = document.get("root")
    if not isinstance(root, str) or not _valid_absolute(root):
        raise SnapshotError(f'{name}: "root" must be an absolute znode path, not {_shown(root)}')
    entries = document.get("nodes")
    if not isinstance(entries, list) or not entries:
        raise SnapshotError(f'{name}: "nodes" must be a non-empty list')
    unreadable = document.get("unreadable", [])
    if not isinstance(unreadable, list) or not all(isinstance(p, str) for p in unreadable):
        raise SnapshotError(f'{name}: "unreadable" must be a list of paths')
    nodes: list[SnapshotNode] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        node = _parse_node(entry, f"{name}: nodes[{index}]")
        where = f"{name}: nodes[{index}] ({_shown(node.rel)})"
        if node.rel in seen:
            raise SnapshotError(f"{where}: the same path appears twice")
        parent = node.rel.rpartition("/")[0] if "/" in node.rel else ("" if node.rel else None)
        if parent is None and index != 0:
            raise SnapshotError(f"{where}: the root node must come first")
        if parent is not None and parent not in seen:
            raise SnapshotError(f"{where}: its parent is not listed before it")
        seen.add(node.rel)
        nodes.append(node)
    created = document.get("created")
    return Snapshot(root, nodes, created if isinstance(created, str) else "", list(unreadable))


def _shown(value) -> str:
    """A value from the file as a short one-line representation (for error messages)."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _valid_absolute(path: str) -> bool:
    return path == "/" or (path.startswith("/") and _valid_relative(path[1:]))


def _valid_relative(rel: str) -> bool:
    if rel == "":
        return True
    return "\x00" not in rel and all(part not in ("", ".", "..") for part in rel.split("/"))


def _parse_node(entry, where: str) -> SnapshotNode:
    if not isinstance(entry, dict):
        raise SnapshotError(f"{where}: each node must be an object")
    rel = entry.get("path")
    if not isinstance(rel, str) or not _valid_relative(rel):
        raise SnapshotError(
            f'{where}: path must be a relative znode path ("" for the root), not {_shown(rel)}'
        )
    where = f"{where} ({_shown(rel)})"
    mode = entry.get("mode", "persistent")
    if mode not in MODES:
        raise SnapshotError(f"{where}: mode must be one of {', '.join(MODES)}, not {_shown(mode)}")
    ttl = entry.get("ttl")
    if mode == "ttl" and not (type(ttl) is int and 0 < ttl <= TTL_MAX_MS):
        raise SnapshotError(f'{where}: a ttl node needs "ttl": milliseconds from 1 to {TTL_MAX_MS}')
    stat = entry.get("stat", {})
    if not isinstance(stat, dict) or not all(type(v) in (int, str) for v in stat.values()):
        raise SnapshotError(f"{where}: stat must be an object of numbers and texts")
    return SnapshotNode(
        rel,
        _parse_data(entry, where),
        _parse_acl(entry.get("acl"), where),
        mode,
        ttl if mode == "ttl" else None,
        stat,
    )


def _parse_data(entry: dict, where: str) -> bytes | None:
    if "data" in entry and "data_base64" in entry:
        raise SnapshotError(f'{where}: give "data" or "data_base64", not both')
    if "data_base64" in entry:
        encoded = entry["data_base64"]
        try:
            if not isinstance(encoded, str):
                raise ValueError
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise SnapshotError(f"{where}: data_base64 is not valid base64") from None
    data = entry.get("data")
    if data is not None and not isinstance(data, str):
        raise SnapshotError(f'{where}: "data" must be text or null, not {_shown(data)}')
    return None if data is None else data.encode("utf-8")


def _parse_acl(acl, where: str) -> tuple[ACL, ...]:
    if not isinstance(acl, list) or not acl:
        raise SnapshotError(f"{where}: acl must be a non-empty list (ZooKeeper refuses an empty ACL)")
    entries = []
    for index, item in enumerate(acl):
        if not isinstance(item, dict):
            raise SnapshotError(f"{where}: acl[{index}] must be an object with scheme, id and perms")
        scheme, ident, letters = item.get("scheme"), item.get("id"), item.get("perms")
        if not isinstance(scheme, str) or not scheme or not isinstance(ident, str):
            raise SnapshotError(f"{where}: acl[{index}] needs a scheme and an id (text)")
        try:
            perms = letters_to_perms(letters) if isinstance(letters, str) else None
        except ValueError:
            perms = None
        if perms is None:
            raise SnapshotError(
                f"{where}: acl[{index}].perms must be letters from cdrwa, not {_shown(letters)}"
            )
        entries.append(ACL(perms, Id(scheme, ident)))
    return tuple(entries)


# ----- writing to the server: operations in batches -----


@dataclass(frozen=True)
class _Op:
    kind: str  # create, set, delete, container, ttl (the last two cannot go in a multi: kazoo lacks them)
    path: str
    data: bytes | None = None
    acl: tuple[ACL, ...] = ()
    ephemeral: bool = False
    version: int = -1
    ttl_ms: int | None = None

    @property
    def alone(self) -> bool:
        return self.kind in ("container", "ttl")

    def size(self, chroot: str) -> int:
        """Bytes on the wire inside a multi request (header, path, data, ACL, flags or version)."""
        path = 4 + len((chroot + self.path).encode("utf-8"))
        data = 4 + len(self.data or b"")
        acl = 4 + sum(12 + len(a.id.scheme.encode("utf-8")) + len(a.id.id.encode("utf-8")) for a in self.acl)
        return 9 + path + data + acl + 4

    def add_to(self, transaction) -> None:
        if self.kind == "create":
            transaction.create(self.path, self.data or b"", list(self.acl), ephemeral=self.ephemeral)
        elif self.kind == "set":
            transaction.set_data(self.path, self.data or b"", version=self.version)
        else:
            transaction.delete(self.path, version=self.version)
        if self.data is None and self.kind in ("create", "set"):
            # kazoo's builder insists on bytes; the wire format has null data (length -1), which is what
            # zkCli's `create /x` leaves, so put the None back in the record to restore it exactly.
            transaction.operations[-1] = transaction.operations[-1]._replace(data=None)

    def run(self, client) -> None:
        if self.kind == "create":
            client.create(self.path, self.data, list(self.acl), ephemeral=self.ephemeral)
        elif self.kind == "set":
            client.set(self.path, self.data, version=self.version)
        elif self.kind == "delete":
            client.delete(self.path, version=self.version)
        elif self.kind == "container":
            protocol.create_container(client, self.path, self.data, list(self.acl))
        else:
            protocol.create_ttl(client, self.path, self.data, ttl_ms=self.ttl_ms, acl=list(self.acl))


def _batches(ops: list[_Op], max_ops: int, max_bytes: int, chroot: str) -> Iterator[list[_Op]]:
    batch: list[_Op] = []
    size = 0
    for op in ops:
        if op.alone:
            if batch:
                yield batch
                batch, size = [], 0
            yield [op]
            continue
        op_size = op.size(chroot)
        if batch and (len(batch) >= max_ops or size + op_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += op_size
    if batch:
        yield batch


def _commit(client, batch: list[_Op]) -> None:
    """Apply one batch atomically; raises (op, the server's error) as WriteFailed with done=0."""
    if len(batch) == 1:  # a lone op skips the multi wrapper, so a node near the size limit still fits
        try:
            batch[0].run(client)
        except Exception as exc:
            raise WriteFailed(batch[0].path, exc, 0) from None
        return
    transaction = client.transaction()
    for op in batch:
        op.add_to(transaction)
    results = transaction.commit()
    for op, result in zip(batch, results, strict=False):
        if isinstance(result, Exception) and not isinstance(result, (RolledBackError, RuntimeInconsistency)):
            raise WriteFailed(op.path, result, 0)


@dataclass
class _Runner:
    """Runs operations in batches, reporting progress and stopping between batches when cancelled."""

    client: object
    batch_ops: int = BATCH_OPS
    batch_bytes: int = BATCH_BYTES
    cancel: threading.Event | None = None
    progress: Callable[[int, int], None] | None = None
    gone_is_done: bool = False  # deletes: a node already gone (e.g. an emptied container) is fine

    def run(self, ops: list[_Op]) -> int:
        done = 0
        chroot = getattr(self.client, "chroot", "") or ""
        for batch in _batches(ops, max(1, self.batch_ops), self.batch_bytes, chroot):
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled(done, len(ops))
            try:
                _commit(self.client, batch)
            except WriteFailed as failure:
                if not (self.gone_is_done and isinstance(failure.error, NoNodeError)):
                    raise WriteFailed(failure.path, failure.error, done) from None
                self._one_by_one(batch, done)
            done += len(batch)
            if self.progress is not None:
                self.progress(done, len(ops))
        return done

    def _one_by_one(self, batch: list[_Op], done: int) -> None:
        for op in batch:
            try:
                op.run(self.client)
            except NoNodeError:
                pass
            except Exception as exc:
                raise WriteFailed(op.path, exc, done) from None
            done += 1


# ----- restore and delete -----


@dataclass
class RestoreResult:
    created: int = 0
    replaced: int = 0  # existing nodes whose data or ACL was replaced
    unchanged: int = 0  # existing nodes that already had the file's data and ACL
    ephemeral_as_persistent: int = 0
    modes_kept: int = 0  # existing nodes whose mode differs from the file's: a node's mode cannot change

    @property
    def total(self) -> int:
        return self.created + self.replaced + self.unchanged


def _acl_to_build_below(acl: tuple[ACL, ...]) -> tuple[ACL, ...] | None:
    """The ACL to create a node with while its children are created, or None when its own ACL will do.

    An entry that already allows create and admin is taken to be ours (or anyone's). Otherwise the named
    identities get create and admin until the real ACL is set; world:anyone only when it is all there is.
    The real ACL is then set at aclVersion 0, so a change made by someone else meanwhile is detected.
    """
    if any(entry.perms & _BUILD_BELOW == _BUILD_BELOW for entry in acl):
        return None
    named = [entry for entry in acl if (entry.id.scheme, entry.id.id) != ("world", "anyone")]
    widened = named or list(acl)
    return tuple(ACL(entry.perms | _BUILD_BELOW, entry.id) if entry in widened else entry for entry in acl)


def restore(
    client,
    snapshot: Snapshot,
    target: str,
    *,
    existing: dict[str, SnapshotNode] | None = None,
    keep_ephemeral: bool = False,
    batch_ops: int = BATCH_OPS,
    batch_bytes: int = BATCH_BYTES,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RestoreResult:
    """Create the snapshot's nodes under `target`, parents before children, in multi-op batches.

    `existing` maps relative paths to the nodes there now (as read for the backup): their data and ACL are
    replaced, checked against the versions read, so a change made since the backup stops the restore.
    Ephemeral nodes become persistent unless `keep_ephemeral` (then they belong to this session).
    A node whose ACL would stop us creating its children is created with a wider ACL first (see
    _acl_to_build_below) and gets its exact ACL once everything below it exists.
    Raises WriteFailed or Cancelled, with how many operations were done.
    """
    existing = existing or {}
    result = RestoreResult()
    has_new_children = {
        node.rel.rpartition("/")[0] for node in snapshot.nodes if node.rel and node.rel not in existing
    }
    ops: list[_Op] = []
    final_acls: list[tuple[str, tuple[ACL, ...], int]] = []  # (path, acl, expected aclVersion)
    for node in snapshot.nodes:
        path = absolute(target, node.rel)
        current = existing.get(node.rel)
        if current is not None:
            _replace(node, current, path, ops, final_acls, result)
            continue
        building_acl = _acl_to_build_below(node.acl) if node.rel in has_new_children else None
        if building_acl is not None:
            final_acls.append((path, node.acl, 0))
        ops.append(_create_op(node, path, building_acl or node.acl, keep_ephemeral, result))
        result.created += 1
    runner = _Runner(client, batch_ops, batch_bytes, cancel, progress)
    done = runner.run(ops)
    _set_acls(client, list(reversed(final_acls)), done)
    return result


def _replace(node, current, path, ops, final_acls, result) -> None:
    if current.mode != node.mode and not (node.mode == "ephemeral" and current.mode == "persistent"):
        result.modes_kept += 1
    changed = False
    if current.data != node.data:
        ops.append(_Op("set", path, node.data, version=current.version))
        changed = True
    if acl_key(current.acl) != acl_key(node.acl):
        final_acls.append((path, node.acl, current.acl_version))
        changed = True
    if changed:
        result.replaced += 1
    else:
        result.unchanged += 1


def _create_op(node: SnapshotNode, path: str, acl, keep_ephemeral: bool, result: RestoreResult) -> _Op:
    if node.mode == "container":
        return _Op("container", path, node.data, acl)
    if node.mode == "ttl":
        return _Op("ttl", path, node.data, acl, ttl_ms=node.ttl_ms)
    if node.mode == "ephemeral" and not keep_ephemeral:
        result.ephemeral_as_persistent += 1
    return _Op("create", path, node.data, acl, ephemeral=node.mode == "ephemeral" and keep_ephemeral)


def _set_acls(client, changes: list[tuple[str, tuple[ACL, ...], int]], done: int) -> None:
    def start(change):
        path, acl, version = change
        return client.set_acls_async(path, list(acl), version)

    for (path, _acl, _version), reply in _pipelined(changes, start):
        try:
            reply.get()
        except Exception as exc:
            raise WriteFailed(path, exc, done) from None


def delete_snapshot_nodes(
    client,
    snapshot: Snapshot,
    *,
    batch_ops: int = BATCH_OPS,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Delete the snapshot's nodes where it was read, deepest first, each at the version read.

    So a node changed since the snapshot (a backup) was taken stops the deletion (BadVersionError), and
    one that gained a child stops it too (NotEmptyError): the backup always holds what was deleted.
    Returns how many nodes were deleted; raises WriteFailed or Cancelled.
    """
    ordered = sorted(snapshot.nodes, key=lambda node: depth(node.rel), reverse=True)
    ops = [_Op("delete", snapshot.path_of(node), version=node.version) for node in ordered]
    runner = _Runner(client, batch_ops, BATCH_BYTES, cancel, progress, gone_is_done=True)
    return runner.run(ops)
