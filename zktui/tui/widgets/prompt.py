"""The command prompt: the same engine, commands, completion and errors as `zktui shell`."""

from __future__ import annotations

import os

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, RichLog

from zktui.commands.complete import complete

MAX_LOG_LINES = 5000


class OutputLog(RichLog):
    """Command output and watch events; never markup (server text may contain `[`)."""

    DEFAULT_CSS = "OutputLog { height: 8; border-top: solid $primary-background; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LOG_LINES, wrap=False, markup=False, highlight=False, **kwargs)

    def command(self, prompt: str, line: str) -> None:
        self.write(Text.assemble((prompt, "bold cyan"), line))

    def output(self, text: str) -> None:
        if text:
            self.write(Text(text))

    def error(self, text: str) -> None:
        self.write(Text(text, style="red"))

    def note(self, text: str) -> None:
        self.write(Text(text, style="dim italic"))


class CommandPrompt(Input):
    """Enter runs the line; Tab completes; Up/Down walk the history; Escape goes back to the tree."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    class Submitted(Message):
        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="command (help lists them) · Tab completes · Esc back to the tree", **kwargs)
        self.history: list[str] = []
        self._history_index = 0
        self.cwd = "/"
        self.children_of = lambda parent: None  # set by the app: cached children, None when unknown
        self.on_candidates = lambda names: None

    async def action_submit(self) -> None:
        line = self.value.strip()
        if not line:
            return
        self.history.append(line)
        self._history_index = len(self.history)
        self.value = ""
        self.post_message(self.Submitted(line))

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_index = max(0, min(len(self.history), self._history_index + step))
        self.value = self.history[self._history_index] if self._history_index < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        before = self.value[: self.cursor_position]
        candidates = complete(before, self.cwd, self.children_of)
        if not candidates:
            return
        texts = [c.text for c in candidates]
        start = len(before) + candidates[0].start
        common = os.path.commonprefix(texts)
        if len(candidates) == 1 or common:
            insert = texts[0] if len(candidates) == 1 else common
            self.value = before[:start] + insert + self.value[self.cursor_position :]
            self.cursor_position = start + len(insert)
        if len(candidates) > 1:
            self.on_candidates([c.display for c in candidates])
