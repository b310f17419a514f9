"""The shell's command history file: where it lives, and that credentials never reach it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from zktui.commands.engine import redact


def history_path(environ: Mapping[str, str] | None = None) -> Path:
    """$ZKTUI_HISTORY, else $XDG_DATA_HOME/zktui/history, else ~/.local/share/zktui/history."""
    env = os.environ if environ is None else environ
    if env.get("ZKTUI_HISTORY"):
        return Path(env["ZKTUI_HISTORY"]).expanduser()
    home = env.get("HOME") or str(Path.home())
    data_home = env.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return Path(data_home).expanduser() / "zktui" / "history"


class RedactedFileHistory(FileHistory):
    """A FileHistory that redacts each line (addauth secrets) before keeping it, on disk and in memory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private: even redacted, the paths people work on are nobody else's business.
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        super().__init__(str(path))

    def append_string(self, string: str) -> None:
        super().append_string(redact(string))

    def store_string(self, string: str) -> None:
        super().store_string(redact(string))


class RedactedMemoryHistory(InMemoryHistory):
    """The fallback when the file cannot be written: redacted all the same."""

    def append_string(self, string: str) -> None:
        super().append_string(redact(string))


def open_history(path: Path) -> tuple[History, str | None]:
    """The history to use, and a warning when the file cannot be used (then history lives in memory)."""
    try:
        return RedactedFileHistory(path), None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return RedactedMemoryHistory(), f"cannot use {path} ({reason}); history is kept in memory only"
