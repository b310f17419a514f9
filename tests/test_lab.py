"""The demo's failover lab: its workload seen as recipes, `lab` actions and their consequences shown live,
and nothing left running after the demo, however it ends."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

import pytest

from tests.helpers import wait_until
from tests.tui_helpers import run_app, wait_connected
from tests.tui_helpers import wait_until as wait_in_app
from zktui.commands.engine import Engine, load_handlers
from zktui.commands.registry import CommandError
from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble
from zktui.sandbox.lab import Lab
from zktui.sandbox.seed import seed_ensemble
from zktui.sandbox.workload import JOBS_LOCK, SESSION_TIMEOUT
from zktui.tui.app import ZkTuiApp

pytestmark = pytest.mark.failover


@pytest.fixture(scope="module")
def lab():
    with Ensemble(servers=3, tick_time=500) as ensemble, Lab(ensemble) as running:
        seed_ensemble(ensemble.hosts)
        running.start_workload()
        running.wait_ready()
        yield running


@pytest.fixture
def engine(lab):
    load_handlers()
    running = Engine(ConnectOptions(hosts=lab.ensemble.hosts), lab=lab)
    running.connect()
    yield running
    running.close()


def test_lab_commands_refuse_outside_the_demo():
    load_handlers()
    with pytest.raises(CommandError, match="zktui demo"):
        Engine(ConnectOptions()).run("lab kill-leader")


def test_the_workload_shows_as_locks_groups_and_an_election(engine):
    locks = {view["path"]: view for view in engine.run("locks /locks").data}
    assert locks[JOBS_LOCK]["recipe"].startswith("kazoo") and len(locks[JOBS_LOCK]["holders"]) == 1
    assert "/locks/pool" in locks and "/locks/config" in locks
    groups = {view["path"]: view for view in engine.run("members /services").data}
    assert sorted(member["identity"] for member in groups["/services/workers"]["members"]) == [
        "worker-1", "worker-2", "worker-3"]
    assert len(groups["/services/api"]["members"]) == 2
    [election] = engine.run("elections /election").data
    assert len(election["holders"]) == 1 and len(election["waiters"]) == 2


def test_bad_lab_input_is_one_clear_line(engine):
    for line, expected in (("lab kill", "needs a server id"), ("lab kill 9", "server 9"),
                           ("lab add-workers 500", "from 1 to"), ("lab kill-worker nobody", "no running worker")):
        with pytest.raises(CommandError, match=expected) as caught:
            engine.run(line)
        assert "\n" not in caught.value.reason


def test_kill_worker_passes_its_lock_on_once_its_session_expires(lab, engine):
    holder_before = engine.run(f"locks {JOBS_LOCK}").data[0]["holders"]
    killed = engine.run("lab kill-worker")  # by default the holder of /locks/jobs
    name = re.search(r"killed (worker-\d+)", killed.text).group(1)
    assert not lab.participants[name].alive
    assert "lab: killed" in "\n".join(engine.timeline.lines())

    def members() -> list[str]:
        groups = {view["path"]: view for view in engine.run("members /services").data}
        return [member["identity"] for member in groups["/services/workers"]["members"]]

    # The session outlives the process until the leader expires it; then its member node goes too.
    wait_until(lambda: name not in members(), timeout=SESSION_TIMEOUT + 10, message=f"{name} to leave")
    holders_after = engine.run(f"locks {JOBS_LOCK}").data[0]["holders"]
    assert all(holder.get("identity") != name for holder in holders_after)
    if holder_before and holder_before[0].get("identity") == name:
        assert holders_after != holder_before
    engine.run("lab add-workers 1")  # back to three for the tests that follow
    wait_until(lambda: len(members()) == 3, timeout=30, message="a replacement worker")


def test_kill_leader_key_shows_the_new_leader_and_the_reconnect_in_the_timeline(lab):
    app = ZkTuiApp(ConnectOptions(hosts=lab.ensemble.hosts), lab=lab)
    old_leader = lab.ensemble.leader()

    def timeline() -> str:
        return "\n".join(app.engine.timeline.lines())

    async def scenario(pilot):
        await wait_connected(pilot)
        await wait_in_app(pilot, lambda: app._last_snapshot is not None, "the first ensemble poll")
        started = time.monotonic()
        await pilot.press("K")
        await wait_in_app(pilot, lambda: "leader changed" in timeline(), "the new leader in the timeline",
                          timeout=20)
        await wait_in_app(pilot, lambda: re.search(r"reconnected to|new session", timeline()), "the reconnect",
                          timeout=20)
        assert time.monotonic() - started < 20
        leader = app._last_snapshot.leader
        assert leader is not None and leader.address != lab.ensemble.spec(old_leader).address
        assert "lab: killed server" in timeline()

    try:
        run_app(app, scenario)
    finally:
        lab.run("heal")
        lab.ensemble.wait_serving(lab.ensemble.ids, timeout=60)


# ----- nothing left behind -----


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry))
    return found


class DemoInTerminal:
    """`zktui demo` in a pseudo-terminal, as a person runs it."""

    def __init__(self) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a 140x40 terminal, then become the demo
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
            os.environ["TERM"] = "xterm-256color"
            os.execv(sys.executable, [sys.executable, "-m", "zktui", "demo"])
        self.output = b""

    def read_until(self, pattern: bytes, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.output)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {pattern!r} within {timeout} s; the demo printed:\n{self.output[-3000:]!r}")
            if select.select([self.fd], [], [], min(remaining, 0.5))[0]:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    break
        if match is None:
            raise AssertionError(f"the demo ended before printing {pattern!r}:\n{self.output[-3000:]!r}")
        return match

    def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
        raise AssertionError("the demo did not exit")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.mark.parametrize("ending", ["q", "SIGKILL"])
def test_the_demo_leaves_nothing_running(ending):
    demo = DemoInTerminal()
    try:
        up = demo.read_until(rb"sandbox ensemble up: (\S+) \(servers log to (\S+)\)", timeout=120)
        hosts, directory = up.group(1).decode(), up.group(2).decode()
        demo.read_until(rb"CONNECTED", timeout=60)  # the TUI's status bar: it runs and is connected
        # Servers name their directory on their command line, workload processes the connect string.
        wait_until(lambda: len(_processes_mentioning(hosts)) >= 14, timeout=30, message="the workload processes")
        assert len(_processes_mentioning(directory)) == 3
        if ending == "q":
            os.write(demo.fd, b"q")
            demo.wait_exit(timeout=60)
        else:
            os.kill(demo.pid, signal.SIGKILL)
            demo.wait_exit(timeout=10)
        wait_until(lambda: not _processes_mentioning(hosts) and not _processes_mentioning(directory),
                   timeout=30, message="every server and workload process to end")
    finally:
        demo.close()
