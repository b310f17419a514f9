"""Edit a znode's data in place: a TextArea when the data is safe, editable text; a read-only view otherwise."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea
from textual.widgets.text_area import Document

from zktui.core.decode import render
from zktui.core.escape import inert, unsafe_chars

BINARY = "binary data: edit it with `set -b` in the prompt"
CONTROLS = ("holds control or escape characters (shown escaped below), which cannot be edited here safely: "
            "edit it with `set -b` in the prompt")
MIXED_NEWLINES = "mixes line endings (\\n and \\r\\n), which the editor would unify: edit it with `set -b` in the prompt"
# A TextArea draws tabs itself and splits lines on these; any other control character would reach the terminal.
_DRAWN_SAFELY = ("\n", "\r", "\t")


def editable_text(data: bytes) -> tuple[str | None, str]:
    """(the text to edit, "") when the TextArea can show `data` safely and save it back byte for byte;
    (None, why not) otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, BINARY
    stray = unsafe_chars(text)
    for allowed in _DRAWN_SAFELY:
        stray = stray.replace(allowed, "")
    if stray:
        return None, CONTROLS
    # The TextArea keeps one newline style for the whole document: mixed endings would be rewritten on save.
    if Document(text).text != text:
        return None, MIXED_NEWLINES
    return text, ""


class EditScreen(ModalScreen[bytes | None]):
    """`EditScreen(path, data, version)` -> the new bytes (ctrl+s), or None (Escape, or nothing changed)."""

    DEFAULT_CSS = """
    EditScreen { align: center middle; }
    EditScreen > #edit-dialog {
        width: 92%; height: 90%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    EditScreen #edit-title { text-style: bold; }
    EditScreen #edit-version { color: $text-muted; }
    EditScreen #edit-warning { color: $warning; text-style: bold; }
    EditScreen #edit-text { height: 1fr; }
    EditScreen #edit-readonly { height: 1fr; border: round $panel; }
    EditScreen .buttons { height: auto; align-horizontal: right; }
    EditScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, path: str, data: bytes, version: int) -> None:
        super().__init__()
        self.path = path
        self.data = data
        self.version = version
        self.text, self.refusal = editable_text(data)

    @property
    def read_only(self) -> bool:
        return self.text is None

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog"):
            yield Static(Text.assemble("edit ", (inert(self.path), "bold")), id="edit-title")
            yield Static(
                Text(f"version {self.version} (the write succeeds only if nobody changed it since)"),
                id="edit-version",
            )
            if self.text is not None:
                yield TextArea(self.text, id="edit-text", soft_wrap=True, show_line_numbers=True)
            else:
                yield Static(Text(self.refusal), id="edit-warning")
                # Text with escapes written out reads better than hex, unless the data is not text at all.
                shown = render(self.data, "auto" if self.refusal == BINARY else "text")
                with VerticalScroll(id="edit-readonly"):
                    yield Static(Text(shown.note, style="dim"), id="edit-note")
                    yield Static(Text("\n".join(shown.lines)), id="edit-body")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="edit-save", disabled=self.read_only)
                yield Button("Cancel (esc)", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-text" if not self.read_only else "#edit-readonly").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "edit-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        if self.read_only:
            self.notify(self.refusal, severity="warning")
            return
        try:
            new_data = self.query_one("#edit-text", TextArea).text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate pasted in cannot be stored as UTF-8
            self.notify("the text holds characters that are not valid Unicode: not saved", severity="error")
            return
        if new_data == self.data:
            # A write of the same bytes would still bump the version and fire every watcher on the node.
            self.notify("unchanged: nothing written", timeout=2)
            self.dismiss(None)
            return
        self.dismiss(new_data)

    def action_cancel(self) -> None:
        self.dismiss(None)
