"""Run Debian's zkCli.sh non-interactively and return each command's output without zkCli's own noise.

zkCli reads commands from stdin when none is given on its command line. Between our commands we send a
marker: `ls` of a node that cannot exist, whose error line ("Node does not exist: <marker>") splits the merged
stdout/stderr stream (zkCli prints results on stdout and errors on stderr, line by line, flushed, so the
merged order is the order of the commands).
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Sequence

from zktui.sandbox import find_installation

# Logging set-up lines SLF4J/log4j print on stderr whenever a class first logs (the banner comes before our
# first marker and is dropped with it).
_NOISE_LINE = re.compile(r"^(SLF4J: |log4j:).*\n", re.M)
# Watch events are printed by another thread as "\nWATCHER::\n" and "\nWatchedEvent state:... path:...\n".
_WATCH_EVENT = re.compile(r"\nWATCHER::\n|\nWatchedEvent state:\S+ type:\S+ path:\S*\n")


class ZkCliError(RuntimeError):
    pass


def zkcli_path() -> str:
    path = find_installation().zkcli
    if path is None:
        raise ZkCliError("zkCli.sh not found in the ZooKeeper installation")
    return path


def run_zkcli(
    server: str, commands: Sequence[str], tz: str | None = None, timeout: float = 120.0
) -> list[str]:
    """Run `commands` in one zkCli.sh session against `server` (host:port); one output per command.

    Each output is the text zkCli printed for that command (stdout and stderr together) without its final
    newline. `tz` sets the JVM's default time zone through the TZ environment variable.
    """
    for command in commands:
        if "\n" in command:
            raise ValueError(f"a zkCli command is one line: {command!r}")
    token = uuid.uuid4().hex
    markers = [f"/zkcli-marker-{token}-{i}" for i in range(len(commands) + 1)]
    lines = ["printwatches off", f"ls {markers[0]}"]
    for command, marker in zip(commands, markers[1:], strict=True):
        lines += [command, f"ls {marker}"]
    env = dict(os.environ, LC_ALL="C.UTF-8", CLIENT_JVMFLAGS="-Dfile.encoding=UTF-8")
    if tz is not None:
        env["TZ"] = tz
    completed = subprocess.run(
        [zkcli_path(), "-server", server],
        input=("\n".join(lines) + "\n").encode("utf-8"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        timeout=timeout,
        check=False,
    )
    return split_outputs(completed.stdout.decode("utf-8", errors="replace"), markers)


def split_outputs(raw: str, markers: Sequence[str]) -> list[str]:
    """Cut zkCli's merged output at the marker lines; everything before the first marker is discarded."""
    text = _WATCH_EVENT.sub("", raw)
    text = _NOISE_LINE.sub("", text)
    pieces = []
    for marker in markers:
        # Usually "Node does not exist: <marker>"; right after a dropped connection the marker's own read
        # may fail differently ("KeeperErrorCode = ConnectionLoss for <marker>"), still on one line.
        found = re.search(rf"^.*{re.escape(marker)}\n", text, re.M)
        if found is None:
            raise ZkCliError(f"zkCli output lacks marker {marker}; output was:\n{raw[-4000:]}")
        pieces.append(text[: found.start()])
        text = text[found.end() :]
    return [piece[:-1] if piece.endswith("\n") else piece for piece in pieces[1:]]
