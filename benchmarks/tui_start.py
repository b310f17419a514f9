"""2. TUI start (launch to the first frame with the root's children and stat) and a 100,000-child parent.

Both run the real app headless in a fresh process each time (tui_child.py), with the 110k-node tree on
the server; the recipe discovery walk the app starts at connect runs in the background meanwhile, as it
does for a person.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks.common import RUNS, Row, connect, median, report_row, say, verdict
from benchmarks.seed import delete_tree, seed_children

WIDE_PARENT = "/wide"
WIDE_CHILDREN = 100_000


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.tui_child", *args], stdout=subprocess.PIPE,
                          timeout=300, check=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(server: str, runs: int = RUNS) -> list[Row]:
    starts = []
    for run in range(1, runs + 1):
        result = _child("start", server, repr(time.monotonic()))
        starts.append(result)
        say(f"    run {run}/{runs} start: first frame {result['first_frame_s']:.3f} s "
            f"(imports {result['imports_s']:.3f} s)")
    start_s = median([r["first_frame_s"] for r in starts])
    rows = [report_row(Row("2. TUI", "launch to first frame (root's children + stat)", f"{start_s:.3f} s",
                           target="< 1 s", verdict=verdict(start_s < 1.0),
                           note=f"imports {median([r['imports_s'] for r in starts]):.3f} s of it",
                           raw={"runs": starts, "median_s": start_s}))]
    client = connect(server)
    try:
        seed_children(client, WIDE_PARENT, WIDE_CHILDREN)
        opens = []
        for run in range(1, runs + 1):
            result = _child("wide", server, WIDE_PARENT)
            opens.append(result)
            say(f"    run {run}/{runs} open {WIDE_PARENT} (100,000 children): first rows {result['first_rows_s']:.3f} s")
        delete_tree(client, WIDE_PARENT)
    finally:
        client.stop()
        client.close()
    open_s = median([r["first_rows_s"] for r in opens])
    rows.append(report_row(Row("2. TUI", "open a node with 100,000 children: key to first rows", f"{open_s:.3f} s",
                               target="< 1 s", verdict=verdict(open_s < 1.0),
                               raw={"runs": opens, "median_s": open_s})))
    return rows
