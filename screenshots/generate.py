"""Regenerate the README's screenshots from a real sandbox ensemble.

    .venv/bin/python screenshots/generate.py     (or: make screenshots)

Starts a 3-server sandbox, seeds /demo, adds live membership (three services in a kazoo Party) and lock
contention (kazoo Lock contenders), drives the TUI headless at 140x40 and saves tree.svg, hex.svg, prompt.svg,
live.svg and help.svg next to this file. The ensemble stops at the end, also on failure.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable

from kazoo.client import KazooClient
from kazoo.exceptions import CancelledError
from kazoo.recipe.lock import Lock
from kazoo.recipe.party import Party
from textual.pilot import Pilot

from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble
from zktui.sandbox.seed import seed
from zktui.tui.app import ZkTuiApp

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (140, 40)
MEMBERS = "/demo/services/api"
LOCK = "/demo/locks/job"
TIMEOUT = 15.0


async def wait_until(pilot: Pilot, predicate: Callable[[], object], what: str) -> None:
    """Poll while the app runs: a screenshot is taken only once what it should show is there."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not predicate():
        if loop.time() - start > TIMEOUT:
            raise RuntimeError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


class Workload:
    """Three services in a kazoo Party (one session each), a lock holder and two waiting contenders."""

    def __init__(self, hosts: str) -> None:
        self.clients = [KazooClient(hosts=hosts) for _ in range(5)]
        self.locks: list[Lock] = []
        self.waiters: list[threading.Thread] = []

    def start(self) -> None:
        for client in self.clients:
            client.start(timeout=30)
        *services, holder, contenders = self.clients
        for n, service in enumerate(services, 1):
            Party(service, MEMBERS, identifier=f"api-{n}:{8080 + n}").join()
        first = Lock(holder, LOCK, identifier="worker-1")
        first.acquire(timeout=10)
        self.locks.append(first)
        for n in (2, 3):
            lock = Lock(contenders, LOCK, identifier=f"worker-{n}")
            self.locks.append(lock)
            # acquire() blocks while worker-1 holds the lock: its node waits in line meanwhile.
            waiter = threading.Thread(target=self._wait_for, args=(lock,), daemon=True)
            waiter.start()
            self.waiters.append(waiter)
        deadline = time.monotonic() + TIMEOUT
        while len(holder.get_children(LOCK)) < 3:  # both contenders' nodes are in line
            if time.monotonic() > deadline:
                raise RuntimeError("the lock contenders did not queue up")
            time.sleep(0.05)

    @staticmethod
    def _wait_for(lock: Lock) -> None:
        try:
            lock.acquire()
        except CancelledError:  # stop() cancels the contenders still waiting
            pass

    def stop(self) -> None:
        for lock in self.locks[1:]:
            lock.cancel()
        for waiter in self.waiters:
            waiter.join(timeout=10)
        for client in self.clients:
            client.stop()
            client.close()


async def drive(pilot: Pilot) -> None:
    app: ZkTuiApp = pilot.app  # type: ignore[assignment]
    tree = app.tree
    await wait_until(pilot, lambda: "/" in tree.names_of, "the root's children")

    def shown(path: str) -> bool:
        last = getattr(app, "last_node", None)
        return tree.path_of_cursor() == path and last is not None and last.path == path

    async def go(path: str) -> None:
        app.go_to(path)
        await wait_until(pilot, lambda: shown(path), path)

    async def expand(path: str) -> None:
        await go(path)
        tree.by_path[path].expand()
        await wait_until(pilot, lambda: path in tree.names_of, f"the children of {path}")

    for path in (MEMBERS, LOCK):
        await expand(path)
    await go("/demo/config/app.json")
    await pilot.pause()
    app.save_screenshot("tree.svg", HERE)

    await go("/demo/config/blob.bin")
    await pilot.pause()
    app.save_screenshot("hex.svg", HERE)

    await pilot.press("colon", *"ls -R /demo", "enter")
    await wait_until(pilot, lambda: any("/demo/queue/item-" in s.text for s in app.log_view.lines), "ls -R")
    await pilot.pause()
    app.save_screenshot("prompt.svg", HERE)

    await pilot.press("escape", "L")
    await wait_until(pilot, lambda: app.discovery_done and app.tracker.locks(), "the lock in the live panel")
    await pilot.pause()
    app.save_screenshot("live.svg", HERE)

    await pilot.press("L", "question_mark")
    await wait_until(pilot, lambda: len(app.screen_stack) == 2, "the help screen")
    await pilot.pause()
    app.save_screenshot("help.svg", HERE)


async def screenshots(hosts: str) -> None:
    app = ZkTuiApp(ConnectOptions(hosts=hosts))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await drive(pilot)
    finally:
        app.engine.close()


def main() -> int:
    with Ensemble(servers=3, tick_time=500) as ensemble:
        client = KazooClient(hosts=ensemble.hosts)
        client.start(timeout=30)
        try:
            seed(client)
        finally:
            client.stop()
            client.close()
        workload = Workload(ensemble.hosts)
        workload.start()
        try:
            asyncio.run(screenshots(ensemble.hosts))
        finally:
            workload.stop()
    for name in ("tree", "hex", "prompt", "live", "help"):
        print(os.path.join(HERE, f"{name}.svg"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
