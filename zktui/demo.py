"""`zktui demo`: a local 3-server ensemble to explore, stopped with everything else on exit."""

from __future__ import annotations

import argparse
import sys
import threading

from zktui.sandbox import Ensemble, SandboxError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="start a local 3-server ensemble to explore; everything stops on exit")
    parser.add_argument("--servers", type=int, default=3, help="number of servers (default 3)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        with Ensemble(servers=args.servers, tick_time=500) as ensemble:
            print(f"sandbox ensemble up: {ensemble.hosts}")
            print(f"servers log to {ensemble.directory}; press Ctrl-C to stop everything")
            threading.Event().wait()
    except SandboxError as exc:
        print(f"zktui demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped the sandbox ensemble")
    return 0
