"""Find a node by a part of its path: among the paths loaded so far, and (ctrl+f) on the whole server."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from zktui.core.escape import inert

MAX_SHOWN = 500
MATCH_STYLE = "bold reverse"


def matching(paths: Iterable[str], text: str) -> tuple[list[str], int]:
    """(the first MAX_SHOWN paths holding `text`, case-insensitively, in order; how many match in all)."""
    lowered = text.lower()
    shown: list[str] = []
    total = 0
    for path in paths:
        if lowered in path.lower():
            total += 1
            if len(shown) < MAX_SHOWN:
                shown.append(path)
    return shown, total


def highlighted(path: str, text: str) -> Text:
    """The path, inert, with the first occurrence of `text` marked (unmarked if it spans an escaped char)."""
    shown = Text(inert(path))
    if text:
        start = shown.plain.lower().find(text.lower())
        if start >= 0:
            shown.stylize(MATCH_STYLE, start, start + len(text))
    return shown


class FindScreen(ModalScreen[str | None]):
    """`FindScreen(loaded_paths, start_search)` -> the path picked (Enter or a click), or None (Escape).

    `loaded_paths()` is read once, on opening. ctrl+f calls `start_search(text)`; the app reports back on the
    UI thread with `search_progress(count)` and `search_results(paths, error)`, whose paths join the list.
    """

    DEFAULT_CSS = """
    FindScreen { align: center top; }
    FindScreen > #find-dialog {
        width: 90%; max-width: 130; height: 85%; margin-top: 2; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    FindScreen #find-hint, FindScreen #find-count, FindScreen #find-search { color: $text-muted; }
    FindScreen #find-matches { height: 1fr; border: round $panel; }
    FindScreen .buttons { height: auto; align-horizontal: right; }
    FindScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("ctrl+f", "search_server", "Search the server"),
        Binding("down", "move('cursor_down')", show=False),
        Binding("up", "move('cursor_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, loaded_paths: Callable[[], list[str]], start_search: Callable[[str], None]) -> None:
        super().__init__()
        self.loaded_paths = loaded_paths
        self.start_search = start_search
        self.pool: list[str] = []
        self.known: set[str] = set()
        self.shown: list[str] = []
        self.searching = False

    def compose(self) -> ComposeResult:
        with Vertical(id="find-dialog"):
            yield Static(Text("find: type part of a path; Enter picks, ctrl+f searches the whole server, "
                              "Escape cancels"), id="find-hint")
            yield Input(placeholder="part of a path (case-insensitive)", id="find-input")
            yield Static(id="find-count")
            matches = OptionList(id="find-matches")
            matches.can_focus = False  # the Input keeps the keyboard; up/down move the highlight from there
            yield matches
            yield Static(id="find-search")
            with Horizontal(classes="buttons"):
                yield Button("Go (enter)", variant="primary", id="find-go")
                yield Button("Search server (ctrl+f)", id="find-server")
                yield Button("Cancel (esc)", id="find-cancel")

    def on_mount(self) -> None:
        self._join(self.loaded_paths())
        self.query_one("#find-input", Input).focus()
        self.refilter()

    @property
    def text(self) -> str:
        return self.query_one("#find-input", Input).value

    def _join(self, paths: Iterable[str]) -> int:
        """Add paths not known yet to the pool; how many were new."""
        new = [path for path in paths if path not in self.known]
        self.known.update(new)
        self.pool += new
        return len(new)

    def refilter(self) -> None:
        self.shown, total = matching(self.pool, self.text)
        options = self.query_one("#find-matches", OptionList)
        options.set_options(Option(highlighted(path, self.text)) for path in self.shown)
        if self.shown:
            options.highlighted = 0
        if total > len(self.shown):
            count = f"{total:,} matches, the first {len(self.shown):,} shown: type more to narrow"
        else:
            count = f"{total:,} match{'' if total == 1 else 'es'} among {len(self.pool):,} paths"
        self.query_one("#find-count", Static).update(Text(count))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter()

    def action_move(self, action: str) -> None:
        getattr(self.query_one("#find-matches", OptionList), f"action_{action}")()

    # ----- the server search -----

    def action_search_server(self) -> None:
        text = self.text
        if not text:
            self._search_status("type part of a path first, then ctrl+f")
            return
        self.searching = True
        self._search_status(f"searching the server for '{inert(text)}'...")
        self.start_search(text)

    def search_progress(self, count: int) -> None:
        """The app's search has looked at `count` nodes so far."""
        if self.is_attached:  # the user may have closed the screen while the search ran
            self._search_status(f"searching the server: {count:,} nodes looked at...")

    def search_results(self, paths: list[str], error: str | None) -> None:
        """The app's search ended: its matches join the list (`error` says why it stopped early, if it did)."""
        if not self.is_attached:
            return
        self.searching = False
        new = self._join(paths)
        found = f"server search: {len(paths):,} match{'' if len(paths) == 1 else 'es'}, {new:,} not loaded before"
        self._search_status(f"{found}; {inert(error)}" if error else found)
        self.refilter()

    def _search_status(self, text: str) -> None:
        self.query_one("#find-search", Static).update(Text(text))

    # ----- answering -----

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_pick()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"find-go": self.action_pick, "find-server": self.action_search_server}
        actions.get(event.button.id or "", self.action_cancel)()

    def action_pick(self) -> None:
        index = self.query_one("#find-matches", OptionList).highlighted
        if index is None or index >= len(self.shown):
            self._search_status("nothing to pick: no path matches")
            return
        self.dismiss(self.shown[index])

    def action_cancel(self) -> None:
        self.dismiss(None)
