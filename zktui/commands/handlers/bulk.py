"""Whole-subtree commands: export, import, cp, mv, diff and deleteall.

They read with many requests in flight, write in multi-op batches, and write a backup before they delete
or replace anything (deleteall, mv, import --force); the backup is restored with `import FILE PATH --force`.
"""

from __future__ import annotations

import os
from pathlib import Path

from kazoo.exceptions import BadVersionError, NoNodeError, NotEmptyError

from zktui.commands.handlers.nodes import checked_path
from zktui.commands.registry import CommandError, Output, handles
from zktui.core.backup import write_backup
from zktui.core.errors import describe_error
from zktui.core.escape import inert
from zktui.core.paths import is_under, parent
from zktui.core.snapshot import (
    BATCH_OPS,
    Cancelled,
    RestoreResult,
    Snapshot,
    SnapshotError,
    WriteFailed,
    absolute,
    acl_key,
    delete_snapshot_nodes,
    existing_paths,
    load_snapshot,
    read_nodes,
    read_subtree,
    restore,
    write_snapshot,
)
from zktui.core.walk import WalkCancelled

SYSTEM_TREE = "/zookeeper"


# ----- shared steps -----


def _chrooted(engine) -> bool:
    return bool(engine.options and engine.options.chroot)


def _is_system(engine, path: str) -> bool:
    """ZooKeeper's own nodes (/zookeeper/config, /zookeeper/quota); under a chroot they are out of reach."""
    return not _chrooted(engine) and is_under(path, SYSTEM_TREE)


def _refuse_system(engine, command: str, path: str) -> None:
    if _is_system(engine, path):
        raise CommandError(command, f"refused: {inert(path)} is ZooKeeper's own ({SYSTEM_TREE})")


def _refuse_removing(engine, command: str, path: str) -> None:
    if path == "/":
        raise CommandError(command, "refused: the root node / cannot be removed")
    _refuse_system(engine, command, path)


def _excluded(engine, root: str) -> tuple[str, ...]:
    """A read of the whole tree leaves ZooKeeper's own nodes out: they cannot be written back."""
    return (SYSTEM_TREE,) if root == "/" and not _chrooted(engine) else ()


def _file_argument(invocation) -> Path:
    return Path(os.path.expanduser(invocation.args["file"]))


def _read(engine, command: str, root: str) -> Snapshot:
    def progress(count: int) -> None:
        engine.progress(f"{command}: read {count:,} nodes of {inert(root)}")

    try:
        snapshot = read_subtree(
            engine.client, root, exclude=_excluded(engine, root), cancel=engine.cancel, progress=progress
        )
    except NoNodeError as exc:
        raise CommandError(command, inert(describe_error(command, exc, path=root))) from None
    except WalkCancelled:
        raise CommandError(command, f"cancelled while reading {inert(root)}; nothing was changed") from None
    if not snapshot.nodes:
        raise CommandError(
            command, f"not authorised to read {inert(root)}: addauth with an identity that may"
        )
    return snapshot


def _require_readable(command: str, snapshot: Snapshot) -> None:
    """Refuse to change what could not be read completely: its backup or copy would be incomplete."""
    if snapshot.unreadable:
        first = absolute(snapshot.root, snapshot.unreadable[0])
        raise CommandError(
            command,
            f"{len(snapshot.unreadable)} nodes cannot be read (no READ permission), e.g. {inert(first)}; "
            "nothing was changed",
        )


def _require_absent(engine, command: str, path: str) -> None:
    if engine.client.exists(path) is not None:
        raise CommandError(command, f"{inert(path)} already exists; nothing was changed")
    if path != "/" and engine.client.exists(parent(path)) is None:
        raise CommandError(command, f"no node {inert(parent(path))}: create the parent first")


def _backup(command: str, snapshot: Snapshot) -> Path:
    try:
        return write_backup(snapshot, command)
    except OSError as exc:
        raise CommandError(
            command, f"cannot write the backup ({exc.strerror or exc}); nothing was changed"
        ) from None


def _writing_progress(engine, command: str, verb: str):
    return lambda done, total: engine.progress(f"{command}: {verb} {done:,} of {total:,} nodes")


def _why(command: str, failure: WriteFailed) -> str:
    path = inert(failure.path)
    if isinstance(failure.error, NotEmptyError):
        return f"a node was created under {path} meanwhile"
    if isinstance(failure.error, BadVersionError):
        return f"{path} was changed meanwhile"
    return inert(describe_error(command, failure.error, path=failure.path))


def _ephemeral_note(result: RestoreResult, verb: str, why: str) -> list[str]:
    if not result.ephemeral_as_persistent:
        return []
    return [f"{result.ephemeral_as_persistent} ephemeral nodes were {verb} as persistent nodes ({why})"]


COPIES_OUTLIVE = "a copy cannot belong to the session that owns the original"


