"""Whole-subtree inspection: tree, find, du. Each walks with many requests in flight and can be cancelled."""

from __future__ import annotations

import fnmatch
import re

from zktui.commands.handlers.nodes import checked_path
from zktui.commands.registry import CommandError, Output, handles
from zktui.core.escape import inert, inert_name
from zktui.core.paths import basename, sort_children
from zktui.core.walk import walk
from zktui.core.zkformat import node_kind


def _progress(engine, what: str):
    return lambda count: engine.progress(f"{what}: {count:,} nodes read")


@handles("tree")
def tree(engine, invocation) -> Output:
    root = checked_path(engine, invocation)
    depth = invocation.flag("d")
    if depth is not None and depth < 0:
        raise CommandError("tree", f"-d must be 0 or more, not {depth}")
    entries = {e.path: e for e in walk(engine.client, root, max_depth=depth, cancel=engine.cancel,
                                       progress=_progress(engine, "tree"))}
    lines = [inert(root)]
    paths = [root]

    def draw(path: str, prefix: str) -> None:
        entry = entries.get(path)
        names = sort_children(entry.children) if entry else []
        shown = [n for n in names if (path.rstrip("/") + "/" + n) in entries]
        hidden = len(names) - len(shown)
        for i, name in enumerate(shown):
            last = i == len(shown) - 1 and not hidden
            child = path.rstrip("/") + "/" + name
            lines.append(f"{prefix}{'└── ' if last else '├── '}{inert_name(name)}{_marks(entries[child])}")
            paths.append(child)
            draw(child, prefix + ("    " if last else "│   "))
        if hidden:
            lines.append(f"{prefix}└── … {hidden} more below depth {depth}")

    draw(root, "")
    return Output("\n".join(lines), paths)


def _marks(entry) -> str:
    if entry.locked:
        return " [no read access]"
    kind = node_kind(entry.stat)
    return "" if kind == "persistent" else f" [{kind}]"


@handles("find")
def find(engine, invocation) -> Output:
    root = checked_path(engine, invocation)
    glob = invocation.flag("name")
    pattern_text = invocation.flag("data")
    try:
        pattern = re.compile(pattern_text) if pattern_text else None
    except re.error as exc:
        raise CommandError("find", f"-data: bad regular expression: {exc}") from None
    only_ephemeral = bool(invocation.flag("ephemeral"))
    found: list[str] = []
    for entry in walk(engine.client, root, with_data=pattern is not None, cancel=engine.cancel,
                      progress=_progress(engine, "find")):
        if entry.locked:
            continue
        if glob and not fnmatch.fnmatchcase(basename(entry.path), glob):
            continue
        if only_ephemeral and node_kind(entry.stat) != "ephemeral":
            continue
        if pattern is not None and not pattern.search((entry.data or b"").decode("utf-8", errors="replace")):
            continue
        found.append(entry.path)
    found.sort()
    return Output("\n".join(inert(p) for p in found), found)


@handles("du")
def du(engine, invocation) -> Output:
    root = checked_path(engine, invocation)
    totals: dict[str, list[int]] = {}  # child of root (or root itself) -> [nodes, bytes]
    all_nodes = all_bytes = 0
    for entry in walk(engine.client, root, cancel=engine.cancel, progress=_progress(engine, "du")):
        if entry.stat is None:
            continue
        all_nodes += 1
        all_bytes += entry.stat.dataLength
        if entry.path == root:
            continue
        rest = entry.path[len(root.rstrip("/")) + 1 :]
        child = rest.split("/", 1)[0]
        bucket = totals.setdefault(child, [0, 0])
        bucket[0] += 1
        bucket[1] += entry.stat.dataLength
    rows = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    width = max([len(f"{n:,}") for _, (n, _) in rows] + [len(f"{all_nodes:,}")])
    lines = [f"{n:>{width},} nodes {b:>12,} bytes  {inert_name(name)}" for name, (n, b) in rows]
    lines.append(f"{all_nodes:>{width},} nodes {all_bytes:>12,} bytes  {inert(root)} (total)")
    data = {
        "path": root,
        "nodes": all_nodes,
        "bytes": all_bytes,
        "children": [{"name": name, "nodes": n, "bytes": b} for name, (n, b) in rows],
    }
    return Output("\n".join(lines), data)
