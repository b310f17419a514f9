"""Test harness: one real 3-server ZooKeeper ensemble for the session, a unique base path per test."""

from __future__ import annotations

import re
import uuid

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError, NoNodeError

from zktui.sandbox import Ensemble

TEST_ROOT = "/zktui-test"
# A short tick keeps elections and session expiry quick; syncLimit (5 ticks) stays well above GC pauses.
TEST_TICK_MS = 500


@pytest.fixture(scope="session")
def ensemble():
    with Ensemble(servers=3, tick_time=TEST_TICK_MS) as running:
        yield running


class SyncedKazooClient(KazooClient):
    """A test's own view of the tree: syncs before each read, so what another client (the engine, an exec
    process) wrote through another server is visible, as ZooKeeper promises only after a sync."""

    def get(self, path, *args, **kwargs):
        self.sync(path)
        return super().get(path, *args, **kwargs)

    def exists(self, path, *args, **kwargs):
        self.sync(path)
        return super().exists(path, *args, **kwargs)

    def get_children(self, path, *args, **kwargs):
        self.sync(path)
        return super().get_children(path, *args, **kwargs)

    def get_acls(self, path):
        self.sync(path)
        return super().get_acls(path)


@pytest.fixture(autouse=True)
def backups_in_tmp(tmp_path, monkeypatch):
    """deleteall, mv and import --force write backups: keep them out of the user's state directory."""
    monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(tmp_path / "backups"))


@pytest.fixture
def zk(ensemble):
    client = SyncedKazooClient(hosts=ensemble.hosts, timeout=10.0)
    client.start(timeout=15)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def zk_server(zk) -> str:
    """The one server `zk` talks to: an engine connected there reads what `zk` just wrote at once. Through
    another server it may not yet (a follower applies a commit a moment after the quorum acknowledged it)."""
    host, port = zk._connection._socket.getpeername()[:2]
    return f"{host}:{port}"


@pytest.fixture
def base_path(request, zk):
    """A fresh, unique znode for this test to work under; removed afterwards with everything below it."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:60]
    path = f"{TEST_ROOT}/{name}-{uuid.uuid4().hex[:8]}"
    zk.create(path, makepath=True)
    yield path
    if zk.connected:
        remove_tree(zk, path)


def remove_tree(client: KazooClient, path: str) -> None:
    """Delete path and everything below; nodes whose children we may not list are deleted if they are leaves
    (tests lock nodes with digest ACLs)."""
    try:
        children = client.get_children(path)
    except NoNodeError:
        return
    except NoAuthError:
        children = []
    for child in children:
        remove_tree(client, f"{path}/{child}")
    try:
        client.delete(path)
    except NoNodeError:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call":
        for fixture_name in ("ensemble", "own_ensemble"):
            running = item.funcargs.get(fixture_name) if hasattr(item, "funcargs") else None
            if isinstance(running, Ensemble):
                logs = "".join(running.log_tail(myid, 30) for myid in running.ids)
                report.sections.append((f"ZooKeeper server logs ({fixture_name})", logs))
