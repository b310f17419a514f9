"""Command line: `zktui [HOSTS]` opens the TUI; subcommands pick another front end or the sandbox.

Front ends are imported lazily, so `zktui exec` never loads Textual and `zktui sandbox` loads neither.
"""

from __future__ import annotations

import argparse
import sys

from zktui import __version__, demo, scripting
from zktui import shell as shell_cli
from zktui import tui as tui_cli
from zktui.sandbox import cli as sandbox_cli

SUBCOMMAND_MODULES = (tui_cli, shell_cli, scripting, demo, sandbox_cli)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zktui",
        description="A terminal tool for people who run Apache ZooKeeper.",
    )
    parser.add_argument("--version", action="version", version=f"zktui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in SUBCOMMAND_MODULES:
        module.add_parser(subparsers)
    return parser


def _subcommand_names(parser: argparse.ArgumentParser) -> set[str]:
    return set(next(a for a in parser._actions if a.dest == "command").choices)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in _subcommand_names(parser) | {"-h", "--help", "--version"}:
        argv = ["tui", *argv]  # `zktui [HOSTS] [options]` opens the TUI
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("zktui: interrupted", file=sys.stderr)
        return 130
