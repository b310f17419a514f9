"""A real ZooKeeper ensemble on 127.0.0.1, for the demo, the tests and failover drills."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass

from zktui.core.fourletter import FourLetterWordError, server_summary
from zktui.sandbox import process, security
from zktui.sandbox.config import (
    LOOPBACK,
    ServerSpec,
    free_base_port,
    layout,
    server_directory,
    taken_ports,
    write_server_files,
)
from zktui.sandbox.install import Installation, SandboxError, find_installation
from zktui.sandbox.security import ClientTlsFiles

STATE_FILE = "ensemble.json"
SERVING_MODES = ("leader", "follower", "observer", "standalone")
_live_ensembles: weakref.WeakSet[Ensemble] = weakref.WeakSet()


def default_directory() -> str:
    """Where `zktui sandbox` keeps its state between invocations (XDG state dir)."""
    state_home = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state_home, "zktui", "sandbox")


@dataclass(frozen=True)
class ServerStatus:
    myid: int
    address: str
    mode: str  # leader, follower, observer, standalone, looking, paused or down
    pid: int | None

    def line(self) -> str:
        return f"{self.myid} {self.address} {self.mode} {self.pid if self.pid else '-'}"


class Ensemble:
    """N ZooKeeper servers, each with its own directory, ports and log.

    `bound=True` (the default, for tests and the demo) ties every JVM to this Python process: they are
    stopped by `down()`, on context exit, at interpreter exit, and killed by the kernel if we are killed.
    `bound=False` is what `zktui sandbox up` uses: the servers outlive the command and later commands find
    them again through the state file in `directory`.

    `tls=True` adds a secureClientPort to every server (certificates made once in `directory`; see
    `tls_hosts` and `tls_files`), with client certificates required (`tls_client_auth="need"`), optional
    ("want") or not asked for ("none"). `sasl_users` (name -> password) lets those users log in with
    SASL DIGEST-MD5; plain clients can still connect.
    """

    def __init__(
        self,
        servers: int = 3,
        base_port: int | None = None,
        directory: str | None = None,
        tick_time: int = 2000,
        bound: bool = True,
        install: Installation | None = None,
        *,
        tls: bool = False,
        tls_client_auth: str = "need",
        sasl_users: dict[str, str] | None = None,
    ) -> None:
        if tls_client_auth not in security.CLIENT_AUTH_MODES:
            raise ValueError(f"tls_client_auth is one of {', '.join(security.CLIENT_AUTH_MODES)}")
        self.install = install or find_installation()
        self.tick_time = tick_time
        self.bound = bound
        self.tls = tls
        self.tls_client_auth = tls_client_auth
        self.sasl_users = dict(sasl_users or {})
        self.sasl = bool(self.sasl_users)
        self._owns_directory = directory is None
        self.directory = os.path.abspath(directory or tempfile.mkdtemp(prefix="zktui-sandbox-"))
        base_port = base_port if base_port is not None else free_base_port(servers, tls=tls)
        self.specs: list[ServerSpec] = layout(servers, base_port, tls)
        self._pids: dict[int, int] = {}
        self._popens: dict[int, subprocess.Popen] = {}
        self._lock = threading.RLock()
        if bound:
            _live_ensembles.add(self)

    # ----- construction from saved state (CLI) -----

    @classmethod
    def load(cls, directory: str | None = None) -> Ensemble:
        directory = os.path.abspath(directory or default_directory())
        path = os.path.join(directory, STATE_FILE)
        try:
            with open(path) as f:
                state = json.load(f)
        except FileNotFoundError:
            raise SandboxError(f"no sandbox in {directory}: start one with `zktui sandbox up`") from None
        except (OSError, ValueError) as exc:
            raise SandboxError(f"cannot read {path}: {exc}") from None
        ensemble = cls.__new__(cls)
        ensemble.install = find_installation()
        ensemble.tick_time = state["tick_time"]
        ensemble.bound = False
        ensemble.tls = state.get("tls", False)
        ensemble.tls_client_auth = state.get("tls_client_auth", "need")
        # Passwords stay in the JAAS file only: a loaded ensemble knows SASL is on and reuses that file.
        ensemble.sasl_users = {}
        ensemble.sasl = state.get("sasl", False)
        ensemble._owns_directory = False
        ensemble.directory = directory
        ensemble.specs = [ServerSpec(**s) for s in state["servers"]]
        ensemble._pids = {int(k): v for k, v in state.get("pids", {}).items()}
        ensemble._popens = {}
        ensemble._lock = threading.RLock()
        return ensemble

    def _save(self) -> None:
        state = {
            "tick_time": self.tick_time,
            "tls": self.tls,
            "tls_client_auth": self.tls_client_auth,
            "sasl": self.sasl,
            "servers": [s.to_dict() for s in self.specs],
            "pids": {str(k): v for k, v in self._pids.items()},
        }
        tmp = os.path.join(self.directory, STATE_FILE + ".tmp")
        with open(tmp, "w") as f:
            json.dump(state, f, indent=2)
        os.replace(tmp, os.path.join(self.directory, STATE_FILE))

    # ----- addresses -----

    @property
    def hosts(self) -> str:
        """The connect string: 127.0.0.1:P1,127.0.0.1:P2,..."""
        return ",".join(s.address for s in self.specs)

    connect_string = hosts

    @property
    def tls_hosts(self) -> str:
        """The connect string of the secure client ports: 127.0.0.1:S1,127.0.0.1:S2,..."""
        self._require_tls()
        return ",".join(s.secure_address for s in self.specs)

    @property
    def tls_files(self) -> ClientTlsFiles:
        """The CA certificate and the client certificate and key a TLS client of this ensemble uses."""
        self._require_tls()
        return security.tls_files(self.directory).client

    def _require_tls(self) -> None:
        if not self.tls:
            raise SandboxError("this ensemble has no TLS port: create it with tls=True")

    @property
    def ids(self) -> list[int]:
        return [s.myid for s in self.specs]

    def spec(self, myid: int) -> ServerSpec:
        for s in self.specs:
            if s.myid == myid:
                return s
        raise SandboxError(f"no server {myid} in this ensemble (servers are {', '.join(map(str, self.ids))})")

    def server_directory(self, myid: int) -> str:
        return server_directory(self.directory, myid)

    def log_path(self, myid: int) -> str:
        return os.path.join(self.server_directory(myid), "zookeeper.log")

    def log_tail(self, myid: int, lines: int = 20) -> str:
        chunks = []
        for name in ("zookeeper.log", "stdout.log"):
            path = os.path.join(self.server_directory(myid), name)
            try:
                with open(path, errors="replace") as f:
                    tail = f.readlines()[-lines:]
            except OSError:
                continue
            if tail:
                chunks.append(f"--- server {myid} {name} (last {len(tail)} lines)\n" + "".join(tail))
        return "".join(chunks) or f"--- server {myid}: no log yet\n"

    # ----- lifecycle -----

    def up(self, timeout: float = 60.0) -> Ensemble:
        """Write every server's files, start them all and wait until each one serves."""
        with self._lock:
            running = [s.myid for s in self.specs if self.pid(s.myid)]
            if running:
                raise SandboxError(f"servers {', '.join(map(str, running))} of {self.directory} are already running")
            taken = taken_ports(self.specs)
            if taken:
                spec, role, port = taken[0]
                raise SandboxError(
                    f"port {port} ({role.replace('_', ' ')} port of server {spec.myid}) is already in use on "
                    f"{LOOPBACK}; pick another --base-port"
                )
            os.makedirs(self.directory, exist_ok=True)
            shared_config = self._prepare_security()
            for spec in self.specs:
                extra = shared_config + self._tls_config(spec)
                write_server_files(self.directory, spec, self.specs, self.tick_time, extra)
            try:
                for spec in self.specs:
                    self._spawn(spec.myid)
                self._save()
                self.wait_serving(self.ids, timeout=timeout)
            except BaseException:
                self._stop_all(graceful=False)
                raise
        return self

    def _prepare_security(self) -> list[str]:
        """Make the certificates and the JAAS file; return the zoo.cfg lines every server shares."""
        lines: list[str] = []
        if self.tls:
            security.ensure_certificates(self.directory)
        if self.sasl_users:
            security.write_jaas(self.directory, self.sasl_users)
        elif self.sasl and not os.path.exists(security.jaas_path(self.directory)):
            raise SandboxError(f"SASL is on for {self.directory} but its {security.JAAS_FILE} is gone")
        if self.sasl:
            lines += security.sasl_config_lines()
        return lines

    def _tls_config(self, spec: ServerSpec) -> list[str]:
        if not self.tls:
            return []
        files = security.tls_files(self.directory)
        return security.tls_config_lines(spec.secure_client_port, files, self.tls_client_auth)

    def _spawn(self, myid: int) -> None:
        install = security.with_netty(self.install) if self.tls else self.install
        jvm_options = security.sasl_jvm_options(self.directory) if self.sasl else []
        popen = process.spawn(install, self.server_directory(myid), bound=self.bound, jvm_options=jvm_options)
        self._pids[myid] = popen.pid
        # Whoever started a server asks its Popen whether it lives: /proc/PID/cmdline can read empty while
        # the java launcher execs, which made a starting server look gone.
        self._popens[myid] = popen

    def pid(self, myid: int) -> int | None:
        """The live JVM's pid, or None when server myid is not running."""
        pid = self._pids.get(myid)
        if pid is None:
            return None
        popen = self._popens.get(myid)
        alive = popen.poll() is None if popen is not None else process.is_our_server(pid, self.server_directory(myid))
        return pid if alive else None

    def _exit_status(self, myid: int) -> str:
        popen = self._popens.get(myid)
        code = popen.poll() if popen is not None else None
        if code is None:
            return "exited"
        if code < 0:
            return f"was killed by signal {code * -1}"
        return f"exited with status {code}"

    def start(self, myid: int, wait: bool = True, timeout: float = 60.0) -> None:
        with self._lock:
            self.spec(myid)
            if self.pid(myid):
                raise SandboxError(f"server {myid} is already running (pid {self._pids[myid]})")
            self._spawn(myid)
            self._save()
        if wait:
            self.wait_serving([myid], timeout=timeout)

    def stop(self, myid: int, timeout: float = 15.0) -> None:
        """SIGTERM (after SIGCONT, so a paused server can act on it); SIGKILL if it lingers."""
        with self._lock:
            self.spec(myid)
            pid = self.pid(myid)
            if pid is None:
                return
            process.send(pid, signal.SIGTERM)
            process.send(pid, signal.SIGCONT)
            if not process.wait_gone(pid, self.server_directory(myid), timeout, self._popens.get(myid)):
                process.send(pid, signal.SIGKILL)
                process.wait_gone(pid, self.server_directory(myid), 10, self._popens.get(myid))
            self._forget(myid)

    def kill(self, myid: int) -> None:
        """SIGKILL: the server dies at once, as in a crash."""
        with self._lock:
            self.spec(myid)
            pid = self.pid(myid)
            if pid is None:
                raise SandboxError(f"server {myid} is not running")
            process.send(pid, signal.SIGKILL)
            process.wait_gone(pid, self.server_directory(myid), 10, self._popens.get(myid))
            self._forget(myid)

    def restart(self, myid: int, wait: bool = True, timeout: float = 60.0) -> None:
        self.stop(myid)
        self.start(myid, wait=wait, timeout=timeout)

    def pause(self, myid: int) -> None:
        """SIGSTOP: the server hangs with its sockets open, like a cut-off or frozen machine."""
        self._signal_running(myid, signal.SIGSTOP)
        # The kernel stops a many-threaded JVM a moment after the signal; return once it has, so that
        # `mode` (and whoever acts on the pause) sees it paused.
        pid = self.pid(myid)
        deadline = time.monotonic() + 5.0
        while pid is not None and not process.is_paused(pid) and time.monotonic() < deadline:
            time.sleep(0.01)

    def resume(self, myid: int) -> None:
        self._signal_running(myid, signal.SIGCONT)

    def _signal_running(self, myid: int, sig: int) -> None:
        self.spec(myid)
        pid = self.pid(myid)
        if pid is None:
            raise SandboxError(f"server {myid} is not running")
        process.send(pid, sig)

    def _forget(self, myid: int) -> None:
        self._pids.pop(myid, None)
        popen = self._popens.pop(myid, None)
        if popen is not None:
            popen.wait(timeout=5)
        if os.path.exists(os.path.join(self.directory, STATE_FILE)):
            self._save()

    def _stop_all(self, graceful: bool) -> None:
        for myid in list(self._pids):
            if graceful:
                self.stop(myid, timeout=5)
            elif self.pid(myid):
                self.kill(myid)

    def down(self) -> int:
        """Stop every server; return how many were running. Removes a temporary directory."""
        with self._lock:
            running = sum(1 for myid in list(self._pids) if self.pid(myid))
            for myid in list(self._pids):
                pid = self.pid(myid)
                if pid:
                    process.send(pid, signal.SIGTERM)
                    process.send(pid, signal.SIGCONT)
            for myid in list(self._pids):
                pid = self._pids[myid]
                if not process.wait_gone(pid, self.server_directory(myid), 10, self._popens.get(myid)):
                    process.send(pid, signal.SIGKILL)
                    process.wait_gone(pid, self.server_directory(myid), 5, self._popens.get(myid))
                self._forget(myid)
            if self._owns_directory:
                shutil.rmtree(self.directory, ignore_errors=True)
            _live_ensembles.discard(self)
        return running

    def __enter__(self) -> Ensemble:
        if not any(self.pid(m) for m in self.ids):
            self.up()
        return self

    def __exit__(self, *exc_info) -> None:
        self.down()

    # ----- observation -----

    def mode(self, myid: int, timeout: float = 1.0) -> str:
        pid = self.pid(myid)
        if pid is None:
            return "down"
        if process.is_paused(pid):
            return "paused"
        spec = self.spec(myid)
        try:
            return server_summary(LOOPBACK, spec.client_port, timeout=timeout).mode
        except FourLetterWordError:
            return "down" if self.pid(myid) is None else "looking"

    def status(self) -> list[ServerStatus]:
        return [ServerStatus(s.myid, s.address, self.mode(s.myid), self.pid(s.myid)) for s in self.specs]

    def leader(self) -> int | None:
        """The id of the server that says it leads (or the standalone server), or None."""
        for s in self.status():
            if s.mode in ("leader", "standalone"):
                return s.myid
        return None

    def wait_serving(self, ids: list[int], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(ids)
        while pending:
            for myid in list(pending):
                if self.pid(myid) is None:
                    raise SandboxError(f"server {myid} {self._exit_status(myid)} while starting\n{self.log_tail(myid)}")
                if self.mode(myid) in SERVING_MODES:
                    pending.remove(myid)
            if pending and time.monotonic() > deadline:
                tails = "".join(self.log_tail(m) for m in pending)
                raise SandboxError(
                    f"server {', '.join(map(str, pending))} did not come up within {timeout:.0f} s\n{tails}"
                )
            if pending:
                time.sleep(0.1)

    def wait_for_leader(self, timeout: float = 30.0, other_than: int | None = None) -> int:
        """Wait until some server (other than `other_than`) leads and return its id."""
        deadline = time.monotonic() + timeout
        while True:
            leader = self.leader()
            if leader is not None and leader != other_than:
                return leader
            if time.monotonic() > deadline:
                raise SandboxError(f"no leader within {timeout:.0f} s: {[s.line() for s in self.status()]}")
            time.sleep(0.1)


@atexit.register
def _stop_bound_ensembles() -> None:
    for ensemble in list(_live_ensembles):
        try:
            ensemble.down()
        except Exception:  # at exit, keep stopping the others
            pass
