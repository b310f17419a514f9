"""Command lines -> Invocation, by the command table. Every mistake is one UsageError line."""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field

from zktui.commands.spec import Command, Flag, command_names, lookup

_NEGATIVE_NUMBER = re.compile(r"-\d+$")


class UsageError(Exception):
    """The line does not fit the command's usage. `command` is '' when the command itself is unknown."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(message)
        self.command = command
        self.message = message


@dataclass(frozen=True)
class Invocation:
    command: Command
    args: dict[str, str | None]
    flags: dict[str, object] = field(default_factory=dict)
    line: str = ""

    def flag(self, dest: str, default=None):
        return self.flags.get(dest, default)

    def arg(self, name: str, default=None):
        value = self.args.get(name)
        return default if value is None else value


def tokenize(line: str) -> list[str]:
    """Split like zkCli: on white space, with single or double quotes grouping; no comments, no escapes."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return list(lexer)
    except ValueError:
        raise UsageError("", "unterminated quote in the command line") from None


def known_command(name: str) -> Command | None:
    """The command a word names: exact, else case-insensitive (`getacl`); no guessing."""
    command = lookup(name)
    if command is None:
        lowered = {n.lower(): n for n in command_names()}
        if name.lower() in lowered:
            command = lookup(lowered[name.lower()])
    return command


def find_command(name: str) -> Command:
    command = known_command(name)
    if command is None:
        close = difflib.get_close_matches(name, command_names(), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; `help` lists the commands"
        raise UsageError("", f"unknown command '{name}'{hint}")
    return command


def _convert(command: Command, what: str, kind: str, value: str, choices: tuple[str, ...]):
    if choices and value not in choices:
        raise UsageError(command.name, f"{what} must be one of {', '.join(choices)}, not '{value}'")
    if kind == "int":
        try:
            return int(value)
        except ValueError:
            raise UsageError(command.name, f"{what} must be a whole number, not '{value}'") from None
    return value


def flags_of_token(command: Command, token: str) -> list[Flag] | None:
    """The flags a token names: one flag, or a cluster of one-letter switches such as -sR."""
    exact = command.flag(token)
    if exact is not None:
        return [exact]
    if token.startswith("-") and not token.startswith("--") and len(token) > 2:
        cluster = [command.flag(f"-{letter}") for letter in token[1:]]
        if all(flag is not None and not flag.takes_value for flag in cluster):
            return cluster  # type: ignore[return-value]
    return None


def parse(line: str) -> Invocation | None:
    """Parse one line; None for a blank line."""
    return parse_words(tokenize(line), line)


def parse_words(words: list[str], line: str | None = None) -> Invocation | None:
    """Parse words already split (as a shell splits `zktui exec` arguments); None when there are none."""
    if not words:
        return None
    command = find_command(words[0])
    flags: dict[str, object] = {}
    positionals: list[str] = []
    rest = iter(words[1:])
    only_positionals = False
    for token in rest:
        if only_positionals or not token.startswith("-") or token == "-":
            positionals.append(token)
            continue
        if token == "--":
            only_positionals = True
            continue
        named = flags_of_token(command, token)
        if named is None:
            if _NEGATIVE_NUMBER.match(token):
                positionals.append(token)
                continue
            known = " ".join(f.name for f in command.flags) or "none"
            raise UsageError(command.name, f"unknown flag {token} (flags: {known}); usage: {command.usage}")
        for flag in named:
            if flag.takes_value:
                value = next(rest, None)
                if value is None:
                    raise UsageError(command.name, f"{flag.name} needs a {flag.metavar}; usage: {command.usage}")
                flags[flag.dest] = _convert(command, flag.name, flag.kind, value, flag.choices)
            else:
                flags[flag.dest] = True
    return Invocation(command, _bind_args(command, positionals), flags, line if line is not None else " ".join(words))


def _bind_args(command: Command, positionals: list[str]) -> dict[str, str | None]:
    bound: dict[str, str | None] = {}
    remaining = list(positionals)
    for arg in command.args:
        if arg.rest:
            bound[arg.name] = " ".join(remaining) if remaining else None
            remaining = []
        elif remaining:
            bound[arg.name] = _convert(command, arg.name, arg.kind, remaining.pop(0), arg.choices)
        elif arg.optional:
            bound[arg.name] = None
        else:
            raise UsageError(command.name, f"missing {arg.name}; usage: {command.usage}")
    if remaining:
        raise UsageError(command.name, f"too many arguments ({' '.join(remaining)}); usage: {command.usage}")
    return bound
