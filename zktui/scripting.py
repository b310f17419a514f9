"""`zktui exec`: one command (or one per stdin line) through the engine, for scripts.

Exit status: 0 every command succeeded, 1 a command failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from zktui.commands.engine import Engine, load_handlers, parse_redacted
from zktui.commands.parser import UsageError
from zktui.commands.registry import CommandError, Output
from zktui.connect_args import add_connection_flags, default_hosts, options_from_args
from zktui.core.escape import inert, inert_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "exec",
        help="run one command (or `-` for one per stdin line) and exit, for scripts",
        description="Run zktui commands non-interactively. Exit status 0 ok, 1 failed, 2 usage error.",
    )
    parser.add_argument("--hosts", default=None, help=f"connect string (default $ZKTUI_HOSTS or {default_hosts()})")
    parser.add_argument("--json", action="store_true", help="print results as JSON; errors as JSON on stderr")
    parser.add_argument("--raw", action="store_true", help="`get` writes the data's exact bytes (unescaped)")
    parser.add_argument("--yes", action="store_true", help="confirm bulk destructive commands (deleteall, mv, ...)")
    add_connection_flags(parser)
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND [ARGS...]",
                        help="the command, or - to read commands from stdin")
    parser.set_defaults(run=run)


class ExecRunner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.options = options_from_args(args, args.hosts)
        self.engine = Engine(
            self.options,
            notify=lambda text: print(text, file=sys.stderr, flush=True),
            confirm=(lambda question: True) if args.yes else None,
            progress=lambda text: None,
        )
        load_handlers()

    def run_line(self, line: str) -> int:
        return self.run_words(None, line)

    def run_words(self, words: list[str] | None, line: str) -> int:
        try:
            invocation = parse_redacted(line, words)
            if invocation is None:
                return EXIT_OK
            if invocation.command.needs_session and self.engine.session is None:
                self.engine.connect(self.options)
            self.engine.history.append(line)
            output = self.engine.run_invocation(invocation)
        except UsageError as exc:
            self._error(exc.command or line.split()[0], exc.message)
            return EXIT_USAGE
        except CommandError as exc:
            self._error(exc.command, exc.reason)
            return EXIT_FAILED
        self._print(output)
        return EXIT_OK

    def _print(self, output: Output) -> None:
        if self.args.raw and output.raw is not None:
            sys.stdout.buffer.write(output.raw)
            sys.stdout.buffer.flush()
        elif self.args.json:
            print(inert_json(json.dumps(output.data, ensure_ascii=False)))
        elif output.text:
            print(output.text)

    def _error(self, command: str, reason: str) -> None:
        if self.args.json:
            print(inert_json(json.dumps({"error": reason, "command": command}, ensure_ascii=False)), file=sys.stderr)
        else:
            print(f"zktui: {inert(command)}: {reason}", file=sys.stderr)

    def close(self) -> None:
        self.engine.close()


def run(args: argparse.Namespace) -> int:
    words = args.words[1:] if args.words[:1] == ["--"] else args.words
    if not words:
        print("zktui: exec: give a command, or - to read commands from stdin", file=sys.stderr)
        return EXIT_USAGE
    runner = ExecRunner(args)
    try:
        if words == ["-"]:
            status = EXIT_OK
            for line in sys.stdin:
                result = runner.run_line(line.rstrip("\n"))
                status = max(status, result)
                if runner.engine.quit_requested:
                    break
            return status
        return runner.run_words(words, shlex.join(words))
    finally:
        runner.close()
