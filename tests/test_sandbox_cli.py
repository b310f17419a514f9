"""`zktui sandbox` from the shell, as a user runs it: separate processes sharing a --dir."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import wait_until
from tests.test_sandbox import java_pids_under
from zktui.sandbox.config import free_base_port


def zktui(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "zktui", *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"zktui {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


@pytest.fixture
def sandbox_dir(tmp_path):
    directory = str(tmp_path / "sandbox")
    yield directory
    zktui("sandbox", "down", "--dir", directory, check=False)


def status_lines(directory: str) -> list[list[str]]:
    return [line.split() for line in zktui("sandbox", "status", "--dir", directory).stdout.splitlines()]


@pytest.mark.failover
def test_up_status_kill_leader_down(sandbox_dir):
    base = free_base_port(3)
    up = zktui("sandbox", "up", "--servers", "3", "--base-port", str(base), "--tick-time", "500", "--dir", sandbox_dir)
    expected = ",".join(f"127.0.0.1:{base + k}" for k in range(3))
    assert up.stdout.strip() == expected
    assert zktui("sandbox", "hosts", "--dir", sandbox_dir).stdout.strip() == expected

    lines = status_lines(sandbox_dir)
    assert [line[0] for line in lines] == ["1", "2", "3"]
    assert [line[1] for line in lines] == expected.split(",")
    assert [line[2] for line in lines].count("leader") == 1
    assert all(line[3].isdigit() for line in lines)

    leader = zktui("sandbox", "leader", "--dir", sandbox_dir).stdout.strip()
    assert leader == next(line[0] for line in lines if line[2] == "leader")
    zktui("sandbox", "kill", leader, "--dir", sandbox_dir)

    def new_leader():
        modes = {line[0]: line[2] for line in status_lines(sandbox_dir)}
        leaders = [myid for myid, mode in modes.items() if mode == "leader"]
        return modes[leader] == "down" and len(leaders) == 1 and leaders[0] != leader

    wait_until(new_leader, timeout=10, interval=0.2, message="a new leader in `sandbox status`")

    again = zktui("sandbox", "up", "--dir", sandbox_dir)
    assert "already running" in again.stderr

    down = zktui("sandbox", "down", "--dir", sandbox_dir)
    assert down.stdout.strip() == "stopped 2 servers"
    assert java_pids_under(sandbox_dir) == []
    assert zktui("sandbox", "down", "--dir", sandbox_dir).stdout.strip() == "nothing was running"


def test_port_taken_exits_1_with_a_clear_line(ensemble, sandbox_dir):
    port = ensemble.specs[0].client_port
    result = zktui("sandbox", "up", "--servers", "1", "--base-port", str(port), "--dir", sandbox_dir, check=False)
    assert result.returncode == 1
    assert f"port {port} (client port of server 1) is already in use" in result.stderr
    assert java_pids_under(sandbox_dir) == []


def test_commands_without_a_sandbox_say_how_to_start_one(sandbox_dir):
    result = zktui("sandbox", "status", "--dir", sandbox_dir, check=False)
    assert result.returncode == 1
    assert "zktui sandbox up" in result.stderr
    assert zktui("sandbox", "down", "--dir", sandbox_dir).stdout.strip() == "nothing was running"


def test_missing_zookeeper_names_the_install_command(tmp_path):
    env_home = tmp_path / "empty-release"
    env_home.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "zktui", "sandbox", "up", "--dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "ZOOKEEPER_HOME": str(env_home), "PYTHONPATH": ":".join(sys.path)},
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "apt-get install zookeeper" in result.stderr
    assert "brew install zookeeper" in result.stderr
