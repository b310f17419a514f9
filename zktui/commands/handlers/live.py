"""`locks`, `members`, `elections`: one discovery under a path, one block per recipe.

A one-shot look, not the live tracker: hold and wait times count from each node's creation. Client
addresses come from `cons` on every server of the connect string when the servers answer.
"""

from __future__ import annotations

import time

from zktui.commands.registry import Output, handles
from zktui.core.escape import inert
from zktui.core.servers import parse_server_address
from zktui.core.statview import age
from zktui.live.discovery import find_recipes, read_listing
from zktui.live.model import Recipe
from zktui.live.sessions import SessionDirectory
from zktui.live.shapes import membership
from zktui.live.tracker import (
    ELECTION_KINDS,
    LOCK_KINDS,
    PINNED_RECIPE,
    ZOMBIE_WARNING,
    EntryView,
    RecipeView,
    recipe_view,
)


@handles("locks")
def locks(engine, invocation) -> Output:
    return _report(engine, invocation, LOCK_KINDS)


@handles("elections")
def elections(engine, invocation) -> Output:
    return _report(engine, invocation, ELECTION_KINDS)


@handles("members")
def members(engine, invocation) -> Output:
    return _report(engine, invocation, ("membership",), pin=bool(invocation.flag("pin")))


def _report(engine, invocation, kinds: tuple[str, ...], pin: bool = False) -> Output:
    root = engine.path(invocation.arg("path"))
    command = invocation.command.name
    recipes = find_recipes(engine.client, root, cancel=engine.cancel,
                           progress=lambda count: engine.progress(f"{command}: {count:,} nodes read"))
    chosen = [recipe for recipe in recipes if recipe.kind in kinds]
    if pin and not any(recipe.path == root for recipe in chosen):
        chosen.insert(0, _pinned_group(engine.client, root))
    now_ms = int(time.time() * 1000)
    sessions = _session_directory(engine) if chosen else None
    views = [recipe_view(recipe, now_ms, sessions) for recipe in chosen]
    if not views:
        return Output(f"no {command} under {inert(root)}", [])
    return Output("\n".join(_block(view) for view in views), [view.to_json(ages=False) for view in views])


def _pinned_group(client, path: str) -> Recipe:
    """--pin: the path is a group whatever it holds, its ephemeral children the members (maybe none)."""
    return membership(path, PINNED_RECIPE, [child for child in read_listing(client, path).children
                                            if child.ephemeral])


def _session_directory(engine) -> SessionDirectory | None:
    """Every server's sessions from `cons` (clients, zombies), or None when the servers cannot be asked."""
    options = engine.options
    if options is None or not options.servers:
        return None
    try:
        servers = [parse_server_address(host) for host in options.servers]
        return SessionDirectory.collect(servers, admin_ports=dict(options.admin_ports) or None)
    except (OSError, ValueError):
        return None


def _block(view: RecipeView) -> str:
    lines = [f"{inert(view.path)}  {inert(view.recipe)}"]
    if view.kind == "membership":
        lines += [f"  member {_who(member)}  joined {_ago(member.since)}" for member in view.members]
        if not view.members:
            lines.append("  (no members)")
        return "\n".join(lines)
    for holder in view.holders:
        lines.append(f"  holder {_who(holder)}  held {_duration(holder.held_ms)}")
    for number, waiter in enumerate(view.waiters, start=1):
        lines.append(f"  waiter {number} {_who(waiter)}  waiting {_duration(waiter.waited_ms)}")
    if not view.holders and not view.waiters:
        lines.append("  (free)")
    return "\n".join(lines)


def _who(entry: EntryView) -> str:
    role = f" ({entry.role})" if entry.role else ""
    client = inert(entry.client) if entry.client else "?"
    zombie = f"  {ZOMBIE_WARNING}" if entry.zombie else ""
    identity = f"  identity {inert(entry.identity)}" if entry.identity else ""
    return f"{inert(entry.node)}{role}  session {entry.session}  client {client}{identity}{zombie}"


def _ago(since_ms: int) -> str:
    return f"{_duration(max(0, int(time.time() * 1000) - since_ms))} ago"


def _duration(ms: int | None) -> str:
    return "?" if ms is None else age(ms / 1000)
