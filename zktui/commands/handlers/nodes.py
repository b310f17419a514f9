"""zkCli's node commands: ls, get, stat, create, set, delete, deleteall, ACLs, counts, sync."""

from __future__ import annotations

import base64
import binascii

from kazoo.exceptions import BadVersionError, ConnectionLoss, KazooException, NoNodeError
from kazoo.security import OPEN_ACL_UNSAFE

from zktui.commands.engine import server_failure
from zktui.commands.registry import CommandError, Output, handles
from zktui.core import protocol, watches
from zktui.core.decode import render
from zktui.core.errors import BadPathError, validate_path
from zktui.core.escape import has_unsafe, inert, inert_bytes, inert_name
from zktui.core.paths import sort_children
from zktui.core.walk import walk
from zktui.core.zkformat import (
    acl_to_json,
    format_acl,
    format_children,
    format_stat,
    java_order,
    parse_acl,
    stat_to_json,
)

ZKCLI_EVENT_NAMES = {
    "CREATED": "NodeCreated",
    "DELETED": "NodeDeleted",
    "CHANGED": "NodeDataChanged",
    "CHILD": "NodeChildrenChanged",
}


def checked_path(engine, invocation, name: str = "path") -> str:
    """The argument resolved against the current path and validated as ZooKeeper does."""
    path = engine.path(invocation.args.get(name))
    try:
        validate_path(path)
    except BadPathError as exc:  # zkCli's message quotes the path: a control character in it must not draw
        message = inert(exc.message) if has_unsafe(exc.message) else exc.message
        raise CommandError(invocation.command.name, message) from None
    return path


def one_shot_watcher(engine):
    def on_event(event) -> None:  # kazoo's callback thread: format and hand over, nothing else
        if event.type == watches.RESYNC:
            engine.event(f"watch on {inert(event.path)} re-added after a reconnect: events may have been missed")
            return
        if event.path is None:
            # kazoo's NONE event (path None): the session ended, and the server forgot the watch. A reconnect
            # within the session keeps it (zktui.core.one_shots).
            engine.event("a one-shot watch (-w) ended with the session: set it again")
            return
        kind = ZKCLI_EVENT_NAMES.get(event.type, event.type)
        engine.event(f"WatchedEvent state:SyncConnected type:{kind} path:{inert(event.path)}")

    return on_event


def _bad_version(engine, command: str, path: str, exc: BadVersionError, expected: int) -> CommandError:
    """Bad version, with the version the node is at now so the user can decide."""
    current = None
    try:
        stat = engine.client.exists(path)
        current = stat.version if stat else None
    except KazooException:  # the explanation is a courtesy; the error stands without it
        pass
    return server_failure(command, exc, path, current_version=current, expected_version=expected)


