"""`make bench`: start a sandbox ensemble, seed the 110,100-node tree, run the five measurements, write
benchmarks/results/latest.{json,md} and the README's performance section.

    python -m benchmarks.run [--runs N] [--only 1,2,...] [--servers N]

Every client connects to the same server (the first), so contenders read from the same place. The
ensemble is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import argparse
import time
import traceback

from benchmarks import churn, events, memory, report, tui_start, walks
from benchmarks.common import RUNS, Row, connect, report_row, say
from benchmarks.seed import BENCH_ROOT, bench_node_count, seed_bench_tree
from zktui.sandbox import Ensemble

MEASUREMENTS = {
    "1": ("full-tree walk", lambda server, runs: walks.measure(server, runs)),
    "2": ("TUI start and a 100,000-child parent", lambda server, runs: tui_start.measure(server, runs)),
    "3": ("responsiveness under churn", lambda server, runs: churn.measure(server, runs)),
    "4": ("memory of the full index", lambda server, runs: memory.measure(server)),
    "5": ("event throughput", lambda server, runs: events.measure(server, runs)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per timing (default {RUNS})")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help="which measurements, e.g. 1,4")
    parser.add_argument("--servers", type=int, default=3, help="servers in the sandbox ensemble")
    parser.add_argument("--no-write", action="store_true", help="print only: leave results and README alone")
    parser.add_argument("--merge", action="store_true",
                        help="replace only the chosen measurements' rows of the latest results (after a fix)")
    args = parser.parse_args(argv)
    chosen = [key.strip() for key in args.only.split(",")]
    started = time.monotonic()
    rows = []
    with Ensemble(servers=args.servers, tick_time=500) as ensemble:
        server = ensemble.specs[0].address
        say(f"sandbox: {args.servers} servers, every client on {server}")
        client = connect(server)
        try:
            seeding = time.monotonic()
            count = seed_bench_tree(client)
            say(f"seeded {BENCH_ROOT}: {count:,} nodes in {time.monotonic() - seeding:.1f} s")
            assert count == bench_node_count()
            version = ".".join(str(part) for part in client.server_version())
        finally:
            client.stop()
            client.close()
        for key in chosen:
            name, run = MEASUREMENTS[key]
            say(f"\n{key}. {name}")
            try:
                rows += run(server, args.runs)
            except Exception as exc:  # one broken measurement must not cost the others' results
                traceback.print_exc()
                rows.append(report_row(Row(f"{key}.", name, "failed", verdict="MISS",
                                           note=f"{type(exc).__name__}: {exc}"[:300])))
    context = {"date": time.strftime("%Y-%m-%d"), "machine": report.machine(), "servers": args.servers,
               "zookeeper": version, "runs": args.runs,
               "duration_s": time.monotonic() - started, "nodes": bench_node_count()}
    if args.merge:
        rows, context = report.merged(rows, context, chosen)
    table = report.markdown(rows, context)
    say("\n" + table)
    if not args.no_write:
        report.write(rows, context)
        say("written: benchmarks/results/latest.json, benchmarks/results/latest.md, README.md (Performance)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
