"""Test harness: one real 3-server ZooKeeper ensemble for the session, a unique base path per test."""

from __future__ import annotations

import re
import uuid

import pytest
from kazoo.client import KazooClient

from zktui.sandbox import Ensemble

TEST_ROOT = "/zktui-test"
# A short tick keeps elections and session expiry quick; syncLimit (5 ticks) stays well above GC pauses.
TEST_TICK_MS = 500


@pytest.fixture(scope="session")
def ensemble():
    with Ensemble(servers=3, tick_time=TEST_TICK_MS) as running:
        yield running


@pytest.fixture
def zk(ensemble):
    client = KazooClient(hosts=ensemble.hosts, timeout=10.0)
    client.start(timeout=15)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def base_path(request, zk):
    """A fresh, unique znode for this test to work under; removed afterwards with everything below it."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:60]
    path = f"{TEST_ROOT}/{name}-{uuid.uuid4().hex[:8]}"
    zk.create(path, makepath=True)
    yield path
    if zk.connected:
        zk.delete(path, recursive=True)


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
