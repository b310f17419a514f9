"""Which function runs which command, and what a command gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zktui.commands.engine import Engine
    from zktui.commands.parser import Invocation


@dataclass
class Output:
    """A command's result: `text` for people (already inert; zkCli's format where zkCli has one),
    `data` for --json, `raw` for `exec --raw` (the exact bytes of a node's data)."""

    text: str = ""
    data: Any = None
    raw: bytes | None = None


class CommandError(Exception):
    """A command failed; printed as `zktui: <command>: <reason>` (one line).

    For server errors the reason starts with zkCli's own words (`Node not empty: /a`), followed by what
    zktui can add (`(use deleteall)`), so people and scripts used to zkCli recognise it."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f"{command}: {reason}")
        self.command = command
        self.reason = reason


Handler = Callable[["Engine", "Invocation"], Output]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = function
        return function

    return register
