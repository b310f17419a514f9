"""Completion and word roles for interactive command lines, driven by the command table. No UI here.

`complete()` answers "what may come at the cursor"; `describe()` says what each typed word is (the
shell's highlighter uses it). Both read the line the way the parser does: words split on white space,
quotes grouping, a flag that takes a value consuming the next word, `--` ending the flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from zktui.commands.parser import flags_of_token, known_command
from zktui.commands.spec import Arg, Command, Flag, command_names, lookup
from zktui.core.escape import inert_name
from zktui.core.paths import resolve, sort_children

AUTH_SCHEMES = ("digest", "ip", "sasl", "x509", "world")
QUOTES = "'\""
_NEGATIVE_NUMBER = re.compile(r"-\d+$")
_NEEDS_QUOTES = re.compile(r"[\s'\"]")

Children = Callable[[str], list[str] | None]


@dataclass(frozen=True)
class Completion:
    text: str  # replaces the line from `start` to the cursor
    start: int  # where the replaced text begins, relative to the cursor (0 or negative)
    display: str = ""
    meta: str = ""


@dataclass(frozen=True)
class Word:
    text: str  # as typed, quotes included
    value: str  # as the parser sees it, quotes removed
    start: int  # offset in the line
    open_quote: str = ""  # the quote still open at the end of the line, if any

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def quoted(self) -> bool:
        return any(q in self.text for q in QUOTES)


@dataclass(frozen=True)
class Role:
    """What a word is: kind is command, unknown-command, flag, unknown-flag, flag-value, arg or extra."""

    kind: str
    command: Command | None = None
    flag: Flag | None = None
    arg: Arg | None = None


def split_words(line: str) -> list[Word]:
    """Words with their offsets. Unlike the parser's tokenizer it never fails: an open quote runs on."""
    words: list[Word] = []
    start: int | None = None
    value: list[str] = []
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
            else:
                value.append(char)
            continue
        if char.isspace():
            if start is not None:
                words.append(Word(line[start:index], "".join(value), start))
                start, value = None, []
            continue
        if start is None:
            start = index
        if char in QUOTES:
            quote = char
        else:
            value.append(char)
    if start is not None:
        words.append(Word(line[start:], "".join(value), start, quote))
    return words


class _Reader:
    """Walks a command's words left to right, knowing what the next word will be."""

    def __init__(self, command: Command) -> None:
        self.command = command
        self.positional = 0
        self.only_positionals = False
        self.pending_value: Flag | None = None

    def next_arg(self) -> Arg | None:
        args = self.command.args
        if self.positional < len(args):
            return args[self.positional]
        if args and args[-1].rest:
            return args[-1]
        return None

    def role_of_next(self, value: str, partial: bool = False) -> Role:
        """The role of the next word; `partial` for the word being typed (a lone `-` may become a flag)."""
        command = self.command
        if self.pending_value is not None:
            return Role("flag-value", command, flag=self.pending_value)
        looks_like_flag = value.startswith("-") and (partial or value != "-")
        if self.only_positionals or not looks_like_flag:
            return Role("arg" if self.next_arg() else "extra", command, arg=self.next_arg())
        if value == "--":
            return Role("flag", command)
        named = flags_of_token(command, value)
        if named is not None:
            return Role("flag", command, flag=named[-1])
        if _NEGATIVE_NUMBER.match(value) and not partial:
            return Role("arg" if self.next_arg() else "extra", command, arg=self.next_arg())
        return Role("unknown-flag", command)

    def consume(self, value: str) -> Role:
        role = self.role_of_next(value)
        if role.kind == "flag-value":
            self.pending_value = None
        elif role.kind in ("arg", "extra"):
            self.positional += 1
        elif value == "--":
            self.only_positionals = True
        elif role.kind == "flag" and role.flag is not None and role.flag.takes_value:
            self.pending_value = role.flag
        return role


def describe(line: str) -> list[tuple[Word, Role]]:
    """Every word of the line with its role."""
    words = split_words(line)
    if not words:
        return []
    command = known_command(words[0].value)
    if command is None:
        return [(words[0], Role("unknown-command"))] + [(w, Role("extra")) for w in words[1:]]
    described = [(words[0], Role("command", command))]
    reader = _Reader(command)
    described += [(word, reader.consume(word.value)) for word in words[1:]]
    return described


