"""The command palette: one entry per engine command (from the command table)."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from zktui.commands.spec import COMMANDS


class ZkCommands(Provider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            text = f"{command.name}: {command.summary}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._start, command.name), help=command.usage)

    async def discover(self) -> Hits:
        for command in COMMANDS:
            yield Hit(1, f"{command.name}: {command.summary}", partial(self._start, command.name),
                      help=command.usage)

    def _start(self, name: str) -> None:
        """Put the command in the prompt for its arguments."""
        from zktui.tui.widgets.prompt import CommandPrompt

        prompt = self.app.query_one(CommandPrompt)
        prompt.value = f"{name} "
        prompt.cursor_position = len(prompt.value)
        prompt.focus()
