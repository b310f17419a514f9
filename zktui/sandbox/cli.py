"""`zktui sandbox ...`: drive a local ensemble from the shell; state lives in --dir between calls."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from zktui.sandbox.config import server_directory
from zktui.sandbox.ensemble import STATE_FILE, Ensemble, default_directory
from zktui.sandbox.install import SandboxError

DEFAULT_BASE_PORT = 2181
SERVER_ACTIONS = {
    "kill": "kill server ID with SIGKILL, as in a crash",
    "stop": "stop server ID cleanly (SIGTERM)",
    "start": "start server ID again and wait until it serves",
    "restart": "stop, then start server ID",
    "pause": "freeze server ID with SIGSTOP (a hung or cut-off server)",
    "resume": "let a paused server ID run again (SIGCONT)",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a real local ZooKeeper ensemble (up, status, kill, pause, down, ...)",
        description="A real ZooKeeper ensemble on 127.0.0.1, from the installed ZooKeeper jars.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def with_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--dir", default=None, help=f"state directory (default {default_directory()})")
        return p

    up = with_dir(actions.add_parser("up", help="start N servers and print the connect string"))
    up.add_argument("--servers", type=int, default=3, help="number of servers (default 3; 1 = standalone)")
    up.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT, help="first client port (default 2181)")
    up.add_argument("--tick-time", type=int, default=2000, help="ZooKeeper tickTime in ms (default 2000)")
    up.add_argument("--keep-data", action="store_true", help="keep the znodes of the previous run")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for every server")
    with_dir(actions.add_parser("hosts", help="print the connect string"))
    with_dir(actions.add_parser("status", help="one line per server: ID ADDRESS MODE PID"))
    with_dir(actions.add_parser("leader", help="print the leader's ID"))
    with_dir(actions.add_parser("down", help="stop every server"))
    for name, text in SERVER_ACTIONS.items():
        with_dir(actions.add_parser(name, help=text)).add_argument("id", type=int, metavar="ID")
    logs = with_dir(actions.add_parser("logs", help="print the end of server ID's log"))
    logs.add_argument("id", type=int, metavar="ID")
    logs.add_argument("-n", "--lines", type=int, default=40)
    parser.set_defaults(run=run)


def _up(args: argparse.Namespace) -> int:
    directory = os.path.abspath(args.dir or default_directory())
    if os.path.exists(os.path.join(directory, STATE_FILE)):
        previous = Ensemble.load(directory)
        if any(previous.pid(m) for m in previous.ids):
            print(f"zktui sandbox: already running in {directory}; `zktui sandbox down` first to change it",
                  file=sys.stderr)
            print(previous.hosts)
            return 0
    if not args.keep_data:
        for entry in os.listdir(directory) if os.path.isdir(directory) else []:
            if entry.startswith("zk") and entry[2:].isdigit():
                shutil.rmtree(server_directory(directory, int(entry[2:])), ignore_errors=True)
    try:
        ensemble = Ensemble(args.servers, args.base_port, directory, tick_time=args.tick_time, bound=False)
    except ValueError as exc:
        raise SandboxError(str(exc)) from None
    ensemble.up(timeout=args.timeout)
    print(ensemble.hosts)
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "up":
            return _up(args)
        if args.action == "down" and not os.path.exists(os.path.join(args.dir or default_directory(), STATE_FILE)):
            print("nothing was running")
            return 0
        ensemble = Ensemble.load(args.dir)
        if args.action == "hosts":
            print(ensemble.hosts)
        elif args.action == "status":
            for server in ensemble.status():
                print(server.line())
        elif args.action == "leader":
            leader = ensemble.leader()
            if leader is None:
                print("zktui sandbox: no server is leading right now", file=sys.stderr)
                return 1
            print(leader)
        elif args.action == "down":
            stopped = ensemble.down()
            print(f"stopped {stopped} server{'s' if stopped != 1 else ''}" if stopped else "nothing was running")
        elif args.action == "logs":
            ensemble.spec(args.id)
            print(ensemble.log_tail(args.id, args.lines), end="")
        else:
            getattr(ensemble, args.action)(args.id)
            print(f"server {args.id}: {ensemble.mode(args.id)}")
    except SandboxError as exc:
        print(f"zktui sandbox: {exc}", file=sys.stderr)
        return 1
    return 0