def _copy(engine, command: str, snapshot: Snapshot, target: str, undo: str) -> RestoreResult:
    try:
        return restore(
            engine.client,
            snapshot,
            target,
            cancel=engine.cancel,
            progress=_writing_progress(engine, command, "created"),
        )
    except Cancelled as stop:
        raise CommandError(
            command,
            f"cancelled after creating {stop.done} of {stop.total} nodes under {inert(target)}; {undo}",
        ) from None
    except WriteFailed as failure:
        raise CommandError(
            command,
            f"stopped: {_why(command, failure)}; {failure.done} of "
            f"{len(snapshot.nodes)} nodes created under {inert(target)}; {undo}",
        ) from None


# ----- export / import -----


@handles("export")
def export(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    file = _file_argument(invocation)
    snapshot = _read(engine, "export", path)
    try:
        write_snapshot(snapshot, file)
    except OSError as exc:
        raise CommandError("export", f"cannot write {inert(str(file))}: {exc.strerror or exc}") from None
    except ValueError:  # pathlib refuses a file without a name (`export /a ''`): a traceback before
        raise CommandError("export", f"cannot write {inert(str(file))}: not a file name") from None
    lines = [f"exported {len(snapshot.nodes)} nodes to {inert(str(file))}"]
    unreadable = [absolute(path, rel) for rel in snapshot.unreadable]
    if unreadable:
        lines.append(
            f"left out {len(unreadable)} nodes this session may not read, e.g. {inert(unreadable[0])}"
        )
    data = {"path": path, "file": str(file), "nodes": len(snapshot.nodes), "unreadable": unreadable}
    return Output("\n".join(lines), data)


@handles("import")
def import_snapshot(engine, invocation) -> Output:
    target = checked_path(engine, invocation)
    _refuse_system(engine, "import", target)
    try:
        snapshot = load_snapshot(_file_argument(invocation))
    except SnapshotError as exc:
        raise CommandError("import", inert(str(exc))) from None
    client = engine.client
    if target != "/" and client.exists(parent(target)) is None:
        raise CommandError("import", f"no node {inert(parent(target))}: create the parent first")
    paths = [absolute(target, node.rel) for node in snapshot.nodes]
    existing: dict = {}
    backup: Path | None = None
    if not invocation.flag("force"):
        present = list(existing_paths(client, paths))
        if present:
            raise CommandError(
                "import",
                f"{inert(present[0])} already exists "
                f"({len(present)} of the file's {len(paths)} nodes exist); "
                "nothing was imported; --force replaces them after writing a backup",
            )
    else:
        current, locked = read_nodes(client, target, paths)
        if locked:
            raise CommandError(
                "import", f"cannot back up {inert(locked[0])} (no READ permission); nothing was imported"
            )
        if current:
            backup = _backup("import", Snapshot(target, current))
            existing = {node.rel: node for node in current}
    undo = f"backup: {inert(str(backup))}" if backup else "nothing existed there before"
    try:
        # `--ephemeral` (if the command table offers it) makes them ephemeral nodes of this session.
        result = restore(
            client,
            snapshot,
            target,
            existing=existing,
            keep_ephemeral=bool(invocation.flag("ephemeral")),
            cancel=engine.cancel,
            progress=_writing_progress(engine, "import", "wrote"),
        )
    except Cancelled as stop:
        raise CommandError("import", f"cancelled after {stop.done} of {stop.total} writes; {undo}") from None
    except WriteFailed as failure:
        raise CommandError(
            "import", f"stopped: {_why('import', failure)}; {failure.done} writes done; {undo}"
        ) from None
    return Output("\n".join(_import_lines(result, target, backup)), _import_data(result, target, backup))


def _import_lines(result: RestoreResult, target: str, backup: Path | None) -> list[str]:
    lines = [f"backup: {inert(str(backup))}"] if backup else []
    summary = f"imported {result.total} nodes to {inert(target)}"
    if result.replaced or result.unchanged:
        summary += f": {result.created} created, {result.replaced} replaced, {result.unchanged} unchanged"
    lines.append(summary)
    lines += _ephemeral_note(result, "imported", "they belonged to other sessions")
    if result.modes_kept:
        lines.append(f"{result.modes_kept} existing nodes kept their own mode (a node's mode cannot change)")
    return lines


def _import_data(result: RestoreResult, target: str, backup: Path | None) -> dict:
    return {
        "path": target,
        "backup": str(backup) if backup else None,
        "created": result.created,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
        "ephemeral_as_persistent": result.ephemeral_as_persistent,
        "modes_kept": result.modes_kept,
    }


# ----- deleteall / cp / mv -----


@handles("deleteall")
def deleteall(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    _refuse_removing(engine, "deleteall", path)
    batch = invocation.flag("b", BATCH_OPS)
    if batch <= 0:
        raise CommandError("deleteall", f"-b must be a positive number of deletes per batch, not {batch}")
    snapshot = _read(engine, "deleteall", path)
    _require_readable("deleteall", snapshot)
    backup = _backup("deleteall", snapshot)
    deleted = _delete(engine, "deleteall", snapshot, backup, batch)
    text = f"backup: {inert(str(backup))}\ndeleted {deleted} nodes"
    return Output(text, {"path": path, "backup": str(backup), "deleted": deleted})


def _delete(
    engine, command: str, snapshot: Snapshot, backup: Path, batch: int = BATCH_OPS, done_before: str = ""
) -> int:
    total = len(snapshot.nodes)
    where = f"backup: {inert(str(backup))}"
    try:
        return delete_snapshot_nodes(
            engine.client,
            snapshot,
            batch_ops=batch,
            cancel=engine.cancel,
            progress=_writing_progress(engine, command, "deleted"),
        )
    except Cancelled as stop:
        raise CommandError(
            command,
            f"{done_before}cancelled after deleting {stop.done} of {total} nodes (deepest first); {where}",
        ) from None
    except WriteFailed as failure:
        raise CommandError(
            command,
            f"{done_before}stopped: {_why(command, failure)}; {failure.done} of {total} "
            f"nodes deleted; {where}",
        ) from None


def _source_and_target(engine, invocation, command: str) -> tuple[str, str]:
    source = checked_path(engine, invocation, "source")
    target = checked_path(engine, invocation, "target")
    if is_under(target, source):
        raise CommandError(
            command, f"refused: the target {inert(target)} is inside the source {inert(source)}"
        )
    _refuse_system(engine, command, target)
    _require_absent(engine, command, target)
    return source, target


@handles("cp")
def copy(engine, invocation) -> Output:
    source, target = _source_and_target(engine, invocation, "cp")
    snapshot = _read(engine, "cp", source)
    _require_readable("cp", snapshot)
    result = _copy(engine, "cp", snapshot, target, "the source is unchanged")
    lines = [f"copied {result.total} nodes from {inert(source)} to {inert(target)}"]
    lines += _ephemeral_note(result, "copied", COPIES_OUTLIVE)
    return Output(
        "\n".join(lines),
        {
            "source": source,
            "target": target,
            "copied": result.total,
            "ephemeral_as_persistent": result.ephemeral_as_persistent,
        },
    )


@handles("mv")
def move(engine, invocation) -> Output:
    source, target = _source_and_target(engine, invocation, "mv")
    _refuse_removing(engine, "mv", source)
    snapshot = _read(engine, "mv", source)
    _require_readable("mv", snapshot)
    backup = _backup("mv", snapshot)
    result = _copy(engine, "mv", snapshot, target, "the source is unchanged")
    _delete(
        engine, "mv", snapshot, backup, done_before=f"copied to {inert(target)}, but deleting the source "
    )
    lines = [
        f"backup: {inert(str(backup))}",
        f"moved {result.total} nodes from {inert(source)} to {inert(target)}",
    ]
    lines += _ephemeral_note(result, "moved", COPIES_OUTLIVE)
    return Output(
        "\n".join(lines),
        {
            "source": source,
            "target": target,
            "moved": result.total,
            "backup": str(backup),
            "ephemeral_as_persistent": result.ephemeral_as_persistent,
        },
    )


# ----- diff -----


def _shown_rel(rel: str) -> str:
    return rel or "."


def compare(first: Snapshot, second: Snapshot) -> dict[str, list[str]]:
    """Relative paths only in one subtree, and those in both whose data or ACL differ (sorted).

    Null data and empty data count as the same. Nodes either side could not read, and everything below
    them, are not compared.
    """
    unknown = first.unreadable + second.unreadable

    def comparable(rel: str) -> bool:
        return not any(rel == locked or rel.startswith(locked + "/") for locked in unknown)

    left = {node.rel: node for node in first.nodes if comparable(node.rel)}
    right = {node.rel: node for node in second.nodes if comparable(node.rel)}
    both = [rel for rel in left if rel in right]

    def ordered(rels) -> list[str]:
        return [_shown_rel(rel) for rel in sorted(rels, key=lambda rel: rel.split("/") if rel else [])]

    return {
        "only_in_first": ordered(rel for rel in left if rel not in right),
        "only_in_second": ordered(rel for rel in right if rel not in left),
        "data_differs": ordered(rel for rel in both if (left[rel].data or b"") != (right[rel].data or b"")),
        "acl_differs": ordered(rel for rel in both if acl_key(left[rel].acl) != acl_key(right[rel].acl)),
    }


@handles("diff")
def diff(engine, invocation) -> Output:
    first_path = checked_path(engine, invocation, "path1")
    second_path = checked_path(engine, invocation, "path2")
    first = _read(engine, "diff", first_path)
    second = _read(engine, "diff", second_path)
    differences = compare(first, second)
    labels = {
        "only_in_first": f"only in {inert(first_path)}",
        "only_in_second": f"only in {inert(second_path)}",
        "data_differs": "data differs",
        "acl_differs": "ACL differs",
    }
    entries = [(rel, kind) for kind, rels in differences.items() for rel in rels]
    order = list(labels)
    entries.sort(key=lambda entry: (entry[0].split("/") if entry[0] != "." else [], order.index(entry[1])))
    lines = [f"{labels[kind]}: {inert(rel)}" for rel, kind in entries] or ["identical"]
    skipped = len(first.unreadable) + len(second.unreadable)
    if skipped:
        lines.append(f"{skipped} nodes could not be read (no READ permission) and were not compared")
    return Output("\n".join(lines), differences)
