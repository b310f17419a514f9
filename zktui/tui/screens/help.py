"""Help: every key with what it does, then the prompt's commands; scrollable, closed by Escape, q or ?."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def keys_table(bindings: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, description in bindings:
        table.add_row(Text(key), Text(description))
    return table


class HelpScreen(ModalScreen[None]):
    """`HelpScreen(bindings, commands_text)`: bindings are (key, description) pairs; the text is shown as is."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help-dialog {
        width: 90%; max-width: 120; height: 90%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    HelpScreen #help-body { height: 1fr; }
    HelpScreen .help-heading { text-style: bold; margin-top: 1; }
    HelpScreen #help-footer { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, bindings: list[tuple[str, str]], commands_text: str) -> None:
        super().__init__()
        self.key_bindings = bindings  # `bindings` is taken: Textual's own
        self.commands_text = commands_text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            with VerticalScroll(id="help-body"):
                yield Static(Text("keys"), classes="help-heading")
                yield Static(keys_table(self.key_bindings), id="help-keys")
                yield Static(Text("prompt commands (press : to type one)"), classes="help-heading")
                yield Static(Text(self.commands_text), id="help-commands")
            yield Static(Text("up/down/pgup/pgdn scroll; Escape, q or ? closes"), id="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()  # so the arrow keys scroll it

    def action_close(self) -> None:
        self.dismiss(None)
