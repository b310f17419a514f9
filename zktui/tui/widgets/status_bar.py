"""The top bar: connect string, the server connected now, the session id, the state in colour."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from zktui.core.escape import inert
from zktui.core.session import ConnState, StateChange

STATE_STYLES = {
    ConnState.CONNECTING: "bold black on yellow",
    ConnState.CONNECTED: "bold black on green",
    ConnState.READ_ONLY: "bold black on dark_orange",
    ConnState.SUSPENDED: "bold white on dark_orange3",
    ConnState.LOST: "bold white on red",
    ConnState.CLOSED: "bold white on grey37",
}


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, hosts: str, read_only: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hosts = hosts
        self.read_only = read_only
        self.state = ConnState.CONNECTING
        self.server: str | None = None
        self.session_id: int | None = None

    def on_mount(self) -> None:
        self.refresh_bar()

    def show(self, change: StateChange) -> None:
        self.state, self.server, self.session_id = change.state, change.server, change.session_id
        self.refresh_bar()

    def refresh_bar(self) -> None:
        # The state first: on a narrow terminal the connect string is what gets cut, never the state.
        bar = Text(no_wrap=True, overflow="ellipsis")
        bar.append(f" {self.state.value} ", style=STATE_STYLES[self.state])
        if self.read_only:
            bar.append(" ")
            bar.append(" READ-ONLY ", style="bold white on blue")
        if self.server:
            bar.append(" ")
            bar.append(inert(self.server), style="bold")
        if self.session_id:
            bar.append(f"  session 0x{self.session_id:x}", style="dim")
        bar.append(f"  {inert(self.hosts)}", style="dim")
        self.update(bar)
