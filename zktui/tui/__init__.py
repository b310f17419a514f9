"""`zktui [HOSTS]`: the Textual TUI. Textual is imported only when it runs."""

from __future__ import annotations

import argparse

from zktui.connect_args import add_connection_flags, default_hosts


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "tui",
        help="the full-screen TUI (also what plain `zktui [HOSTS]` opens)",
        description="The znode tree beside the selected node's stat, ACL and data, with a command prompt.",
    )
    parser.add_argument("hosts", nargs="?", default=None, metavar="HOSTS",
                        help=f"connect string (default $ZKTUI_HOSTS or {default_hosts()})")
    add_connection_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, lab=None) -> int:
    """`lab`: the demo's failover lab, for the `lab` command and its keys."""
    from zktui.connect_args import options_from_args
    from zktui.tui.app import ZkTuiApp

    app = ZkTuiApp(options_from_args(args, args.hosts), lab=lab)
    app.run()
    app.shutdown()
    return 0
