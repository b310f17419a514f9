"""Highlighting of the line being typed, from the same word roles completion uses."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer

from zktui.commands.complete import Role, Word, describe

_ROLE_STYLES = {
    "command": "class:command",
    "unknown-command": "class:unknown",
    "flag": "class:flag",
    "unknown-flag": "class:unknown",
    "flag-value": "class:value",
    "extra": "class:unknown",
}


def word_style(word: Word, role: Role) -> str:
    if role.kind == "arg" and role.arg is not None:
        style = "class:path" if role.arg.kind == "path" else "class:value"
    else:
        style = _ROLE_STYLES.get(role.kind, "")
    return f"{style} class:string" if word.quoted else style


def highlight(line: str) -> StyleAndTextTuples:
    """The line as (style, text) pieces; the spaces between words keep the default style."""
    pieces: StyleAndTextTuples = []
    position = 0
    for word, role in describe(line):
        if word.start > position:
            pieces.append(("", line[position : word.start]))
        pieces.append((word_style(word, role), word.text))
        position = word.end
    if position < len(line):
        pieces.append(("", line[position:]))
    return pieces


class CommandLexer(Lexer):
    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def line_pieces(number: int) -> StyleAndTextTuples:
            return highlight(lines[number]) if number < len(lines) else []

        return line_pieces
