"""`zktui demo`: the failover lab. A local 3-server ensemble, a workload of real clients on it (services,
lock workers, a read/write lock, a semaphore, an election), and the zktui TUI (or shell) on it, with the
`lab` command and keys to break things and watch what follows.

Everything stops on exit: the servers and the workload are bound to this process (zktui.sandbox.process).
"""

from __future__ import annotations

import argparse
import sys

from zktui.sandbox import Ensemble, SandboxError
from zktui.sandbox.lab import Lab
from zktui.sandbox.seed import SECRET_PASSWORD, SECRET_USER, seed_ensemble


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="the failover lab: a local 3-server ensemble, a workload, and zktui on it")
    parser.add_argument("--servers", type=int, default=3, help="number of servers (default 3)")
    parser.add_argument("--shell", action="store_true", help="open the shell instead of the TUI")
    parser.add_argument("--no-workload", action="store_true", help="only the seeded nodes, no client processes")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        with Ensemble(servers=args.servers, tick_time=500) as ensemble, Lab(ensemble) as lab:
            seed_ensemble(ensemble.hosts)
            if not args.no_workload:
                lab.start_workload()
            print(introduction(ensemble, args.shell))
            return _run_front_end("shell" if args.shell else "tui", ensemble.hosts, lab)
    except SandboxError as exc:
        print(f"zktui demo: {exc}", file=sys.stderr)
        return 1


def introduction(ensemble: Ensemble, shell: bool) -> str:
    keys = "" if shell else " (keys K, W, A, H)"
    return "\n".join([
        f"sandbox ensemble up: {ensemble.hosts} (servers log to {ensemble.directory})",
        "workload: /services (members), /locks/jobs (kazoo Lock), /locks/config (read/write lock), "
        "/locks/pool (semaphore), /election/scheduler",
        f"/demo/secrets needs a credential: addauth digest {SECRET_USER}:{SECRET_PASSWORD}",
        f"break it{keys}: lab kill-leader, lab kill-worker, lab add-workers N, lab pause ID, lab heal, lab status",
    ])


def _run_front_end(name: str, hosts: str, lab: Lab) -> int:
    from zktui.cli import build_parser

    front_end_args = build_parser().parse_args([name, hosts])
    return front_end_args.run(front_end_args, lab=lab)
