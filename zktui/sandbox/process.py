"""Starting and signalling ZooKeeper server JVMs.

Two lifetimes: a *bound* server dies with the Python process that started it (tests, the demo), even
when that process is killed outright; a *detached* one outlives the `zktui sandbox up` that started it and
is found again through its pid in the state file.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from zktui.sandbox.install import Installation

MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
JVM_OPTIONS = (
    "-Xms32m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-Djava.net.preferIPv4Stack=true",
    "-Dzookeeper.extendedTypesEnabled=true",  # TTL nodes
    "-Dznode.container.checkIntervalMs=1000",  # empty containers go within about a second
    "-Dzookeeper.jmx.log4j.disable=true",
)
_PR_SET_PDEATHSIG = 1

# PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, so bound servers are always
# forked from this one long-lived thread, whichever thread asked for the start.
_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawner_pool() -> ThreadPoolExecutor:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zktui-sandbox-spawner")
        return _spawner


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def server_command(install: Installation, directory: str, jvm_options: Sequence[str] = ()) -> list[str]:
    return [
        install.java,
        *JVM_OPTIONS,
        *jvm_options,
        f"-Dlog4j.configuration=file:{os.path.join(directory, 'log4j.properties')}",
        f"-Dzookeeper.log.dir={directory}",
        "-cp",
        install.classpath_string,
        MAIN_CLASS,
        os.path.join(directory, "zoo.cfg"),
    ]


def spawn(
    install: Installation, directory: str, bound: bool, jvm_options: Sequence[str] = ()
) -> subprocess.Popen:
    """Start the server of `directory`; `jvm_options` (e.g. -D system properties) go before the class path."""
    command = server_command(install, directory, jvm_options)
    return spawn_logged(command, os.path.join(directory, "stdout.log"), directory, bound)


def spawn_logged(command: Sequence[str], log_path: str, cwd: str, bound: bool) -> subprocess.Popen:
    """Start `command` with its output appended to `log_path`; a bound process dies with us."""
    output = open(log_path, "ab")

    def launch() -> subprocess.Popen:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C in the terminal goes to us; we stop our children in order
            preexec_fn=_die_with_parent if bound else None,
        )

    try:
        if bound:
            return _spawner_pool().submit(launch).result()
        return launch()
    finally:
        output.close()


def is_our_server(pid: int, directory: str) -> bool:
    """True when pid is alive and is the JVM running this directory's zoo.cfg (pids get reused)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().decode("utf-8", errors="replace")
    except OSError:
        return _pid_alive(pid) and not os.path.isdir("/proc")
    if not cmdline:  # read while the java launcher execs: alive, and ours unless the pid was reused just now
        return _pid_alive(pid) and not _is_zombie(pid)
    return os.path.join(directory, "zoo.cfg") in cmdline and not _is_zombie(pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_zombie(pid: int) -> bool:
    return process_state(pid) == "Z"


def process_state(pid: int) -> str | None:
    """The one-letter state from /proc (R, S, T for stopped, Z for zombie), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def is_paused(pid: int) -> bool:
    return process_state(pid) in ("T", "t")


def send(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_gone(pid: int, directory: str, timeout: float, popen: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen is not None:
            if popen.poll() is not None:
                return True
        elif not is_our_server(pid, directory):
            return True
        time.sleep(0.05)
    return False
