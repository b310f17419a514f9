"""Regenerate the README's screenshots from a real sandbox ensemble.

    .venv/bin/python screenshots/generate.py     (or: make screenshots)

Sets up what `zktui demo` does (a 3-server sandbox, the /demo seed, the lab's workload of services, lock
workers and candidates), drives the TUI headless at 140x40 and saves tree.svg, hex.svg, prompt.svg, live.svg,
failover.svg (after the `K` key killed the leader) and help.svg next to this file. Everything stops at the
end, also on failure.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable

from textual.pilot import Pilot

from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble
from zktui.sandbox.lab import Lab
from zktui.sandbox.seed import seed_ensemble
from zktui.tui.app import ZkTuiApp

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (140, 40)
MEMBERS = "/services/api"
LOCK = "/locks/jobs"
TIMEOUT = 15.0


async def wait_until(pilot: Pilot, predicate: Callable[[], object], what: str) -> None:
    """Poll while the app runs: a screenshot is taken only once what it should show is there."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not predicate():
        if loop.time() - start > TIMEOUT:
            raise RuntimeError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


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

    # A failover: the leader killed, the new one elected, every client reconnected, all in the timeline.
    await pilot.press("K")
    timeline = app.engine.timeline
    await wait_until(pilot, lambda: any("leader changed" in line for line in timeline.lines())
                     and any("reconnected" in line for line in timeline.lines()), "the failover in the timeline")
    await pilot.pause(2.5)  # one more ensemble poll: the old leader shown down
    app.save_screenshot("failover.svg", HERE)

    await pilot.press("L", "question_mark")
    await wait_until(pilot, lambda: len(app.screen_stack) == 2, "the help screen")
    await pilot.pause()
    app.save_screenshot("help.svg", HERE)


async def screenshots(hosts: str, lab: Lab) -> None:
    app = ZkTuiApp(ConnectOptions(hosts=hosts), lab=lab)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await drive(pilot)
    finally:
        app.engine.close()


def main() -> int:
    """The demo's own setup: the sandbox, the seed and the lab's workload."""
    with Ensemble(servers=3, tick_time=500) as ensemble, Lab(ensemble) as lab:
        seed_ensemble(ensemble.hosts)
        lab.start_workload()
        lab.wait_ready()
        asyncio.run(screenshots(ensemble.hosts, lab))
    for name in ("tree", "hex", "prompt", "live", "failover", "help"):
        print(os.path.join(HERE, f"{name}.svg"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
