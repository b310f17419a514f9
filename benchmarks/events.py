"""5. Event throughput: 5,000 creates a second under a node the TUI shows, with its persistent recursive
watch on `/`; afterwards no event may be lost and the view must catch up within a second.

Two models are checked against the server after each storm (creates come from a writer process):
- the watch itself: a zktui recursive watch (zktui.core.protocol.add_watch) on a zktui session of its own, in a
  process of its own (writers.py `record`: its decoding of every event must not slow the app's), records every
  CREATED path: it must have all of them, none twice;
- the app's tree, headless: the storm's parent is selected and expanded, and its listing (every name)
  and count must equal the server's. Lag is from the writer's last reply to the first frame showing it.
"""

from __future__ import annotations

import asyncio

from benchmarks.common import RUNS, Row, connect, median, report_row, say, verdict
from benchmarks.seed import in_multis
from benchmarks.tui import go_to, make_app, root_shown, run_headless, wait_until
from benchmarks.writers import Writer

PARENT = "/storm"
RATE = 5_000
STORM_S = 4.0
GIVE_UP_S = 30.0  # a view still stale this long after the storm is stale for good (no event will come)


def measure(server: str, runs: int = RUNS) -> list[Row]:
    client = connect(server)
    client.ensure_path(PARENT)
    recorder = Writer("record", server, PARENT, 0, 0)
    app = make_app(server)
    try:
        rounds = run_headless(app, lambda app, clock: _rounds(app, clock, client, recorder, server, runs))
    finally:
        recorder.close()
        client.delete(PARENT, recursive=True)
        client.stop()
        client.close()
    lost = sum(r["lost"] for r in rounds)
    duplicated = sum(r["duplicated"] for r in rounds)
    mismatched = sum(not r["tree_equal"] for r in rounds)
    lags = [r["tree_lag_s"] if r["tree_equal"] else float("inf") for r in rounds]
    lag = median(lags)
    watch_lag = median([r["watch_lag_s"] for r in rounds])
    rate = median([r["rate"] for r in rounds])
    created = sum(r["created"] for r in rounds)
    return [
        report_row(Row("5. events", "events lost by the recursive watch", f"{lost} of {created:,}",
                       target="0", verdict=verdict(lost == 0 and duplicated == 0),
                       note=f"{rate:,.0f} creates/s achieved; watch lag {watch_lag:.2f} s; {duplicated} duplicated",
                       raw={"rounds": rounds})),
        report_row(Row("5. events", "TUI tree equals the server, lag after the storm",
                       f"{lag:.2f} s" if lag != float("inf") else f"stale after {GIVE_UP_S:g} s",
                       target="< 1 s, equal", verdict=verdict(lag < 1.0 and mismatched == 0),
                       note=f"{runs - mismatched}/{runs} rounds equal" + "".join(
                           f"; round {i}: shows {r['tree_shows']:,} of {r['created']:,}"
                           for i, r in enumerate(rounds, 1) if not r["tree_equal"]),
                       raw={"tree_lag_s": [r["tree_lag_s"] for r in rounds]})),
    ]


async def _rounds(app, clock, client, recorder: Writer, server: str, runs: int) -> list[dict]:
    await wait_until(lambda: root_shown(app), "the root shown", 60)
    await go_to(app, PARENT)
    app.tree.by_path[PARENT].expand()
    await wait_until(lambda: PARENT in app.tree.names_of, "the storm's parent expanded", 60)
    rounds = []
    for run in range(1, runs + 1):
        result = await _storm(app, clock, client, recorder, server)
        tree = (f"tree equal after {result['tree_lag_s']:.2f} s" if result["tree_equal"] else
                f"tree STALE: shows {result['tree_shows']:,} of {result['created']:,} after {GIVE_UP_S:g} s")
        say(f"    run {run}/{runs}: {result['rate']:,.0f} creates/s, {result['created']:,} created, "
            f"{result['lost']} lost, watch lag {result['watch_lag_s']:.2f} s, {tree}")
        rounds.append(result)
    return rounds


async def _storm(app, clock, client, recorder: Writer, server: str) -> dict:
    writer = Writer("storm", server, PARENT, RATE, STORM_S)
    try:
        achieved = await asyncio.get_running_loop().run_in_executor(None, writer.go)
    finally:
        writer.close()
    truth = sorted(client.get_children(PARENT))  # final: every create was answered
    tree = app.tree

    def tree_equal() -> bool:
        shown = tree.names_of.get(PARENT)
        return shown is not None and len(shown) == len(truth) and sorted(shown) == truth

    try:
        at = await clock.when(tree_equal).wait("the tree to equal the server", GIVE_UP_S)
    except TimeoutError:
        at = None  # stale: reported with what the tree shows
    shown = len(tree.names_of.get(PARENT) or ())
    seen = await asyncio.get_running_loop().run_in_executor(None, recorder.go)
    result = {"rate": achieved["rate"], "created": len(truth), "lost": seen["lost"],
              "duplicated": seen["duplicated"],
              "watch_lag_s": max(0.0, seen["last_at"] - achieved["stopped_at"]),
              "tree_lag_s": max(0.0, at - achieved["stopped_at"]) if at is not None else None,
              "tree_equal": tree_equal(), "tree_shows": shown}
    # Empty the parent for the next storm (in multis), and let the tree follow before starting again.
    in_multis(client, [f"{PARENT}/{name}" for name in truth], lambda tx, p: tx.delete(p))
    try:
        await wait_until(lambda: tree.names_of.get(PARENT) == [], "the tree to empty", GIVE_UP_S)
    except TimeoutError:  # stale again: the next round's own check still stands
        say(f"    (the tree still shows {len(tree.names_of.get(PARENT) or ()):,} deleted nodes)")
    return result
