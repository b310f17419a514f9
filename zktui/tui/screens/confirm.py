"""A yes/no question, answered with y / Enter or n / Escape (or the mouse)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """`ConfirmScreen(question, detail="", danger=False, confirm_label="Yes")` -> True (confirmed) or False.

    The question and detail are shown as plain text (never markup): callers put paths in them.
    """

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-dialog {
        width: 72; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ConfirmScreen.-danger > #confirm-dialog { border: thick $error; }
    ConfirmScreen #confirm-question { text-style: bold; }
    ConfirmScreen #confirm-detail { color: $text-muted; margin-top: 1; }
    ConfirmScreen .buttons { height: auto; width: 100%; align-horizontal: right; margin-top: 1; }
    ConfirmScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "", danger: bool = False, confirm_label: str = "Yes") -> None:
        super().__init__(classes="-danger" if danger else None)
        self.question = question
        self.detail = detail
        self.danger = danger
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.question), id="confirm-question")
            if self.detail:
                yield Static(Text(self.detail), id="confirm-detail")
            with Horizontal(classes="buttons"):
                # The label is plain text too: Text keeps a '[' in it from being read as markup.
                yield Button(Text(f"{self.confirm_label} (y)"), variant="error" if self.danger else "primary",
                             id="confirm-yes")
                yield Button("No (n)", id="confirm-no")

    def on_mount(self) -> None:
        # Focused, so Enter presses it (Button binds enter); Tab reaches "No" for those who prefer Enter there.
        self.query_one("#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "confirm-yes")

    def action_answer(self, confirmed: bool) -> None:
        self.dismiss(confirmed)
