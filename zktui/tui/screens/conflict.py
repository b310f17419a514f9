"""A write lost a version race: show the server's data next to the user's, differing lines marked, and ask."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import zip_longest
from typing import Literal

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from zktui.core.decode import detect, render
from zktui.core.escape import inert

Choice = Literal["overwrite", "edit", "discard"]

# Rows past this are summarised: a table of a megabyte of lines would stall the screen.
MAX_ROWS = 3_000
THEIRS_MARK, YOURS_MARK, SAME_MARK = "- ", "+ ", "  "
_VIEW_OF_KIND = {"json": "json", "text": "text", "gzip": "gzip", "zlib": "zlib", "binary": "hex"}


@dataclass(frozen=True)
class Row:
    """One line of each side, aligned; None where that side has no line here."""

    theirs: str | None
    yours: str | None
    differs: bool


def common_view(theirs: bytes, yours: bytes) -> str:
    """The one view both sides are shown in, so that the diff compares like with like."""
    kinds = {detect(data) for data in (theirs, yours)} - {"empty"}
    if len(kinds) == 1:
        return _VIEW_OF_KIND[kinds.pop()]
    return "hex" if "binary" in kinds else "text"


def aligned_rows(theirs: list[str], yours: list[str]) -> list[Row]:
    """Both sides line by line; a line only one side has faces a gap on the other side."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=theirs, b=yours, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(line, line, False) for line in theirs[a_start:a_end]]
            continue
        pairs = zip_longest(theirs[a_start:a_end], yours[b_start:b_end])
        rows += [Row(mine, other, True) for mine, other in pairs]
    return rows


def _cell(line: str | None, differs: bool, mark: str, style: str) -> Text:
    if line is None:
        return Text("")
    if not differs:
        return Text(SAME_MARK + line)
    return Text.assemble((mark, f"bold {style}"), (line, style))


def diff_table(rows: list[Row], theirs_title: str, yours_title: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column(Text(theirs_title, style="bold"), ratio=1, overflow="fold")
    table.add_column(Text(yours_title, style="bold"), ratio=1, overflow="fold")
    for row in rows[:MAX_ROWS]:
        table.add_row(_cell(row.theirs, row.differs, THEIRS_MARK, "red"),
                      _cell(row.yours, row.differs, YOURS_MARK, "green"))
    return table


class ConflictScreen(ModalScreen[Choice | None]):
    """`ConflictScreen(path, yours, theirs, theirs_version, your_version)` -> "overwrite" | "edit" | "discard"
    | None (Escape). It only asks: the app does the writing."""

    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    ConflictScreen > #conflict-dialog {
        width: 95%; height: 90%; padding: 0 1;
        border: thick $warning; background: $surface;
    }
    ConflictScreen #conflict-title { text-style: bold; }
    ConflictScreen #conflict-summary { color: $text-muted; }
    ConflictScreen #conflict-diff { height: 1fr; }
    ConflictScreen .buttons { height: auto; align-horizontal: right; }
    ConflictScreen .buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("o", "choose('overwrite')", "Overwrite theirs"),
        Binding("e", "choose('edit')", "Edit again"),
        Binding("d", "choose('discard')", "Discard mine"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, path: str, yours: bytes, theirs: bytes, theirs_version: int, your_version: int) -> None:
        super().__init__()
        self.path = path
        self.yours = yours
        self.theirs = theirs
        self.theirs_version = theirs_version
        self.your_version = your_version
        view = common_view(theirs, yours)
        # render() makes every line inert: both sides may hold anything a client wrote.
        self.rows = aligned_rows(list(render(theirs, view).lines), list(render(yours, view).lines))

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-dialog"):
            yield Static(Text.assemble("conflict on ", (inert(self.path), "bold")), id="conflict-title")
            yield Static(Text(self.summary()), id="conflict-summary")
            with VerticalScroll(id="conflict-diff"):
                yield Static(diff_table(self.rows, f"theirs (version {self.theirs_version}, on the server now)",
                                        f"yours (based on version {self.your_version})"), id="conflict-table")
            with Horizontal(classes="buttons"):
                yield Button("Overwrite theirs (o)", variant="error", id="overwrite")
                yield Button("Edit again (e)", variant="primary", id="edit")
                yield Button("Discard mine (d)", id="discard")

    def summary(self) -> str:
        changed = sum(row.differs for row in self.rows)
        head = (f"someone changed this node since you read version {self.your_version}; "
                f"nothing has been written yet. ")
        if self.yours == self.theirs:
            return head + "The data is the same on both sides."
        rows = f"{changed:,} line{'' if changed == 1 else 's'} differ (marked - and +)"
        cut = len(self.rows) - MAX_ROWS
        return head + (rows + f"; {cut:,} rows not shown" if cut > 0 else rows)

    def on_mount(self) -> None:
        self.query_one("#edit", Button).focus()  # the choice that loses nobody's work

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "")

    def action_choose(self, choice: str) -> None:
        if choice in ("overwrite", "edit", "discard"):
            self.dismiss(choice)  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)
