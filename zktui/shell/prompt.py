"""The prompt (`[CONNECTED 127.0.0.1:2181] /app> `) and the shell's colours."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.styles import Style

from zktui.core.escape import inert
from zktui.core.session import ConnState, Session

STATE_LABELS = {
    ConnState.CONNECTING: "CONNECTING",
    ConnState.CONNECTED: "CONNECTED",
    ConnState.READ_ONLY: "READ-ONLY SERVER",
    ConnState.SUSPENDED: "SUSPENDED",
    ConnState.LOST: "LOST",
    ConnState.CLOSED: "CLOSED",
}

SHELL_STYLE = Style.from_dict({
    "state.connected": "ansigreen bold",
    "state.read_only": "ansicyan bold",
    "state.connecting": "ansiyellow bold",
    "state.suspended": "ansiyellow bold",
    "state.lost": "ansired bold",
    "state.closed": "ansired bold",
    "cwd": "bold",
    "command": "ansicyan bold",
    "unknown": "ansiyellow underline",
    "flag": "ansimagenta",
    "value": "ansigreen",
    "path": "ansiblue",
    "string": "ansigreen",
    "escaped": "reverse",  # a character typed or pasted that the line shows as its escape (shell.invisibles)
    "question": "ansiyellow bold",
})


def prompt_fragments(session: Session | None, cwd: str) -> StyleAndTextTuples:
    """Recomputed at every redraw, so a state change shows as soon as the prompt is invalidated."""
    state = session.state if session is not None else ConnState.CLOSED
    server = f" {session.server}" if session is not None and session.server else ""
    return [
        ("", "["),
        (f"class:state.{state.name.lower()}", STATE_LABELS[state]),
        ("", f"{inert(server)}] "),
        ("class:cwd", inert(cwd)),
        ("", "> "),
    ]


def prompt_text(session: Session | None, cwd: str) -> str:
    return "".join(text for _, text, *_ in prompt_fragments(session, cwd))
