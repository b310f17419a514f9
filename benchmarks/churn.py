"""3. Responsiveness under churn: key press to updated frame while 2,000 membership changes a second
happen, then how soon the live panel is right once they stop.

The real app runs headless in this process with the 110k-node tree on the server; its recursive watch on
`/` delivers every join and leave, the live tracker re-reads the group, and the selected node (the group
itself) is re-read as its children change. A writer process (writers.py) makes the changes. Keys are
posted as the terminal driver posts them; a key's latency ends at the first frame composed with the
cursor on its new row. Each of the rounds gives a 99th percentile; the figure is their median. A first
round with the writer making one change a second gives the same keys' latency without churn, for reference
(the writer process and the servers share the machine's cores with the app).
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.common import RUNS, Row, connect, median, percentile, report_row, say, verdict
from benchmarks.tui import go_to, make_app, press, root_shown, run_headless, screen_text, wait_until
from benchmarks.writers import Writer

PARENT = "/churn"
GROUP = "/churn/group"
SIBLING = "/churn/zz-stable"  # the key presses move the cursor between the group and this node
RATE = 2_000
ROUND_S = 8.0
KEY_INTERVAL_S = 0.05


def measure(server: str, runs: int = RUNS) -> list[Row]:
    client = connect(server)
    client.ensure_path(SIBLING)
    writer = Writer("churn", server, GROUP, RATE, ROUND_S)  # the group exists, with its first members
    quiet = Writer("churn", server, GROUP, 1, ROUND_S)  # the same keys with (almost) no churn: the reference
    app = make_app(server)
    try:
        rounds, calm = run_headless(app, lambda app, clock: _rounds(app, clock, client, writer, runs, quiet))
    finally:
        writer.close()
        quiet.close()
        client.delete(PARENT, recursive=True)
        client.stop()
        client.close()
    p99s = [r["p99_ms"] for r in rounds]
    correct = [r["correct_after_s"] for r in rounds]
    rates = [r["rate"] for r in rounds]
    all_latencies = [ms for r in rounds for ms in r["latencies_ms"]]
    p99 = median(p99s)
    worst_correct = max(correct)
    note = (f"{median(rates):,.0f} changes/s achieved; {len(all_latencies)} keys; pooled p50 "
            f"{percentile(all_latencies, 50):.0f} ms, p99 {percentile(all_latencies, 99):.0f} ms, max "
            f"{max(all_latencies):.0f} ms; the same keys without churn: p50 {percentile(calm, 50):.0f} ms, "
            f"p99 {percentile(calm, 99):.0f} ms")
    return [
        report_row(Row("3. churn", "key press to updated frame, p99", f"{p99:.0f} ms", target="< 100 ms",
                       verdict=verdict(p99 < 100), note=note,
                       raw={"rounds": [{k: v for k, v in r.items() if k != "latencies_ms"} for r in rounds],
                            "p99_ms": p99, "without_churn_ms": calm})),
        report_row(Row("3. churn", "panel correct after the churn stops (slowest round)",
                       f"{worst_correct:.2f} s", target="< 1 s, no lost or stale member",
                       verdict=verdict(worst_correct < 1.0), raw={"correct_after_s": correct})),
    ]


async def _rounds(app, clock, client, writer: Writer, runs: int, quiet: Writer) -> tuple[list[dict], list[float]]:
    await wait_until(lambda: root_shown(app), "the root shown", 60)
    await go_to(app, SIBLING)
    await go_to(app, GROUP)
    # The live panel knows groups once the app's discovery walk of the whole tree is done.
    await wait_until(lambda: app.discovery_done and _panel_members(app) is not None, "discovery", 600)
    loop = asyncio.get_running_loop()
    calm = await _press_keys(app, clock, loop.run_in_executor(None, quiet.go))
    say(f"    without churn (reference): {len(calm)} keys, p50 {percentile(calm, 50):.0f} ms, "
        f"p99 {percentile(calm, 99):.0f} ms")
    rounds = []
    for run in range(1, runs + 1):
        churning = loop.run_in_executor(None, writer.go)
        latencies = await _press_keys(app, clock, churning)
        achieved = await churning
        truth = set(client.get_children(GROUP))  # final: every change was answered
        shown = clock.when(lambda truth=truth: _panel_members(app) == truth and _panel_count(app) == len(truth))
        at = await shown.wait("the live panel to match the server", 30)
        correct_after = max(0.0, at - achieved["stopped_at"])
        p99 = percentile(latencies, 99)
        say(f"    run {run}/{runs}: {achieved['rate']:,.0f} changes/s, {len(latencies)} keys, p50 "
            f"{percentile(latencies, 50):.0f} ms, p90 {percentile(latencies, 90):.0f} ms, p99 {p99:.0f} ms, "
            f"max {max(latencies):.0f} ms; panel right {correct_after:.2f} s after the churn stopped")
        rounds.append({"rate": achieved["rate"], "failed": achieved["failed"], "keys": len(latencies),
                       "p99_ms": p99, "max_ms": max(latencies), "correct_after_s": correct_after,
                       "latencies_ms": latencies})
    return rounds, calm


async def _press_keys(app, clock, churning: asyncio.Future) -> list[float]:
    """j and k in turn (group <-> its sibling) until the round ends; each waits for its frame."""
    tree = app.tree
    latencies = []
    # Down from the group, up from its sibling: a round starts where the last one left the cursor.
    down = tree.path_of_cursor() != SIBLING
    while not churning.done():
        target = tree.by_path[SIBLING if down else GROUP]
        shown = clock.when(lambda target=target: tree.cursor_node is target)
        pressed = press(app, "j" if down else "k")
        try:
            at = await shown.wait("the cursor's frame", 10)
        except TimeoutError:
            raise TimeoutError(f"no frame with the cursor on {target.data.path} 10 s after a key: the cursor is "
                               f"on {tree.path_of_cursor()}, {len(latencies)} keys done, frames "
                               f"{clock.frames}, focus {app.focused}\n{screen_text(app)}") from None
        latencies.append((at - pressed) * 1000)
        down = not down
        await asyncio.sleep(max(0.0, KEY_INTERVAL_S - (time.monotonic() - pressed)))
    return latencies


def _panel_members(app) -> set[str] | None:
    tracker = app.tracker
    if tracker is None:
        return None
    for view in tracker.members():
        if view.path == GROUP:
            return {member.node for member in view.members}
    return None


def _panel_count(app) -> int | None:
    """The member count the panel's heading shows for the group."""
    from zktui.tui.widgets.live_panel import LivePanel

    for line in app.query_one(LivePanel).recipe_lines:
        text = line.plain
        if text.startswith(GROUP + " "):
            return int(text.rsplit(" member", 1)[0].rsplit(" ", 1)[1])
    return None
