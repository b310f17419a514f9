"""The live panel: the ensemble's servers (polled) and the failover timeline, and what the tracker finds."""

from __future__ import annotations

import time

from rich.text import Text

from zktui.core.escape import inert
from zktui.live.ensemble import EnsembleSnapshot
from zktui.live.timeline import TimelineEvent, highlights
from zktui.tui.widgets.text_rows import TextRows

MODE_STYLES = {
    "leader": "bold green",
    "follower": "green",
    "observer": "cyan",
    "standalone": "bold green",
    "looking": "bold yellow",
    "down": "bold red",
}
HANDOVERS_SHOWN = 3
# A churning group changes the panel ten times a second; drawing it each time took the event loop from
# key presses (benchmarks: p99 key latency). One draw per interval shows the same, a moment later.
REDRAW_INTERVAL_S = 0.25
PANEL_ZOMBIE = "⚠ zombie (session on no server)"


class LivePanel(TextRows):
    """Scrolls when a busy ensemble has more locks and groups than rows; `L` gives it the whole column."""

    DEFAULT_CSS = "LivePanel { height: auto; max-height: 40%; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: EnsembleSnapshot | None = None
        self.timeline_lines: list[str] = []
        self.recipe_lines: list[Text] = []
        self._drawn_at = 0.0
        self._draw_scheduled = False

    def on_mount(self) -> None:
        self.set_rows([Text("live panel: waiting for the first poll", style="dim")])

    def show_ensemble(self, snapshot: EnsembleSnapshot) -> None:
        self.snapshot = snapshot
        self._redraw()

    def show_timeline(self, events: list[TimelineEvent]) -> None:
        self.timeline_lines = [event.line() for event in highlights(events)]
        self._redraw()

    def show_recipes(self, lines: list[Text]) -> None:
        self.recipe_lines = lines
        self._redraw()

    def show_discovery(self, nodes_read: int) -> None:
        """Recipes are not known until the first walk ends: say how far it got."""
        self.recipe_lines = [Text(f"finding locks, elections and groups… {nodes_read:,} nodes read", style="dim")]
        self._redraw()

    def _redraw(self) -> None:
        """Draw now, or once at the end of the interval: however many changes came meanwhile."""
        if self._draw_scheduled:
            return
        wait = self._drawn_at + REDRAW_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self._draw()
            return
        self._draw_scheduled = True
        self.set_timer(wait, self._draw)

    def _draw(self) -> None:
        self._draw_scheduled = False
        self._drawn_at = time.monotonic()
        rows: list[Text] = []
        if self.snapshot is not None:
            rows += ensemble_rows(self.snapshot)
        if self.timeline_lines:  # before the recipes: in a failover, what just happened comes first
            rows.append(Text("timeline", style="bold dim"))
            rows += [Text(inert(line)) for line in self.timeline_lines]
        rows += self.recipe_lines
        if rows:
            self.set_rows(rows)


ENSEMBLE_COLUMNS = ("server", "mode", "epoch", "zxid", "latency", "conns", "queued")


def ensemble_rows(snapshot: EnsembleSnapshot) -> list[Text]:
    """The servers as a table of aligned columns: a heading row, then one row per server."""
    cells = [[
        inert(server.address),
        server.mode,
        "" if server.zxid is None else str(server.zxid >> 32),
        "" if server.zxid is None else f"0x{server.zxid:x}",
        "" if server.latency_ms is None else f"{server.latency_ms:.1f} ms",
        "" if server.connections is None else str(server.connections),
        "" if server.outstanding is None else str(server.outstanding),
    ] for server in snapshot.servers]
    widths = [max(len(heading), *(len(row[i]) for row in cells)) for i, heading in enumerate(ENSEMBLE_COLUMNS)]
    heading = _aligned(ENSEMBLE_COLUMNS, widths)
    heading.stylize("bold dim")
    return [heading, *(_aligned(row, widths, {1: MODE_STYLES.get(server.mode, "")})
                       for server, row in zip(snapshot.servers, cells, strict=True))]


