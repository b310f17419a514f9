"""2. TUI start, in a process of its own: `python -m benchmarks.tui_child start HOSTS LAUNCHED_AT`.

A launch is measured from the parent's clock before it spawned us (time.monotonic() is system-wide), so
the interpreter's start and every import count, as they do for a person typing `zktui`. Prints JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time


def first_frame(hosts: str, launched_at: float) -> dict:
    from benchmarks.tui import FrameClock, make_app, root_shown, run_headless, screen_text

    imported = time.monotonic()
    app = make_app(hosts)
    clock = FrameClock(app)
    # The root's children (/bench among them) and the root's stat, on screen.
    shown = clock.when(lambda: root_shown(app) and "bench" in (text := screen_text(app)) and "cZxid" in text)

    async def scenario(app, clock) -> float:
        return await shown.wait("the first frame with the root's children and stat", 60)

    at = run_headless(app, scenario, clock)
    return {"first_frame_s": at - launched_at, "imports_s": imported - launched_at}


def wide_parent(hosts: str, parent: str) -> dict:
    """Select a parent with 100,000 children, press `l`, and time the first frame showing its first rows."""
    from benchmarks.tui import go_to, make_app, press, root_shown, run_headless, screen_text, wait_until

    app = make_app(hosts)

    async def scenario(app, clock) -> dict:
        await wait_until(lambda: root_shown(app), "the root shown", 60)
        await go_to(app, parent)
        first = f"{parent.rsplit('/', 1)[1]}"
        shown = clock.when(lambda: parent in app.tree.names_of and "c000000" in screen_text(app))
        pressed = press(app, "l")
        at = await shown.wait("the first rows of the wide parent", 60)
        rows = len(app.tree.by_path[parent].children)
        return {"first_rows_s": at - pressed, "rows": rows, "label": first}

    return run_headless(app, scenario)


def main() -> None:
    mode, hosts, arg = sys.argv[1:4]
    result = first_frame(hosts, float(arg)) if mode == "start" else wide_parent(hosts, arg)
    print(json.dumps(result), flush=True)
    os._exit(0)  # kazoo's and Textual's threads are done with; do not wait on interpreter teardown


if __name__ == "__main__":
    main()
