"""Pure pieces of the sandbox and the four-letter-word parser."""

from __future__ import annotations

import os

import pytest

from zktui.core.fourletter import parse_srvr
from zktui.sandbox.config import layout, render_zoo_cfg
from zktui.sandbox.install import SandboxError, find_installation

SRVR_LEADER = """Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
Latency min/avg/max: 0/0.4167/3
Received: 40
Sent: 39
Connections: 2
Outstanding: 0
Zxid: 0x200000007
Mode: leader
Node count: 6
Proposal sizes last/min/max: 48/48/100
"""


def test_parse_srvr_leader():
    summary = parse_srvr(SRVR_LEADER)
    assert summary.mode == "leader"
    assert summary.zxid == 0x200000007
    assert summary.epoch == 2
    assert (summary.latency_min, summary.latency_avg, summary.latency_max) == (0, 0.4167, 3)
    assert summary.connections == 2
    assert summary.outstanding == 0
    assert summary.node_count == 6
    assert summary.version.startswith("3.8.0")
    assert summary.serving


def test_parse_srvr_not_serving():
    summary = parse_srvr("This ZooKeeper instance is not currently serving requests\n")
    assert summary.mode == "looking"
    assert not summary.serving


def test_zoo_cfg_for_a_quorum_lists_every_server_on_loopback():
    specs = layout(3, 30000)
    config = render_zoo_cfg(specs[1], specs, "/tmp/x/zk2", tick_time=500)
    assert "tickTime=500" in config
    assert "clientPort=30001" in config
    assert "admin.serverPort=30301" in config
    for spec in specs:
        assert f"server.{spec.myid}=127.0.0.1:{30100 + spec.myid - 1}:{30200 + spec.myid - 1}" in config


def test_zoo_cfg_for_one_server_is_standalone():
    specs = layout(1, 30000)
    assert "server.1=" not in render_zoo_cfg(specs[0], specs, "/tmp/x/zk1", tick_time=2000)


def test_zookeeper_home_release_layout(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "zookeeper-3.9.2.jar").write_bytes(b"")
    (tmp_path / "lib" / "netty-handler-4.1.jar").write_bytes(b"")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "zkCli.sh").write_text("#!/bin/sh\n")
    install = find_installation({"ZOOKEEPER_HOME": str(tmp_path), "PATH": os.environ["PATH"]})
    assert install.classpath == (str(tmp_path / "lib" / "netty-handler-4.1.jar"), str(tmp_path / "lib" / "zookeeper-3.9.2.jar"))
    assert install.zkcli == str(tmp_path / "bin" / "zkCli.sh")


def test_zookeeper_home_without_jars_is_refused(tmp_path):
    with pytest.raises(SandboxError, match="apt-get install zookeeper"):
        find_installation({"ZOOKEEPER_HOME": str(tmp_path), "PATH": os.environ["PATH"]})


def test_missing_java_names_the_package(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "zookeeper-3.9.2.jar").write_bytes(b"")
    with pytest.raises(SandboxError, match="Java not found"):
        find_installation({"ZOOKEEPER_HOME": str(tmp_path), "PATH": str(tmp_path)})


def test_debian_package_is_found_with_admin_server_and_logging_jars():
    install = find_installation({"PATH": os.environ["PATH"]})
    if install.source != "debian":
        pytest.skip(f"this machine's ZooKeeper comes from {install.source}")
    names = [os.path.basename(j) for j in install.classpath]
    assert names[0] == "zookeeper.jar"
    assert "servlet-api.jar" in names
    assert install.zkcli and install.zkcli.endswith("zkCli.sh")
