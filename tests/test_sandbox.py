"""The sandbox runs real ZooKeeper servers: start, observe, kill, pause and stop them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from kazoo.client import KazooClient

from tests.helpers import wait_until
from zktui.sandbox import Ensemble, SandboxError
from zktui.sandbox.config import layout
from zktui.sandbox.process import is_our_server


def java_pids_under(directory: str) -> list[int]:
    """Live JVMs whose command line names a zoo.cfg inside directory."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if directory in cmdline and "zoo.cfg" in cmdline and state != "Z":
            pids.append(int(entry))
    return pids


def test_shared_ensemble_has_exactly_one_leader(ensemble):
    modes = sorted(s.mode for s in ensemble.status())
    assert modes == ["follower", "follower", "leader"]
    assert ensemble.leader() in ensemble.ids


def test_connect_string_reaches_every_server(ensemble):
    assert ensemble.hosts == ",".join(f"127.0.0.1:{s.client_port}" for s in ensemble.specs)
    for spec in ensemble.specs:
        client = KazooClient(hosts=spec.address)
        client.start(timeout=15)
        try:
            assert client.exists("/zookeeper") is not None
        finally:
            client.stop()


def test_each_server_has_its_own_directory_myid_and_config(ensemble):
    for spec in ensemble.specs:
        directory = ensemble.server_directory(spec.myid)
        with open(os.path.join(directory, "data", "myid")) as f:
            assert f.read().strip() == str(spec.myid)
        with open(os.path.join(directory, "zoo.cfg")) as f:
            config = f.read()
        assert f"clientPort={spec.client_port}" in config
        assert "clientPortAddress=127.0.0.1" in config
        assert f"admin.serverPort={spec.admin_port}" in config
        assert "4lw.commands.whitelist=*" in config
        assert os.path.getsize(ensemble.log_path(spec.myid)) > 0


def test_admin_server_answers_on_loopback(ensemble):
    from zktui.core.fourletter import admin_command

    reply = admin_command("127.0.0.1", ensemble.specs[0].admin_port, "srvr")
    assert reply["error"] is None
    assert reply["server_stats"]["server_state"] in ("leader", "follower")


def test_writes_replicate_across_servers(ensemble, base_path, zk):
    zk.set(base_path, b"replicated")
    for spec in ensemble.specs:
        client = KazooClient(hosts=spec.address)
        client.start(timeout=15)
        try:
            client.sync(base_path)
            assert client.get(base_path)[0] == b"replicated"
        finally:
            client.stop()


@pytest.fixture
def own_ensemble():
    """A private ensemble for tests that kill or pause servers."""
    with Ensemble(servers=3, tick_time=500) as running:
        yield running


@pytest.mark.failover
def test_killing_the_leader_elects_a_new_one_within_10_seconds(own_ensemble):
    old = own_ensemble.leader()
    own_ensemble.kill(old)
    assert own_ensemble.mode(old) == "down"
    new = own_ensemble.wait_for_leader(timeout=10, other_than=old)
    assert new != old
    assert [s.mode for s in own_ensemble.status()].count("leader") == 1
    own_ensemble.start(old)
    assert own_ensemble.mode(old) == "follower"


@pytest.mark.failover
def test_pause_and_resume(own_ensemble):
    follower = next(s.myid for s in own_ensemble.status() if s.mode == "follower")
    own_ensemble.pause(follower)
    assert own_ensemble.mode(follower) == "paused"
    own_ensemble.resume(follower)
    wait_until(lambda: own_ensemble.mode(follower) == "follower", timeout=30, message="follower to serve again")


@pytest.mark.failover
def test_restart_and_stop(own_ensemble):
    own_ensemble.restart(1)
    assert own_ensemble.mode(1) in ("leader", "follower")
    own_ensemble.stop(1)
    assert own_ensemble.pid(1) is None
    with pytest.raises(SandboxError, match="not running"):
        own_ensemble.kill(1)


def test_standalone_server():
    with Ensemble(servers=1, tick_time=500) as single:
        assert [s.mode for s in single.status()] == ["standalone"]
        assert single.leader() == 1
        directory = single.directory
    assert java_pids_under(directory) == []


def test_down_leaves_no_jvm_and_removes_temporary_directory():
    running = Ensemble(servers=3, tick_time=500).up()
    pids = [running.pid(m) for m in running.ids]
    assert all(pids)
    assert running.down() == 3
    assert java_pids_under(running.directory) == []
    assert not os.path.exists(running.directory)
    assert running.down() == 0


def test_port_in_use_is_a_clear_error(ensemble, tmp_path):
    taken = ensemble.specs[0].client_port
    busy = Ensemble(servers=1, base_port=taken, directory=str(tmp_path))
    with pytest.raises(SandboxError, match=rf"port {taken} \(client port of server 1\) is already in use"):
        busy.up()


def test_unknown_server_id_is_a_clear_error(ensemble):
    with pytest.raises(SandboxError, match="no server 7"):
        ensemble.kill(7)


def test_layout_rejects_bad_sizes():
    with pytest.raises(ValueError, match="1 to 99 servers"):
        layout(0, 20000)
    with pytest.raises(ValueError, match="out of range"):
        layout(3, 80)


def _run_script(script: str, tmp_path) -> subprocess.Popen:
    path = tmp_path / "holder.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.Popen(
        [sys.executable, str(path)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd(), start_new_session=True
    )


HOLDER = """
    import sys, time
    from zktui.sandbox import Ensemble
    with Ensemble(servers=1, tick_time=500) as e:
        print(e.directory, flush=True)
        time.sleep(600)
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_servers_never_outlive_the_process_that_started_them(tmp_path, how):
    holder = _run_script(HOLDER, tmp_path)
    try:
        directory = holder.stdout.readline().strip()
        assert directory, "the holder process did not start its ensemble"
        assert len(java_pids_under(directory)) == 1
        os.kill(holder.pid, how)
        holder.wait(timeout=30)
        wait_until(lambda: java_pids_under(directory) == [], timeout=20, message="the JVM to go")
    finally:
        if holder.poll() is None:
            holder.kill()


def test_is_our_server_rejects_other_processes(tmp_path):
    assert not is_our_server(os.getpid(), str(tmp_path))
    assert not is_our_server(2**22 + 12345, str(tmp_path))
