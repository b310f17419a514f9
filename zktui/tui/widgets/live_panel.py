"""The live panel: the ensemble's servers (polled) and the failover timeline, and what the tracker finds."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from zktui.core.escape import inert
from zktui.live.ensemble import EnsembleSnapshot

MODE_STYLES = {
    "leader": "bold green",
    "follower": "green",
    "observer": "cyan",
    "standalone": "bold green",
    "looking": "bold yellow",
    "down": "bold red",
}
TIMELINE_LINES = 8


class LivePanel(Static):
    DEFAULT_CSS = "LivePanel { height: auto; max-height: 50%; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: EnsembleSnapshot | None = None
        self.timeline_lines: list[str] = []
        self.recipe_lines: list[Text] = []

    def show_ensemble(self, snapshot: EnsembleSnapshot) -> None:
        self.snapshot = snapshot
        self._redraw()

    def show_timeline(self, lines: list[str]) -> None:
        self.timeline_lines = lines[-TIMELINE_LINES:]
        self._redraw()

    def show_recipes(self, lines: list[Text]) -> None:
        self.recipe_lines = lines
        self._redraw()

    def _redraw(self) -> None:
        parts: list = []
        if self.snapshot is not None:
            table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold dim")
            for column in ("server", "mode", "epoch", "zxid", "latency", "conns", "queued"):
                table.add_column(column, no_wrap=True)
            for server in self.snapshot.servers:
                style = MODE_STYLES.get(server.mode, "")
                table.add_row(
                    inert(server.address),
                    Text(server.mode, style=style),
                    "" if server.zxid is None else str(server.zxid >> 32),
                    "" if server.zxid is None else f"0x{server.zxid:x}",
                    "" if server.latency_ms is None else f"{server.latency_ms:.1f} ms",
                    "" if server.connections is None else str(server.connections),
                    "" if server.outstanding is None else str(server.outstanding),
                )
            parts.append(table)
        parts.extend(self.recipe_lines)
        if self.timeline_lines:
            parts.append(Text("timeline", style="bold dim"))
            parts.extend(Text(inert(line)) for line in self.timeline_lines)
        self.update(Group(*parts) if parts else Text("live panel: waiting for the first poll", style="dim"))


def _age(ms: int | None) -> str:
    from zktui.core.statview import age

    return "" if ms is None else age(ms / 1000)


def _short(node: str, width: int = 26) -> str:
    """Contender names carry a per-client uuid; the end (stem and sequence) is what tells them apart."""
    return node if len(node) <= width else "…" + node[-(width - 1):]


def recipe_lines(locks, elections, members, max_entries: int = 6) -> list[Text]:
    """Rows for people: each lock/election with holder and waiters in queue order, each group with members."""
    lines: list[Text] = []
    for view in (*locks, *elections):
        lines.append(Text.assemble((inert(view.path), "bold"), "  ", (inert(view.recipe), "dim")))
        for holder in view.holders:
            role = f" {holder.role}" if holder.role else ""
            lines.append(Text.assemble(("  ● holds", "green"), f"{role} {inert(_short(holder.node))}  {holder.session}",
                                       f"  {inert(holder.client or '')}", (f"  held {_age(holder.held_ms)}", "dim")))
        for number, waiter in enumerate(view.waiters[:max_entries], 1):
            lines.append(Text.assemble((f"  {number}. waits", "yellow"), f" {inert(_short(waiter.node))}  {waiter.session}",
                                       f"  {inert(waiter.client or '')}", (f"  {_age(waiter.waited_ms)}", "dim")))
        if len(view.waiters) > max_entries:
            lines.append(Text(f"  … {len(view.waiters) - max_entries} more waiting", style="dim"))
    for view in members:
        lines.append(Text.assemble((inert(view.path), "bold"), "  ", (inert(view.recipe), "dim"),
                                   f"  {len(view.members)} member{'s' if len(view.members) != 1 else ''}"))
        for member in view.members[:max_entries]:
            lines.append(Text(f"  ◆ {inert(member.node)}  {member.session}  {inert(member.client or '')}"))
        if len(view.members) > max_entries:
            lines.append(Text(f"  … {len(view.members) - max_entries} more", style="dim"))
    return lines