def quote(text: str, preferred: str = "") -> str:
    """The word as it must be typed so the parser reads back `text` (which has no escapes, only quotes)."""
    if not _NEEDS_QUOTES.search(text) and not preferred and text:
        return text
    for mark in (preferred, "'", '"'):
        if mark and mark not in text:
            return f"{mark}{text}{mark}"
    # Both quote characters inside: adjacent quoted pieces are joined into one word by the parser.
    return "'" + text.replace("'", "'\"'\"'") + "'"


def at_cursor(line_before_cursor: str) -> tuple[Word, Role, list[Word]]:
    """The word being typed (maybe empty), its role, and the words before it."""
    words = split_words(line_before_cursor)
    ends_in_space = not line_before_cursor or line_before_cursor[-1].isspace()
    if ends_in_space and not (words and words[-1].open_quote):
        words.append(Word("", "", len(line_before_cursor)))
    current, before = words[-1], words[:-1]
    if not before:
        return current, Role("command"), before
    command = known_command(before[0].value)
    if command is None:
        return current, Role("extra"), before
    reader = _Reader(command)
    for word in before[1:]:
        reader.consume(word.value)
    return current, reader.role_of_next(current.value, partial=True), before


def complete(line_before_cursor: str, cwd: str, children: Children) -> list[Completion]:
    """What may be typed at the end of `line_before_cursor`.

    `children(parent)` gives a znode's child names, or None when they are not known (yet): then no path
    is offered rather than waiting.
    """
    current, role, before = at_cursor(line_before_cursor)
    if role.kind == "command":
        return _command_names(current)
    if role.command is None:
        return []
    if role.kind in ("flag", "unknown-flag"):
        used = {w.value for w in before[1:]}
        return _flags(role.command, current, used)
    if role.kind == "flag-value" and role.flag is not None:
        return _choices(role.flag.choices, current)
    if role.kind == "arg" and role.arg is not None:
        return _argument(role.arg, current, cwd, children)
    return []


def _starts(candidate: str, prefix: str) -> bool:
    return candidate.lower().startswith(prefix.lower())


def _command_names(current: Word) -> list[Completion]:
    found = []
    for name in command_names():
        if not _starts(name, current.value):
            continue
        command = lookup(name)
        assert command is not None
        meta = command.summary if command.name == name else f"alias of {command.name}"
        found.append(Completion(quote(name, current.open_quote), -len(current.text), name, meta))
    return found


def _flags(command: Command, current: Word, used: set[str]) -> list[Completion]:
    found = []
    for flag in command.flags:
        if flag.name.startswith(current.value) and flag.name not in used:
            shown = f"{flag.name} {flag.metavar}" if flag.takes_value else flag.name
            found.append(Completion(flag.name, -len(current.text), shown, flag.help))
    return found


def _choices(choices: tuple[str, ...], current: Word, meta: str = "") -> list[Completion]:
    return [Completion(quote(choice, current.open_quote), -len(current.text), choice, meta)
            for choice in choices if _starts(choice, current.value)]


def _argument(arg: Arg, current: Word, cwd: str, children: Children) -> list[Completion]:
    if arg.choices:
        return _choices(arg.choices, current)
    if arg.kind == "path":
        return _paths(current, cwd, children)
    if arg.kind == "command":
        return [Completion(c.text, c.start, c.display) for c in _command_names(current)]
    if arg.kind == "scheme":
        return _choices(AUTH_SCHEMES, current, "auth scheme")
    return []


def _paths(current: Word, cwd: str, children: Children) -> list[Completion]:
    typed = current.value
    cut = typed.rfind("/") + 1
    directory, prefix = typed[:cut], typed[cut:]
    names = children(resolve(cwd, directory) if directory else cwd)
    if not names:
        return []
    # Znode names are case-sensitive, so unlike commands their prefix is matched exactly.
    return [Completion(quote(directory + name, current.open_quote or _quote_of(current)), -len(current.text),
                       inert_name(name))
            for name in sort_children(names) if name.startswith(prefix)]


def _quote_of(word: Word) -> str:
    """The quote character the person started the word with, to keep their style."""
    first = word.text[:1]
    return first if first and first in QUOTES else ""
