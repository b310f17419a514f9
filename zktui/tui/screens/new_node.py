"""Create a child node: name, data and mode, with the `create` command line it runs shown as the user types."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, TextArea

from zktui.core.escape import inert, unsafe_chars
from zktui.core.paths import join

Mode = Literal["persistent", "ephemeral", "persistent_sequential", "ephemeral_sequential", "container", "ttl"]

# Each mode, the `create` flags it takes and the label that explains it.
MODES: dict[str, tuple[tuple[str, ...], str]] = {
    "persistent": ((), "persistent"),
    "ephemeral": (("-e",), "ephemeral (ends with this session)"),
    "persistent_sequential": (("-s",), "persistent sequential"),
    "ephemeral_sequential": (("-e", "-s"), "ephemeral sequential"),
    "container": (("-c",), "container (goes with its last child)"),
    "ttl": (("-t",), "TTL (goes after TTL ms unused)"),
}


def _forbidden_by_zookeeper(char: str) -> bool:
    # PathUtils.validatePath refuses these ranges even though Python and terminals accept some of them.
    return "\ud800" <= char <= "\uf8ff" or "\ufff0" <= char <= "\uffff"


def name_problem(name: str) -> str | None:
    """Why ZooKeeper (or zktui) would refuse `name` as one path segment; None when it is fine."""
    if not name:
        return "a name is needed"
    if "/" in name:
        return "a name cannot hold '/': create one level at a time"
    if name in (".", ".."):
        return f"'{name}' is not allowed as a name"
    controls = unsafe_chars(name)
    if controls:
        return f"control or invisible characters are not allowed: {inert(controls)}"
    refused = "".join(char for char in name if _forbidden_by_zookeeper(char))
    if refused:
        return f"ZooKeeper refuses characters U+D800..U+F8FF and U+FFF0..U+FFFF: {inert(refused)}"
    return None


def ttl_problem(text: str) -> str | None:
    """Why `text` is not a TTL; None when it is a positive whole number of milliseconds."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit() or int(stripped) <= 0:
        return "the TTL must be a positive whole number of milliseconds"
    return None


def create_command_line(parent: str, name: str, data: bytes, mode: str, ttl_ms: int | None = None) -> str:
    """The zktui `create` line that makes this node, quoted so that the prompt reads it back unchanged."""
    flags, _ = MODES[mode]
    words = ["create", *flags]
    if mode == "ttl":
        words.append(str(ttl_ms) if ttl_ms is not None else "TTL")
    text = data.decode("utf-8", "surrogateescape")
    if text.startswith("-"):
        words.append("--")  # data such as "-1" would otherwise be read as a flag
    words.append(shlex.quote(join(parent, name)))
    if text:
        words.append(shlex.quote(text))
    return " ".join(words)


@dataclass(frozen=True)
class NewNodeRequest:
    """What the user asked to create under the parent the screen was opened for."""

    name: str
    data: bytes
    mode: Mode
    ttl_ms: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")
        if (self.mode == "ttl") != (self.ttl_ms is not None):
            raise ValueError("ttl_ms is given for, and only for, the ttl mode")
        if self.ttl_ms is not None and self.ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be positive, not {self.ttl_ms}")

    def path(self, parent: str) -> str:
        return join(parent, self.name)

    def command_line(self, parent: str) -> str:
        return create_command_line(parent, self.name, self.data, self.mode, self.ttl_ms)


