"""Go to a path: type it, Tab completes from what the app knows of the tree, Enter goes."""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from zktui.core.escape import inert

# More candidates than this are not listed: the user types more instead.
MAX_LISTED = 200


class RawShadow:
    """The raw path behind what an Input shows.

    Paths from the server are shown inert (escapes written out), so an Input can show them safely; the user
    still means the raw path. `inert` maps character by character, so what was filled in stays a prefix of
    what the user types after it, and the raw text is recovered by swapping that prefix back.
    """

    def __init__(self) -> None:
        self.shown = ""
        self.raw = ""

    def fill(self, raw: str) -> str:
        self.raw, self.shown = raw, inert(raw)
        return self.shown

    def to_raw(self, value: str) -> str:
        if self.shown and value.startswith(self.shown):
            return self.raw + value[len(self.shown):]
        return value


def completion(text: str, candidates: list[str]) -> str:
    """What Tab turns `text` into: the one candidate, or the candidates' common prefix when that says more."""
    if len(candidates) == 1:
        return candidates[0]
    prefix = os.path.commonprefix(candidates) if candidates else ""
    return prefix if len(prefix) >= len(text) else text


class GotoScreen(ModalScreen[str | None]):
    """`GotoScreen(start, complete)` -> the path typed (Enter), or None (Escape).

    `complete(text)` returns full candidate paths for what is typed; it must be quick (it runs on the UI thread).
    """

    DEFAULT_CSS = """
    GotoScreen { align: center top; }
    GotoScreen > #goto-dialog {
        width: 80%; max-width: 110; height: auto; max-height: 80%; margin-top: 3; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    GotoScreen #goto-hint { color: $text-muted; }
    GotoScreen #goto-status { color: $text-muted; height: auto; }
    GotoScreen #goto-candidates { height: auto; max-height: 16; border: none; }
    GotoScreen .buttons { height: auto; align-horizontal: right; }
    GotoScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, start: str, complete: Callable[[str], list[str]]) -> None:
        super().__init__()
        self.start = start
        self.complete = complete
        self.shadow = RawShadow()
        self.candidates: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog"):
            yield Static(Text("go to: type a path, Tab completes, Enter goes, Escape cancels"), id="goto-hint")
            yield Input(self.shadow.fill(self.start), placeholder="/path/to/node", id="goto-input")
            yield Static(id="goto-status")
            candidates = OptionList(id="goto-candidates")
            candidates.can_focus = False  # the Input keeps the keyboard; a click still picks a candidate
            yield candidates
            with Horizontal(classes="buttons"):
                yield Button("Go (enter)", variant="primary", id="goto-go")
                yield Button("Cancel (esc)", id="goto-cancel")

    def on_mount(self) -> None:
        self.query_one("#goto-candidates").display = False
        self.query_one("#goto-input", Input).focus()

    @property
    def typed(self) -> str:
        """The raw path the Input stands for."""
        return self.shadow.to_raw(self.query_one("#goto-input", Input).value)

    def action_complete(self) -> None:
        text = self.typed
        candidates = self.complete(text)
        self._fill(completion(text, candidates))
        self._list(candidates if len(candidates) > 1 else [])
        if not candidates:
            self._status("no match (children not loaded yet? press Tab again in a moment)")
        elif len(candidates) == 1:
            self._status("")
        else:
            self._status(f"{len(candidates):,} matches")

    def _fill(self, raw: str) -> None:
        field = self.query_one("#goto-input", Input)
        field.value = self.shadow.fill(raw)
        field.cursor_position = len(field.value)

    def _list(self, candidates: list[str]) -> None:
        self.candidates = candidates[:MAX_LISTED]
        options = self.query_one("#goto-candidates", OptionList)
        options.set_options(Option(Text(inert(path))) for path in self.candidates)
        options.display = bool(self.candidates)

    def _status(self, text: str) -> None:
        self.query_one("#goto-status", Static).update(Text(text))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._fill(self.candidates[event.option_index])
        self.query_one("#goto-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_go()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "goto-go":
            self.action_go()
        else:
            self.action_cancel()

    def action_go(self) -> None:
        path = self.typed  # not stripped: a name may end in a space
        if not path.strip():
            self._status("type a path first")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
