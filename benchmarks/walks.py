"""1. Full-tree walk with names and stats: zktui's engine against a sequential kazoo walk and zkCli.sh.

Every contender reads the same 110,101 nodes from the same server. Runs are interleaved (run 1 of each,
then run 2 of each, ...) so a noisy neighbour slows all of them alike, and the ratios stay meaningful.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

from benchmarks.common import RUNS, Row, connect, median, report_row, say, verdict
from benchmarks.seed import BENCH_ROOT, bench_node_count
from zktui.commands.engine import Engine, load_handlers
from zktui.core.session import ConnectOptions
from zktui.core.tree_index import TreeIndex
from zktui.live.discovery import discover
from zktui.sandbox import find_installation


def sequential_kazoo(client, root: str) -> int:
    """What a script does with kazoo: one get_children (with the stat) per node, each waiting for its reply."""
    stack, count = [root], 0
    while stack:
        path = stack.pop()
        children, _stat = client.get_children(path, include_data=True)
        count += 1
        stack.extend(f"{path}/{name}" for name in children)
    return count


def zkcli_ls_r(server: str, root: str) -> int:
    """Debian's zkCli.sh as a person runs it: a whole JVM process, `ls -R`, exit. Returns the lines printed."""
    zkcli = find_installation().zkcli
    env = dict(os.environ, LC_ALL="C.UTF-8")
    done = subprocess.run([zkcli, "-server", server, "ls", "-R", root], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env, timeout=600, check=True)
    return sum(1 for line in done.stdout.splitlines() if line.startswith(root.encode()))


def measure(server: str, runs: int = RUNS) -> list[Row]:
    expected = bench_node_count()
    load_handlers()
    client = connect(server)  # plain kazoo, for the reference walk
    engine = Engine(ConnectOptions(hosts=server))
    engine.connect()
    ours = engine.client  # zktui's client (its session's socket I/O) for every zktui contender
    contenders: dict[str, Callable[[], int]] = {
        "kazoo, sequential": lambda: sequential_kazoo(client, BENCH_ROOT),
        "zktui `ls -R`": lambda: len(engine.run(f"ls -R {BENCH_ROOT}").data),
        "zktui discovery walk": lambda: _discovery_nodes(ours),
        "zktui tree index": lambda: len(TreeIndex.build(ours, BENCH_ROOT)),
    }
    if find_installation().zkcli:
        contenders["zkCli.sh `ls -R` (process)"] = lambda: zkcli_ls_r(server, BENCH_ROOT)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    try:
        for run in range(1, runs + 1):
            for name, read in contenders.items():
                start = time.perf_counter()
                count = read()
                elapsed = time.perf_counter() - start
                if count != expected:
                    raise AssertionError(f"{name} read {count} nodes, expected {expected}")
                times[name].append(elapsed)
                say(f"    run {run}/{runs} {name}: {elapsed:.2f} s ({count / elapsed:,.0f} nodes/s)")
    finally:
        engine.close()
        client.stop()
        client.close()
    return _rows(times, expected)


def _discovery_nodes(client) -> int:
    """The live panel's discovery walk reads the whole subtree; it keeps only recipe parents, so count reads."""
    read = [0]
    discover(client, BENCH_ROOT, progress=lambda count: read.__setitem__(0, count))
    return read[0]


def _rows(times: dict[str, list[float]], nodes: int) -> list[Row]:
    baseline = median(times["kazoo, sequential"])
    zkcli = median(times["zkCli.sh `ls -R` (process)"]) if "zkCli.sh `ls -R` (process)" in times else None
    rows = []
    for name, samples in times.items():
        seconds = median(samples)
        rate = nodes / seconds
        row = Row("1. walk", name, f"{seconds:.2f} s, {rate:,.0f} nodes/s",
                  ratio=f"{baseline / seconds:.2f}x sequential kazoo",
                  raw={"seconds": samples, "median_s": seconds, "nodes_per_s": rate, "nodes": nodes})
        if name.startswith("zktui"):
            fast_enough = baseline / seconds >= 2.0
            beats_zkcli = zkcli is None or seconds < zkcli
            row.target = ">= 2x sequential kazoo, < zkCli.sh ls -R"
            row.verdict = verdict(fast_enough and beats_zkcli)
            if zkcli is not None:
                row.ratio += f", {zkcli / seconds:.2f}x zkCli.sh"
        rows.append(report_row(row))
    return rows
