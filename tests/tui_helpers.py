"""Helpers for the Textual Pilot tests: run a scenario, wait for a condition, read what the widgets show.

pytest-asyncio is not installed: each test is synchronous and runs its scenario with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rich.console import Console
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Static

from zktui.core.session import ConnectOptions
from zktui.tui.app import ZkTuiApp
from zktui.tui.widgets.node_panes import StatPane
from zktui.tui.widgets.prompt import CommandPrompt, OutputLog

SIZE = (140, 40)
# Generous: a connect, a listing or a write through a 3-server ensemble takes milliseconds; CI machines stall.
TIMEOUT = 10.0

Scenario = Callable[[Pilot], Awaitable[None]]


class Recorder:
    """Every notification the app raised, kept even after its toast timed out (run_test's message_hook)."""

    def __init__(self, also: Callable[[Message], None] | None = None) -> None:
        self.notifications: list[str] = []
        self.also = also  # a test's own look at every message

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.notifications.append(str(message.notification.message))
        if self.also is not None:
            self.also(message)


def run_app(app: ZkTuiApp, scenario: Scenario, recorder: Recorder | None = None) -> None:
    """Run `scenario(pilot)` against the app headless at 140x40; the app's session is closed afterwards."""
    recorder = recorder or Recorder()
    app.test_recorder = recorder  # read by wait_until's failure message

    async def inner() -> None:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await scenario(pilot)
            await settle(pilot)
            # Exit through the app's own queue: run_test's teardown would otherwise remove the widgets while
            # the message loop still runs, and a late NodeLoaded would find no StatPane.
            app.exit()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + TIMEOUT
            while not app._closed and loop.time() < deadline:  # no public "message loop ended" flag
                await asyncio.sleep(0.01)

    try:
        asyncio.run(inner())
    finally:
        app.engine.close()


def make_app(hosts: str, **options) -> ZkTuiApp:
    return ZkTuiApp(ConnectOptions(hosts=hosts, **options))


async def wait_until(pilot: Pilot, predicate: Callable[[], object], what: str,
                     timeout: float = TIMEOUT) -> float:
    """Poll the predicate while the app runs; return how long it took (event loop clock) or fail."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not predicate():
        if loop.time() - start > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{state_of(pilot.app)}")
        await pilot.pause(0.05)
    return loop.time() - start


def state_of(app: ZkTuiApp) -> str:
    """What the app showed when a wait failed: enough to tell a slow server from a stuck app."""
    recorder = getattr(app, "test_recorder", None)
    try:
        log = log_text(app)
        tree = app.tree
        loaded_parents = sorted(tree.names_of)
        cursor = tree.path_of_cursor()
    except Exception as exc:  # the app may be gone already
        return f"(app state unavailable: {exc!r})"
    return "\n".join([
        f"selected={app.selected!r} cursor={cursor!r} reveal_target={tree.reveal_target!r}",
        f"screens={[type(s).__name__ for s in app.screen_stack]}",
        f"loaded parents={loaded_parents}",
        f"notifications={recorder.notifications if recorder else '?'}",
        "log:", log,
    ])


# Background work that never settles for long: the recipe discovery walk and the ensemble poll every 2 s.
BACKGROUND_GROUPS = frozenset({"discovery", "ensemble"})


def busy(app: ZkTuiApp) -> bool:
    """A worker still reading or writing, or watch events waiting for their coalescing timer."""
    return app._flush_scheduled or any(not worker.is_finished for worker in app.workers
                                       if worker.group not in BACKGROUND_GROUPS)


async def settle(pilot: Pilot) -> None:
    """Wait until the app has nothing in flight, then let it handle what its workers posted."""
    if pilot.app.is_running:
        await wait_until(pilot, lambda: not busy(pilot.app), "the app's workers to finish")
        await pilot.pause()


async def wait_connected(pilot: Pilot) -> None:
    """The root's children listed and the root's stat shown, nothing else in flight: ready to drive.

    (Waiting for the workers matters: the root is listed twice at connect, and a second listing arriving
    mid-way through a go-to rebuilds the root's children; see test_the_root_is_listed_once_at_connect.)"""
    app = pilot.app
    await wait_until(pilot, lambda: "/" in app.tree.names_of, "the root's children in the tree")
    await wait_until(pilot, lambda: loaded(app, "/"), "the root's stat")
    await settle(pilot)


def loaded(app: ZkTuiApp, path: str) -> bool:
    """The stat/data panes show `path` (its NodeLoaded arrived)."""
    last = getattr(app, "last_node", None)
    return app.selected == path and last is not None and last.path == path


async def go_to(pilot: Pilot, path: str) -> None:
    """Reveal and select `path` the way `g` and `cd` do, and wait until its stat and data are shown."""
    app = pilot.app
    app.go_to(path)
    await wait_until(pilot, lambda: app.tree.path_of_cursor() == path and loaded(app, path), f"{path} selected")


async def expand(pilot: Pilot, path: str) -> None:
    """Expand a shown node and wait for its children's listing."""
    app = pilot.app
    app.tree.by_path[path].expand()
    await wait_until(pilot, lambda: path in app.tree.names_of, f"the children of {path}")


async def type_command(pilot: Pilot, line: str) -> None:
    """`:` (unless the prompt has the focus already) then the line, key by key, then Enter."""
    if not isinstance(pilot.app.focused, CommandPrompt):
        await pilot.press("colon")
    await pilot.press(*line, "enter")


def plain(renderable, width: int = 136) -> str:
    """What a Rich renderable looks like as plain text."""
    console = Console(width=width, color_system=None, legacy_windows=False, force_terminal=False)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def stat_text(app: ZkTuiApp) -> str:
    return plain(app.query_one(StatPane).content)


def data_text(app: ZkTuiApp) -> str:
    return plain(app.query_one("#data-body", Static).content)


def data_note(app: ZkTuiApp) -> str:
    return plain(app.query_one("#data-note", Static).content)


def log_text(app: ZkTuiApp) -> str:
    return "\n".join(strip.text for strip in app.query_one(OutputLog).lines)


def label_of(app: ZkTuiApp, path: str) -> str:
    return app.tree.by_path[path].label.plain


def screen_lines(app: ZkTuiApp) -> list[str]:
    """The rows of the terminal as drawn now (what a person sees, wrapping and clipping included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
