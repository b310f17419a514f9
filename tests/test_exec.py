"""`zktui exec` as scripts use it: separate processes, exit status, stdout/stderr, --json, stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def zktui_exec(hosts: str, *words: str, stdin: str | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "zktui", "exec", "--hosts", hosts, *words] if hosts else
        [sys.executable, "-m", "zktui", "exec", *words],
        capture_output=True,
        input=stdin,
        text=True,
        timeout=60,
        env=env,
    )


def test_create_and_get_with_spaces_in_data(ensemble, zk, base_path):
    result = zktui_exec(ensemble.hosts, "create", f"{base_path}/a", "two words")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Created {base_path}/a\n"
    assert zk.get(f"{base_path}/a")[0] == b"two words"
    got = zktui_exec(ensemble.hosts, "get", f"{base_path}/a")
    assert got.stdout == "two words\n"


def test_json_outputs(ensemble, zk, base_path):
    zk.create(f"{base_path}/n/c1", b"v", makepath=True)
    zk.create(f"{base_path}/n/c2", b"\xff\x00")
    ls = zktui_exec(ensemble.hosts, "--json", "ls", f"{base_path}/n")
    assert json.loads(ls.stdout) == ["c1", "c2"]
    stat = json.loads(zktui_exec(ensemble.hosts, "--json", "stat", f"{base_path}/n/c1").stdout)
    assert stat["dataLength"] == 1 and stat["cZxid"].startswith("0x") and isinstance(stat["ctime"], int)
    got = json.loads(zktui_exec(ensemble.hosts, "--json", "get", f"{base_path}/n/c1").stdout)
    assert got["path"] == f"{base_path}/n/c1" and got["data"] == "v" and got["stat"]["dataLength"] == 1
    binary = json.loads(zktui_exec(ensemble.hosts, "--json", "get", f"{base_path}/n/c2").stdout)
    assert binary["data_base64"] == "/wA="
    recursive = json.loads(zktui_exec(ensemble.hosts, "--json", "ls", "-R", f"{base_path}/n").stdout)
    assert recursive == [f"{base_path}/n", f"{base_path}/n/c1", f"{base_path}/n/c2"]


def test_failed_command_exits_1_with_one_line(ensemble, base_path):
    result = zktui_exec(ensemble.hosts, "get", f"{base_path}/missing")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("zktui: get: ")
    assert result.stderr.count("\n") == 1
    as_json = zktui_exec(ensemble.hosts, "--json", "get", f"{base_path}/missing")
    error = json.loads(as_json.stderr)
    assert error["command"] == "get" and f"{base_path}/missing" in error["error"]


def test_usage_error_exits_2(ensemble):
    result = zktui_exec(ensemble.hosts, "ls", "-q", "/")
    assert result.returncode == 2
    assert result.stderr.startswith("zktui: ls: unknown flag -q")
    assert zktui_exec(ensemble.hosts, "nonsense").returncode == 2
    assert zktui_exec(ensemble.hosts).returncode == 2


def test_commands_from_stdin(ensemble, zk, base_path):
    script = f"create {base_path}/s 1\nset {base_path}/s 2\nget {base_path}/s\nget {base_path}/nope\nls {base_path}\n"
    result = zktui_exec(ensemble.hosts, "-", stdin=script)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"Created {base_path}/s", "2", "[s]"]
    assert result.stderr.count("zktui: get:") == 1


def test_raw_writes_exact_bytes(ensemble, zk, base_path):
    payload = b"\x1b]0;title\x07\x00\xff"
    zk.create(f"{base_path}/raw", payload)
    raw = subprocess.run([sys.executable, "-m", "zktui", "exec", "--hosts", ensemble.hosts, "--raw", "get",
                          f"{base_path}/raw"], capture_output=True, timeout=60)
    assert raw.stdout == payload
    escaped = zktui_exec(ensemble.hosts, "get", f"{base_path}/raw")
    assert "\x1b" not in escaped.stdout and "\x07" not in escaped.stdout


def test_hosts_from_environment(ensemble):
    env = dict(os.environ, ZKTUI_HOSTS=ensemble.hosts)
    result = zktui_exec("", "ls", "/zookeeper", env=env)
    assert result.returncode == 0, result.stderr
    assert "config" in result.stdout


def test_read_only_refuses_writes(ensemble, zk, base_path):
    result = zktui_exec(ensemble.hosts, "--read-only", "create", f"{base_path}/x")
    assert result.returncode == 1
    assert "read-only" in result.stderr
    assert zk.exists(f"{base_path}/x") is None


def test_bulk_destructive_needs_yes(ensemble, zk, base_path):
    zk.create(f"{base_path}/tree/leaf", makepath=True)
    refused = zktui_exec(ensemble.hosts, "deleteall", f"{base_path}/tree")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert zk.exists(f"{base_path}/tree") is not None


def test_unreachable_ensemble_is_one_clear_line():
    result = zktui_exec("127.0.0.1:1", "--connect-timeout", "2", "ls", "/")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("zktui: connect: no server of 127.0.0.1:1 answered within 2 s")
    assert "refused" in result.stderr
