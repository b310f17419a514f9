"""prompt_toolkit's side of completion: the pure `complete()` for commands and znodes, local files too."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from zktui.commands.complete import Children, at_cursor, complete


class CommandCompleter(Completer):
    """Completes a command line; `children` may block on the network, so wrap this in a ThreadedCompleter."""

    def __init__(self, cwd: Callable[[], str], children: Children) -> None:
        self._cwd = cwd
        self._children = children
        self._files = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        line = document.text_before_cursor
        word, role, _ = at_cursor(line)
        if role.arg is not None and role.arg.kind == "file" and not word.quoted:
            yield from self._files.get_completions(Document(word.value), complete_event)
            return
        for offer in complete(line, self._cwd(), self._children):
            yield Completion(offer.text, start_position=offer.start, display=offer.display or None,
                             display_meta=offer.meta or None)
