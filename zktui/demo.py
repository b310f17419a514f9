"""`zktui demo`: a local 3-server ensemble with a few nodes, and zktui's best front end on it.

Everything stops on exit: the ensemble is bound to this process (see zktui.sandbox.process).
"""

from __future__ import annotations

import argparse
import sys

from kazoo.client import KazooClient

from zktui.sandbox import Ensemble, SandboxError
from zktui.sandbox.seed import seed


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="start a local 3-server ensemble and open the zktui shell on it")
    parser.add_argument("--servers", type=int, default=3, help="number of servers (default 3)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zktui.shell import run as run_shell_command

    try:
        with Ensemble(servers=args.servers, tick_time=500) as ensemble:
            client = KazooClient(hosts=ensemble.hosts)
            client.start(timeout=30)
            try:
                seed(client)
            finally:
                client.stop()
            print(f"sandbox ensemble up: {ensemble.hosts} (servers log to {ensemble.directory})")
            print("try: ls /demo   tree /demo   get --view json /demo/config/app.json   srvr   help")
            shell_args = _shell_arguments(ensemble.hosts)
            return run_shell_command(shell_args)
    except SandboxError as exc:
        print(f"zktui demo: {exc}", file=sys.stderr)
        return 1


def _shell_arguments(hosts: str) -> argparse.Namespace:
    from zktui.cli import build_parser

    return build_parser().parse_args(["shell", hosts])
