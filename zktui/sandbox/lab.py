"""The failover lab behind `zktui demo`: a sandbox ensemble, a workload on it, and the actions that break it.

The workload's participants are separate processes (zktui.sandbox.workload), each with its own session,
bound to this process like the servers: nothing outlives the demo, even when it is killed outright.
Actions return one line saying what was done; what follows from it (a new leader, a lock passing on, a
member leaving) is for zktui to show.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from kazoo.client import KazooClient

from zktui.commands.spec import LAB_ACTIONS
from zktui.sandbox import process
from zktui.sandbox.ensemble import Ensemble
from zktui.sandbox.install import SandboxError
from zktui.sandbox.workload import ELECTION, JOBS_LOCK, SERVICES, WORKERS

# Who runs at the start: three services, three lock workers, a read/write pair, three leasers of two
# leases, three election candidates.
DEFAULT_WORKLOAD: tuple[tuple[str, str], ...] = (
    ("service", "api-1"), ("service", "api-2"), ("service", "billing-1"),
    ("worker", "worker-1"), ("worker", "worker-2"), ("worker", "worker-3"),
    ("reader", "reader-1"), ("writer", "writer-1"),
    ("leaser", "leaser-1"), ("leaser", "leaser-2"), ("leaser", "leaser-3"),
    ("candidate", "scheduler-a"), ("candidate", "scheduler-b"), ("candidate", "scheduler-c"),
)
MAX_ADDED_AT_ONCE = 20


@dataclass
class Participant:
    role: str
    name: str
    popen: subprocess.Popen

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


class Lab:
    """An ensemble and its workload. Thread-safe: actions come from the front end's worker threads."""

    def __init__(self, ensemble: Ensemble) -> None:
        self.ensemble = ensemble
        self.participants: dict[str, Participant] = {}
        self._lock = threading.Lock()
        self._log_directory = os.path.join(ensemble.directory, "workload")

    # ----- the workload -----

    def start_workload(self, workload: tuple[tuple[str, str], ...] = DEFAULT_WORKLOAD) -> None:
        for role, name in workload:
            self._spawn(role, name)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the default workload's nodes are all there (a lock queue, both api instances, three
        workers, three candidates)."""
        client = KazooClient(hosts=self.ensemble.hosts)
        client.start(timeout=30)
        try:
            deadline = time.monotonic() + timeout
            while not _workload_ready(client):
                if time.monotonic() > deadline:
                    raise SandboxError(f"the workload did not come up within {timeout:.0f} s (logs in "
                                       f"{self._log_directory})")
                time.sleep(0.2)
        finally:
            client.stop()
            client.close()

    def _spawn(self, role: str, name: str) -> Participant:
        os.makedirs(self._log_directory, exist_ok=True)
        command = [sys.executable, "-m", "zktui.sandbox.workload", role, name, self.ensemble.hosts]
        popen = process.spawn_logged(command, os.path.join(self._log_directory, f"{name}.log"),
                                     self._log_directory, bound=True)
        participant = Participant(role, name, popen)
        with self._lock:
            self.participants[name] = participant
        return participant

    def stop(self) -> None:
        """SIGKILL every participant (their sessions end with the servers, which stop next)."""
        with self._lock:
            participants = list(self.participants.values())
        for participant in participants:
            if participant.alive:
                participant.popen.kill()
        for participant in participants:
            try:
                participant.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ----- actions -----

    def run(self, action: str, argument: str | None = None) -> str:
        """One lab action by name, as the `lab` command gives it; raises SandboxError on bad input."""
        if action == "status":
            return self.status()
        if action == "kill-leader":
            return self.kill_leader()
        if action in ("kill", "restart", "pause", "resume"):
            return self.server_action(action, _server_id(action, argument))
        if action == "heal":
            return self.heal()
        if action == "kill-worker":
            return self.kill_worker(argument)
        if action == "add-workers":
            return self.add_workers(_count(argument))
        raise SandboxError(f"unknown lab action '{action}'; one of: {', '.join(LAB_ACTIONS)}")

    def kill_leader(self) -> str:
        leader = self.ensemble.leader()
        if leader is None:
            raise SandboxError("no server leads right now (an election is on, or too few servers run)")
        address = self.ensemble.spec(leader).address
        self.ensemble.kill(leader)
        return f"killed server {leader} ({address}), the leader: the others elect a new one"

    def server_action(self, action: str, myid: int) -> str:
        address = self.ensemble.spec(myid).address
        if action == "kill":
            self.ensemble.kill(myid)
            return f"killed server {myid} ({address})"
        if action == "restart":
            if self.ensemble.pid(myid) is not None:
                self.ensemble.stop(myid)
            self.ensemble.start(myid, wait=False)
            return f"started server {myid} ({address}); it rejoins once it has synced"
        if action == "pause":
            self.ensemble.pause(myid)
            return f"paused server {myid} ({address}) with SIGSTOP: its clients time out and move"
        self.ensemble.resume(myid)
        return f"resumed server {myid} ({address})"

    def heal(self) -> str:
        """Every server back: the stopped ones started, the paused ones resumed."""
        done = []
        for server in self.ensemble.status():
            if server.mode == "paused":
                self.ensemble.resume(server.myid)
                done.append(f"resumed {server.myid}")
            elif server.mode == "down":
                self.ensemble.start(server.myid, wait=False)
                done.append(f"started {server.myid}")
        return "; ".join(done) if done else "every server is running"

    def kill_worker(self, name: str | None = None) -> str:
        """SIGKILL a worker (the named one, else the first alive): its session lives on until it expires."""
        with self._lock:
            workers = [p for p in self.participants.values() if p.role == "worker" and p.alive]
        if name is not None:
            workers = [p for p in workers if p.name == name]
            if not workers:
                raise SandboxError(f"no running worker named '{name}'")
        if not workers:
            raise SandboxError("no worker is running (lab add-workers N starts some)")
        victim = workers[0]
        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(timeout=10)
        return (f"killed {victim.name} (pid {victim.popen.pid}): its nodes stay until its session expires, "
                "then its lock passes on")

    def add_workers(self, count: int) -> str:
        with self._lock:
            taken = {p.name for p in self.participants.values()}
        names = []
        number = 1
        while len(names) < count:
            name = f"worker-{number}"
            if name not in taken:
                names.append(name)
            number += 1
        for name in names:
            self._spawn("worker", name)
        return f"started {', '.join(names)}: more contention on /locks/jobs"

    def status(self) -> str:
        lines = [f"server {s.myid}  {s.address}  {s.mode}" for s in self.ensemble.status()]
        with self._lock:
            participants = sorted(self.participants.values(), key=lambda p: (p.role, p.name))
        for participant in participants:
            state = "running" if participant.alive else f"ended ({participant.popen.returncode})"
            lines.append(f"{participant.role:<9} {participant.name:<12} pid {participant.popen.pid}  {state}")
        return "\n".join(lines)


def _workload_ready(client: KazooClient) -> bool:
    def count(path: str) -> int:
        return len(client.get_children(path)) if client.exists(path) else 0

    return (count(JOBS_LOCK) >= 2 and count(f"{SERVICES}/api") == 2 and count(WORKERS) >= 3
            and count(ELECTION) == 3)


def _server_id(action: str, argument: str | None) -> int:
    if argument is None or not argument.isdigit():
        raise SandboxError(f"lab {action} needs a server id (lab status lists them)")
    return int(argument)


def _count(argument: str | None) -> int:
    if argument is None:
        return 1
    if not argument.isdigit() or not 1 <= int(argument) <= MAX_ADDED_AT_ONCE:
        raise SandboxError(f"lab add-workers takes a count from 1 to {MAX_ADDED_AT_ONCE}")
    return int(argument)
