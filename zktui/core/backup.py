"""Where backups go: before `deleteall`, `mv` and `import --force` change anything, what they will remove
or replace is written here as a snapshot, so `import FILE PATH --force` can put it back.

The directory is `$ZKTUI_BACKUP_DIR` when set, else `$XDG_STATE_HOME/zktui/backups`, else
`~/.local/state/zktui/backups` (backups are state: worth keeping, not configuration, not a cache).
Files are readable by their owner only, since node data may hold secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from zktui.core.snapshot import Snapshot, write_snapshot

BACKUP_DIR_VARIABLE = "ZKTUI_BACKUP_DIR"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME_PART = 80


def backup_directory(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    chosen = environ.get(BACKUP_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    state = environ.get("XDG_STATE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "zktui" / "backups"


def backup_name(command: str, znode_path: str, now: datetime | None = None) -> str:
    """`20240501T120000.123Z-deleteall-app_config.json`: sorts by time, says what and where."""
    now = now or datetime.now(timezone.utc)
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
    place = "root" if znode_path == "/" else _UNSAFE_IN_NAME.sub("_", znode_path.strip("/"))
    return f"{stamp}-{_UNSAFE_IN_NAME.sub('_', command)}-{place[:_MAX_NAME_PART]}.json"


def write_backup(
    snapshot: Snapshot, command: str, *, directory: Path | None = None, now: datetime | None = None
) -> Path:
    """Write `snapshot` as a new backup file (never over another one) and return its path."""
    directory = directory or backup_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = backup_name(command, snapshot.root, now)
    candidate = directory / name
    attempt = 1
    while True:
        try:
            # Claim the name first so two zktui processes in the same millisecond get two files.
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            attempt += 1
            candidate = directory / f"{name.removesuffix('.json')}-{attempt}.json"
    return write_snapshot(snapshot, candidate, private=True)