class NewNodeScreen(ModalScreen[NewNodeRequest | None]):
    """`NewNodeScreen(parent)` -> a NewNodeRequest (ctrl+s, Enter in a field, Create), or None (Escape)."""

    DEFAULT_CSS = """
    NewNodeScreen { align: center middle; }
    NewNodeScreen > #new-dialog {
        width: 90%; max-width: 120; height: auto; max-height: 95%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    NewNodeScreen #new-title { text-style: bold; }
    NewNodeScreen Label { margin-top: 1; color: $text-muted; }
    NewNodeScreen #new-problem { color: $error; height: auto; }
    NewNodeScreen #new-body { height: auto; }
    NewNodeScreen #new-data-column { width: 1fr; height: auto; }
    NewNodeScreen #new-data { height: 8; }
    NewNodeScreen #new-mode-column { width: 46; height: auto; margin-left: 1; }
    NewNodeScreen #new-mode { width: 100%; }
    NewNodeScreen #new-ttl-row { height: auto; }
    NewNodeScreen #new-ttl { width: 30; }
    NewNodeScreen #new-ttl-note { color: $text-muted; padding: 1 1; }
    NewNodeScreen #new-runs { margin-top: 1; color: $accent; }
    NewNodeScreen .buttons { height: auto; align-horizontal: right; }
    NewNodeScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "create", "Create"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, parent: str) -> None:
        super().__init__()
        self.parent_path = parent  # `parent` is taken: Textual's DOM parent
        self.node_mode: str = "persistent"

    def compose(self) -> ComposeResult:
        with Vertical(id="new-dialog"):
            yield Static(Text.assemble("new node under ", (inert(self.parent_path), "bold")), id="new-title")
            yield Label("name")
            yield Input(placeholder="the new node's name (one level, no '/')", id="new-name")
            yield Static(id="new-problem")
            with Horizontal(id="new-body"):
                with Vertical(id="new-data-column"):
                    yield Label("data (UTF-8 text; may be empty)")
                    yield TextArea(id="new-data", soft_wrap=True)
                with Vertical(id="new-mode-column"):
                    yield Label("mode (arrows move, space picks)")
                    with RadioSet(id="new-mode"):
                        for mode, (_, label) in MODES.items():
                            yield RadioButton(label, value=mode == "persistent", id=f"mode-{mode}")
            with Horizontal(id="new-ttl-row"):
                yield Input(placeholder="TTL in ms, e.g. 60000", id="new-ttl", type="integer")
                yield Static("TTL nodes need the server option zookeeper.extendedTypesEnabled=true",
                             id="new-ttl-note")
            yield Static(id="new-runs")
            with Horizontal(classes="buttons"):
                yield Button("Create (ctrl+s)", variant="primary", id="new-create")
                yield Button("Cancel (esc)", id="new-cancel")

    def on_mount(self) -> None:
        self.query_one("#new-ttl-row").display = False
        self.query_one("#new-name", Input).focus()
        self.refresh_form()

    # ----- reading the form -----

    @property
    def name_text(self) -> str:
        return self.query_one("#new-name", Input).value

    @property
    def data_bytes(self) -> bytes:
        return self.query_one("#new-data", TextArea).text.encode("utf-8", "replace")

    @property
    def ttl_text(self) -> str:
        return self.query_one("#new-ttl", Input).value

    def problem(self) -> str | None:
        """What stops the form from being submitted, or None."""
        problem = name_problem(self.name_text)
        if problem is None and self.node_mode == "ttl":
            problem = ttl_problem(self.ttl_text)
        return problem

    def request(self) -> NewNodeRequest | None:
        if self.problem() is not None:
            return None
        ttl_ms = int(self.ttl_text) if self.node_mode == "ttl" else None
        return NewNodeRequest(self.name_text, self.data_bytes, self.node_mode, ttl_ms)  # type: ignore[arg-type]

    def command_preview(self) -> str:
        """The `runs:` line, with NAME / TTL standing in for what is not valid yet."""
        name = self.name_text if name_problem(self.name_text) is None else "NAME"
        ttl_ms = None
        if self.node_mode == "ttl" and ttl_problem(self.ttl_text) is None:
            ttl_ms = int(self.ttl_text)
        return create_command_line(self.parent_path, name, self.data_bytes, self.node_mode, ttl_ms)

    # ----- keeping it live -----

    def refresh_form(self) -> None:
        name_input = self.query_one("#new-name", Input)
        name_issue = name_problem(self.name_text)
        # An empty name is only a problem once the user tries to submit: no red form on opening.
        name_input.set_class(bool(self.name_text) and name_issue is not None, "-invalid")
        shown_issue = name_issue if self.name_text else None
        if shown_issue is None and self.node_mode == "ttl" and self.ttl_text:
            shown_issue = ttl_problem(self.ttl_text)
        self.query_one("#new-problem", Static).update(Text(shown_issue or ""))
        self.query_one("#new-runs", Static).update(Text.assemble(("runs: ", "bold"), inert(self.command_preview())))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_form()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.refresh_form()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        button_id = event.pressed.id or ""
        self.node_mode = button_id.removeprefix("mode-")
        self.query_one("#new-ttl-row").display = self.node_mode == "ttl"
        self.refresh_form()

    # ----- answering -----

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "new-create":
            self.action_create()
        else:
            self.action_cancel()

    def action_create(self) -> None:
        request = self.request()
        if request is None:
            problem = self.problem() or ""
            self.query_one("#new-problem", Static).update(Text(problem))
            field = "#new-name" if name_problem(self.name_text) else "#new-ttl"
            self.query_one(field, Input).set_class(True, "-invalid").focus()
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
