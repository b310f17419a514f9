"""4. Memory: resident bytes per znode held in zktui's full-tree index (zktui.core.tree_index).

Each holder is built in a fresh process (memory_child) so nothing else lives in its heap: resident memory
after the connect, then after building and holding the index (gc'd), divided by the nodes it holds.
For scale, the same walk kept as a plain dict of path -> kazoo ZnodeStat (what a script would hold).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.common import Row, report_row, say, verdict
from benchmarks.seed import BENCH_ROOT

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child(holder: str, server: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory_child", holder, server, BENCH_ROOT],
                          stdout=subprocess.PIPE, text=True, timeout=1200, check=True, cwd=ROOT_DIR)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(server: str) -> list[Row]:
    index = _child("index", server)
    say(f"    tree index: {index['nodes']:,} nodes, {index['bytes'] / 1e6:.1f} MB resident")
    plain = _child("dict", server)
    say(f"    dict of ZnodeStat: {plain['nodes']:,} nodes, {plain['bytes'] / 1e6:.1f} MB resident")
    per_node = index["bytes"] / index["nodes"]
    plain_per_node = plain["bytes"] / plain["nodes"]
    return [
        report_row(Row("4. memory", "resident bytes per znode, zktui tree index", f"{per_node:.0f} B",
                       target="<= 500 B", verdict=verdict(per_node <= 500),
                       ratio=f"{plain_per_node / per_node:.1f}x smaller than a dict of ZnodeStat",
                       raw={"index": index, "dict": plain})),
        report_row(Row("4. memory", "resident bytes per znode, dict path -> ZnodeStat (reference)",
                       f"{plain_per_node:.0f} B", raw=plain)),
    ]
