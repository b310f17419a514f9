"""A client process killed outright: its connection drops at once, its session (and its ephemeral nodes)
stay until the leader expires it. In between its nodes belong to a zombie, which `locks` and `members`
say; the tracker reports the member leaving when the session expires, within the session timeout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import wait_until
from tests.test_tracker import Recorder
from zktui.commands.engine import Engine, load_handlers
from zktui.core.servers import parse_server_address
from zktui.core.session import ConnectOptions
from zktui.live.sessions import SessionDirectory
from zktui.live.tracker import LiveTracker
from zktui.sandbox.ensemble import Ensemble

pytestmark = pytest.mark.ensemble

SESSION_TIMEOUT = 6.0  # seconds asked for; the sandbox's tick of 500 ms allows 1 s to 10 s

# Registers in a group and takes a lock (nodes named as kazoo's Lock names them), says so, waits to be killed.
CLIENT = """
import json, sys
from kazoo.client import KazooClient
hosts, group, lock, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
client = KazooClient(hosts=hosts, timeout=timeout)
client.start(timeout=30)
client.create(group + "/worker-7:8080", b"doomed", ephemeral=True, makepath=True)
client.create(lock + "/0f3c9a__lock__", b"doomed", ephemeral=True, sequence=True, makepath=True)
print(json.dumps({"session": client.client_id[0]}), flush=True)
sys.stdin.read()
"""


@pytest.fixture
def killed_client(ensemble: Ensemble, base_path: str):
    """Start the client, wait for its nodes, SIGKILL it; yield its session id and the time of the kill."""
    group, lock = f"{base_path}/servers", f"{base_path}/locks/job"
    process = subprocess.Popen([sys.executable, "-c", CLIENT, ensemble.hosts, group, lock, str(SESSION_TIMEOUT)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        session = json.loads(process.stdout.readline())["session"]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        yield session, time.monotonic(), group, lock
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def session_gone_from_every_server(ensemble: Ensemble, session: int) -> bool:
    servers = [parse_server_address(host) for host in ensemble.hosts.split(",")]
    return SessionDirectory.collect(servers).is_alive(session) is False


def test_locks_and_members_flag_a_killed_clients_nodes_as_a_zombie(ensemble, zk, killed_client, base_path):
    session, _, group, lock = killed_client
    wait_until(lambda: session_gone_from_every_server(ensemble, session), timeout=10,
               message="the killed client's connection to drop")
    load_handlers()
    engine = Engine(ConnectOptions(hosts=ensemble.hosts))
    engine.connect()
    try:
        if zk.exists(lock) is None or not zk.get_children(lock):
            pytest.skip("the session expired before we looked (a stalled machine)")
        locks = engine.run(f"locks {base_path}")
        [view] = locks.data
        [holder] = view["holders"]
        assert holder["session"] == f"0x{session:x}" and holder["zombie"] is True
        assert "zombie" in locks.text
        members = engine.run(f"members {base_path}")
        [member] = members.data[0]["members"]
        assert member["session"] == f"0x{session:x}"
        assert "zombie" in members.text
    finally:
        engine.close()


def test_a_killed_members_session_leaves_within_the_session_timeout(ensemble, zk, killed_client):
    session, killed_at, group, _ = killed_client
    recorder = Recorder()
    tracker = LiveTracker(zk, on_change=recorder)
    try:
        tracker.start(group)
        [view] = tracker.members()
        assert [member.session for member in view.members] == [f"0x{session:x}"]
        wait_until(lambda: recorder.of("member-left"), timeout=SESSION_TIMEOUT + 5, message="member-left")
        # The leader expires a session within its timeout (plus a tick); the watch brings it at once.
        assert time.monotonic() - killed_at < SESSION_TIMEOUT + 2
        assert [event.data["session"] for event in recorder.of("member-left")] == [f"0x{session:x}"]
    finally:
        tracker.stop()
