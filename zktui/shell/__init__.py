"""`zktui shell [HOSTS]`: an interactive, zkCli-like REPL. prompt_toolkit is imported only when it runs."""

from __future__ import annotations

import argparse

from zktui.connect_args import add_connection_flags, default_hosts


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "shell",
        help="an interactive zkCli-like shell with completion, history and live watch events",
        description="Type zkCli commands with completion of commands, flags and live znode paths. "
        "Ctrl-C stops a running command, Ctrl-D or `quit` leaves.",
    )
    parser.add_argument("hosts", nargs="?", default=None, metavar="HOSTS",
                        help=f"connect string (default $ZKTUI_HOSTS or {default_hosts()})")
    add_connection_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, lab=None) -> int:
    from zktui.shell.app import run_shell

    return run_shell(args, lab=lab)