@handles("ls")
def ls(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    client = engine.client
    if invocation.flag("R"):
        paths = [entry.path for entry in walk(client, path, cancel=engine.cancel, progress=_progress(engine, "ls -R"))]
        ordered = _depth_first(paths, path)
        return Output("\n".join(inert(p) for p in ordered), ordered)
    watcher = one_shot_watcher(engine) if invocation.flag("w") else None
    children, stat = client.get_children(path, watch=watcher, include_data=True)
    names = sorted(children, key=java_order)  # zkCli's order, for text and JSON alike
    text = format_children([inert_name(n) for n in names])
    if invocation.flag("s"):
        return Output(text + "\n" + format_stat(stat), {"children": names, "stat": stat_to_json(stat)})
    return Output(text, names)


def _progress(engine, what: str):
    return lambda count: engine.progress(f"{what}: {count:,} nodes")


def _depth_first(paths: list[str], root: str) -> list[str]:
    """Paths from a breadth-first walk in depth-first order, children in zktui's order at each level."""
    children: dict[str, list[str]] = {}
    for p in paths:
        if p != root:
            children.setdefault(p.rsplit("/", 1)[0] or "/", []).append(p.rsplit("/", 1)[1])
    ordered: list[str] = []
    stack = [root]
    while stack:
        current = stack.pop()
        ordered.append(current)
        names = sort_children(children.get(current, ()))
        prefix = "" if current == "/" else current
        stack.extend(f"{prefix}/{name}" for name in reversed(names))
    return ordered


@handles("get")
def get(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    watcher = one_shot_watcher(engine) if invocation.flag("w") else None
    data, stat = engine.client.get(path, watch=watcher)
    data = data or b""
    if invocation.flag("b"):
        text = base64.b64encode(data).decode("ascii")
    elif invocation.flag("x") or invocation.flag("view"):
        view = "hex" if invocation.flag("x") else invocation.flag("view")
        rendered = render(data, view)
        text = "\n".join(rendered.lines)
        if rendered.note:
            engine.progress(rendered.note)
    else:
        text = inert_bytes(data, keep_newlines=True)
    if invocation.flag("s"):
        text = text + "\n" + format_stat(stat)
    return Output(text, _data_json(path, data, stat), raw=data)


def _data_json(path: str, data: bytes, stat) -> dict:
    result: dict = {"path": path}
    try:
        result["data"] = data.decode("utf-8")
    except UnicodeDecodeError:
        result["data_base64"] = base64.b64encode(data).decode("ascii")
    result["stat"] = stat_to_json(stat)
    return result


@handles("stat")
def stat(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    watcher = one_shot_watcher(engine) if invocation.flag("w") else None
    node_stat = engine.client.exists(path, watch=watcher)
    if node_stat is None:
        raise server_failure("stat", NoNodeError(), path)
    return Output(format_stat(node_stat), stat_to_json(node_stat))


@handles("getAcl")
def get_acl(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    acls, node_stat = engine.client.get_acls(path)
    text = inert(format_acl(acls), keep_newlines=True)  # ACL ids come from the server: `ev\x1b[8mil` drew raw
    if invocation.flag("s"):
        text += "\n" + format_stat(node_stat)
    return Output(text, {"path": path, "acl": acl_to_json(acls), "stat": stat_to_json(node_stat)})


@handles("getAllChildrenNumber")
def get_all_children_number(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    number = protocol.get_all_children_number(engine.client, path)
    return Output(str(number), number)


@handles("getEphemerals")
def get_ephemerals(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    paths = sorted(protocol.get_ephemerals(engine.client, path))
    return Output(format_children([inert(p) for p in paths]), paths)


@handles("sync")
def sync(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    engine.client.sync(path)
    return Output("Sync is OK", {"path": path, "synced": True})


def _acl_argument(invocation) -> list:
    text = invocation.args.get("acl")
    if text is None:
        return list(OPEN_ACL_UNSAFE)
    try:
        return parse_acl(text)
    except ValueError as exc:
        raise CommandError(invocation.command.name, f"invalid ACL '{inert(text)}': {exc}") from None


def _data_argument(invocation, base64_flag: bool = False) -> bytes:
    text = invocation.args.get("data")
    if text is None:
        return b""
    if base64_flag:
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise CommandError(invocation.command.name, "-b: the data is not valid base64") from None
    return text.encode("utf-8")


def _writing(data: bytes, command: str, path: str, write):
    """Run a write; a connection dropped under a large payload is explained as the server's size limit."""
    try:
        return write()
    except ConnectionLoss as exc:
        raise server_failure(command, exc, path, data_size=len(data)) from None


@handles("create")
def create(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    data = _data_argument(invocation)
    acl = _acl_argument(invocation)
    sequential, ephemeral = bool(invocation.flag("s")), bool(invocation.flag("e"))
    container, ttl = bool(invocation.flag("c")), invocation.flag("t")
    client = engine.client
    if container and (sequential or ephemeral or ttl is not None):
        raise CommandError("create", "-c (container) cannot be combined with -s, -e or -t")
    if ttl is not None:
        if ephemeral:
            raise CommandError("create", "-t (TTL) cannot be combined with -e: ephemeral nodes live by their session")
        if ttl <= 0:
            raise CommandError("create", f"TTL must be a positive number of milliseconds, not {ttl}")
        created = protocol.create_ttl(client, path, data, ttl_ms=ttl, acl=acl, sequential=sequential)
    elif container:
        created = protocol.create_container(client, path, data, acl=acl)
    else:
        created = _writing(data, "create", path, lambda: client.create(
            path, data, acl=acl, ephemeral=ephemeral, sequence=sequential))
    return Output(f"Created {inert(created)}", {"path": created})


@handles("set")
def set_data(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    data = _data_argument(invocation, base64_flag=bool(invocation.flag("b")))
    version = invocation.flag("v", -1)
    try:
        node_stat = _writing(data, "set", path, lambda: engine.client.set(path, data, version=version))
    except BadVersionError as exc:
        raise _bad_version(engine, "set", path, exc, version) from None
    text = format_stat(node_stat) if invocation.flag("s") else ""
    return Output(text, {"path": path, "stat": stat_to_json(node_stat)})


@handles("delete")
def delete(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    if path == "/":
        raise CommandError("delete", "the root node cannot be deleted")
    version = invocation.flag("v", -1)
    try:
        engine.client.delete(path, version=version)
    except BadVersionError as exc:
        raise _bad_version(engine, "delete", path, exc, version) from None
    return Output("", {"path": path, "deleted": True})


@handles("setAcl")
def set_acl(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    acl = _acl_argument(invocation)
    client = engine.client
    version = invocation.flag("v", -1)
    targets = [path]
    if invocation.flag("R"):
        targets = [entry.path for entry in walk(client, path, cancel=engine.cancel)]
    last = None
    try:
        for target in targets:
            last = client.set_acls(target, acl, version=version if target == path else -1)
    except BadVersionError as exc:
        raise server_failure("setAcl", exc, path, expected_version=version) from None
    text = format_stat(last) if invocation.flag("s") and last is not None else ""
    return Output(text, {"path": path, "nodes": len(targets)})
