"""Driving the real ZkTuiApp headless, and seeing its frames.

Textual's headless driver still composes every frame: `App._display(screen, update)` is called with the
compositor's update and only skips writing it to a terminal. `FrameClock` wraps that method: it renders
the update to text as a terminal write would (so frames cost what they cost), timestamps it, and lets a
measurement check the app's state at the moment each frame was composed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from textual import events

from zktui.core.session import ConnectOptions
from zktui.tui.app import ZkTuiApp

SIZE = (140, 40)  # the size the TUI tests use


def make_app(hosts: str) -> ZkTuiApp:
    return ZkTuiApp(ConnectOptions(hosts=hosts))


class FrameClock:
    """Calls each `on_frame(now)` watcher at every composed frame; a watcher returning True is removed."""

    def __init__(self, app: ZkTuiApp) -> None:
        self.app = app
        self.frames = 0
        self.watchers: list[Callable[[float], bool]] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)  # the terminal write's work, minus the write
            now = time.monotonic()
            self.frames += 1
            self.watchers = [watcher for watcher in self.watchers if not watcher(now)]

        app._display = display

    def when(self, condition: Callable[[], bool]) -> Moment:
        """The first frame composed while condition() holds (checked at every frame from now on).

        Already true: the frame showing it is on screen, and now is when we know it."""
        moment = Moment()
        try:
            already = condition()
        except Exception:  # the app is not composed yet: nothing is shown
            already = False
        if already:
            moment.at = time.monotonic()
            return moment

        def watcher(now: float) -> bool:
            if condition():
                moment.at = now
                return True
            return False

        self.watchers.append(watcher)
        return moment


class Moment:
    """When a frame showed something: `at` is a time.monotonic() value, None until it happened."""

    at: float | None = None

    async def wait(self, what: str, timeout: float) -> float:
        await wait_until(lambda: self.at is not None, what, timeout, interval=0.005)
        return self.at  # type: ignore[return-value]


def screen_text(app: ZkTuiApp) -> str:
    """The terminal's rows as composed now (what a person sees)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def press(app: ZkTuiApp, key: str) -> float:
    """A key as the terminal driver delivers it (not pilot.press, which waits for the app to be idle)."""
    app.post_message(events.Key(key, key))
    return time.monotonic()


async def wait_until(predicate: Callable[[], object], what: str, timeout: float, interval: float = 0.01) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)
    return time.monotonic() - start


def root_shown(app: ZkTuiApp) -> bool:
    """The root's children are in the tree and the root's stat is in the stat pane."""
    last = getattr(app, "last_node", None)
    return "/" in app.tree.names_of and last is not None and last.path == "/" and app.selected == "/"


async def go_to(app: ZkTuiApp, path: str, timeout: float = 60) -> None:
    """Select path the way `g` does, and wait until its stat is shown."""
    app.go_to(path)
    await wait_until(lambda: app.tree.path_of_cursor() == path and getattr(app, "last_node", None) is not None
                     and app.last_node.path == path, f"{path} selected", timeout)


def run_headless(app: ZkTuiApp, scenario: Callable[[ZkTuiApp, FrameClock], Awaitable[object]],
                 clock: FrameClock | None = None) -> object:
    """Run scenario(app, clock) in the app headless at SIZE; close everything afterwards; return its result.

    Pass a clock made before the start to see the very first frames."""
    result: list[object] = []
    clock = clock or FrameClock(app)

    async def inner() -> None:
        async with app.run_test(size=SIZE) as _pilot:
            try:
                result.append(await scenario(app, clock))
            finally:
                app.discovery_cancel.set()
                app.exit()
                await wait_until(lambda: app._closed, "the app to close", 30)

    try:
        asyncio.run(inner())
    finally:
        app.shutdown()
    return result[0]
