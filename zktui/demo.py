"""`zktui demo`: a local 3-server ensemble with a few nodes, and the zktui TUI on it.

Everything stops on exit: the ensemble is bound to this process (see zktui.sandbox.process).
"""

from __future__ import annotations

import argparse
import sys

from kazoo.client import KazooClient

from zktui.sandbox import Ensemble, SandboxError
from zktui.sandbox.seed import seed


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="start a local 3-server ensemble and open zktui on it")
    parser.add_argument("--servers", type=int, default=3, help="number of servers (default 3)")
    parser.add_argument("--shell", action="store_true", help="open the shell instead of the TUI")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        with Ensemble(servers=args.servers, tick_time=500) as ensemble:
            client = KazooClient(hosts=ensemble.hosts)
            client.start(timeout=30)
            try:
                seed(client)
            finally:
                client.stop()
            print(f"sandbox ensemble up: {ensemble.hosts} (servers log to {ensemble.directory})")
            front_end = "shell" if args.shell else "tui"
            return _run_front_end(front_end, ensemble.hosts)
    except SandboxError as exc:
        print(f"zktui demo: {exc}", file=sys.stderr)
        return 1


def _run_front_end(name: str, hosts: str) -> int:
    from zktui.cli import build_parser

    front_end_args = build_parser().parse_args([name, hosts])
    return front_end_args.run(front_end_args)
