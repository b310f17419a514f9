"""The `zktui` entry point: --version, --help listing every subcommand, python -m zktui."""

from __future__ import annotations

import subprocess
import sys

from zktui import __version__
from zktui.cli import build_parser


def test_version():
    result = subprocess.run([sys.executable, "-m", "zktui", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"zktui {__version__}"


def test_help_lists_every_subcommand_with_a_line():
    result = subprocess.run([sys.executable, "-m", "zktui", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    assert subcommands, "no subcommands registered"
    for name in subcommands:
        assert any(line.strip().startswith(name + " ") for line in result.stdout.splitlines()), name