def _aligned(cells, widths: list[int], styles: dict[int, str] | None = None) -> Text:
    text = Text()
    for column, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        text.append(("  " if column else "") + cell.ljust(width), (styles or {}).get(column, ""))
    text.rstrip()
    return text


def _age(ms: int | None) -> str:
    from zktui.core.statview import age

    return "" if ms is None else age(ms / 1000)


def _handover_line(handover) -> Text:
    """`  ↪ 12:00:03 lock-0003 → lock-0004 (held 4s)`: the recent history of who had it."""
    at = time.strftime("%H:%M:%S", time.localtime(handover.at_ms / 1000))
    before = ", ".join(_short(name) for name in handover.previous_labels or handover.previous) or "nobody"
    after = ", ".join(_short(name) for name in handover.current_labels or handover.current) or "nobody"
    held = f" (held {_age(handover.held_ms)})" if handover.held_ms is not None else ""
    return Text(f"  ↪ {at} {inert(before)} → {inert(after)}{held}", style="dim", no_wrap=True, overflow="ellipsis")


def _short(node: str, width: int = 26) -> str:
    """Contender names carry a per-client uuid; the end (stem and sequence) is what tells them apart."""
    return node if len(node) <= width else "…" + node[-(width - 1):]


def recipe_lines(locks, elections, members, max_entries: int = 6) -> list[Text]:
    """Rows for people: each lock/election with holder and waiters in queue order, each group with members.

    One row per entry (cut with an ellipsis, never wrapped); a zombie says so before anything else."""
    lines: list[Text] = []
    for view in (*locks, *elections):
        lines.append(_heading(view.path, view.recipe))
        for holder in view.holders:
            role = f" {holder.role}" if holder.role else ""
            lines.append(_entry_row(("  ● holds" + role, "green"), holder, f"held {_age(holder.held_ms)}"))
        for number, waiter in enumerate(view.waiters[:max_entries], 1):
            lines.append(_entry_row((f"  {number}. waits", "yellow"), waiter, _age(waiter.waited_ms)))
        if len(view.waiters) > max_entries:
            lines.append(Text(f"  … {len(view.waiters) - max_entries} more waiting", style="dim", no_wrap=True))
        lines.extend(_handover_line(handover) for handover in view.handovers[-HANDOVERS_SHOWN:])
    for view in members:
        count = len(view.members)
        lines.append(_heading(view.path, view.recipe, f"  {count} member{'s' if count != 1 else ''}"))
        lines.extend(_entry_row(("  ◆", ""), member, "") for member in view.members[:max_entries])
        if count > max_entries:
            lines.append(Text(f"  … {count - max_entries} more", style="dim", no_wrap=True))
    return lines


def _heading(path: str, recipe: str, extra: str = "") -> Text:
    return Text.assemble((inert(path), "bold"), "  ", (inert(recipe), "dim"), extra, no_wrap=True,
                         overflow="ellipsis")


def _entry_row(prefix: tuple[str, str], entry, age_text: str) -> Text:
    """`● holds ⚠ zombie worker-1 #12 0x1000… 10.0.0.7:5123 held 4s`: the identity (from the node's data)
    names the client; then the node (only its sequence number once the identity names it)."""
    node = f"#{entry.seq}" if entry.identity and entry.seq is not None else _short(entry.node, 18 if entry.identity
                                                                                     else 26)
    zombie = (f" {PANEL_ZOMBIE}", "bold red") if entry.zombie else ("", "")
    identity = (f" {inert(_short(entry.identity, 30))}", "bold") if entry.identity else ("", "")
    return Text.assemble(prefix, zombie, identity, f" {inert(node)}  {entry.session}",
                         f"  {inert(entry.client or '')}", (f"  {age_text}" if age_text else "", "dim"),
                         no_wrap=True, overflow="ellipsis")
