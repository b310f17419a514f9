"""The selected node: its stat, its ACL and its data (in a view the user picks)."""

from __future__ import annotations

from rich.console import Group
from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from zktui.core.decode import HEX_BYTES_PER_LINE, VIEWS, hexdump, hexdump_width, render
from zktui.core.escape import inert
from zktui.core.statview import stat_rows
from zktui.core.zkformat import acl_to_json
from zktui.tui.widgets.text_rows import TextRows

# Highlighting a huge JSON document on every refresh would stall the screen: past this, plain text.
HIGHLIGHT_LIMIT = 200_000
MAX_LINES_SHOWN = 5_000


class StatPane(TextRows):
    """The selected node's path, stat fields and ACL, one row each (the path and the ACL wrap to rows)."""

    DEFAULT_CSS = "StatPane { height: auto; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None  # show()'s arguments: drawn again when the width changes

    @property
    def content(self) -> Group:
        """What the pane shows, as one renderable (tests read it as text)."""
        return Group(*self.rows)

    def show(self, path: str, stat, acl, locked: bool = False, error: str | None = None) -> None:
        self._shown = (path, stat, acl, locked, error)
        width = self.scrollable_content_region.width or 80  # before the first layout: any width will do
        rows = self._wrapped(Text(inert(path), style="bold"), width)  # wrapped, never cut: the leaf matters
        if error:
            self.set_rows(rows + self._wrapped(Text(error, style="red"), width))
            return
        rows += _stat_lines(list(stat_rows(stat)) if stat is not None else [])
        if locked:
            rows += self._wrapped(Text("🔒 no READ permission: data hidden (addauth to unlock)", style="yellow"),
                                  width)
        if acl:
            line = Text.assemble(("ACL  ", "cyan"))
            line.append(", ".join(f"{inert(e['scheme'])}:{inert(e['id'])}:{e['perms']}" for e in acl_to_json(acl)))
            rows += self._wrapped(line, width)
        self.set_rows(rows)

    def _wrapped(self, text: Text, width: int) -> list[Text]:
        return list(text.wrap(self.app.console, width))

    def on_resize(self) -> None:
        super().on_resize()
        if self._shown is not None:
            self.show(*self._shown)  # the path and the ACL wrap at the new width


def _stat_lines(rows: list[tuple[str, str, str]]) -> list[Text]:
    """The stat fields in three aligned columns, one row each. Plain text: a Rich Table measured and
    drew itself on every key press, the largest part of moving the cursor."""
    if not rows:
        return []
    name_width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    return [Text.assemble((name.ljust(name_width), "cyan"), " ", value.ljust(value_width), " ", (note, "dim"),
                          no_wrap=True, overflow="ellipsis")
            for name, value, note in rows]


class DataPane(VerticalScroll):
    DEFAULT_CSS = """
    DataPane { height: 1fr; border-top: solid $primary-background; padding: 0 1; }
    DataPane > .data-note { color: $text-muted; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = "auto"
        self.data: bytes | None = None
        self.hex_row_bytes = HEX_BYTES_PER_LINE  # what the last hex view used: 8 when the pane is narrow

    def compose(self):
        yield Static(classes="data-note", id="data-note")
        yield Static(id="data-body")

    def show(self, data: bytes | None) -> None:
        if data == self.data and data is not None:
            return  # the same node read again (its children changed): nothing to draw
        self.data = data
        self._redraw()

    def cycle_view(self) -> str:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._redraw()
        return self.view

    def _redraw(self) -> None:
        note = self.query_one("#data-note", Static)
        body = self.query_one("#data-body", Static)
        if self.data is None:
            note.update("")
            body.update("")
            return
        rendered = render(self.data, self.view)
        lines = self._fitted_hex(rendered.hex_source) if rendered.view == "hex" else list(rendered.lines)
        cut = len(lines) - MAX_LINES_SHOWN
        text = "\n".join(lines[:MAX_LINES_SHOWN])
        header = f"view: {rendered.view}" + (f" (asked: {self.view})" if self.view != "auto" else "")
        if rendered.note:
            header += f" · {rendered.note}"
        if cut > 0:
            header += f" · first {MAX_LINES_SHOWN:,} of {len(lines):,} lines (`get` in the prompt shows all)"
        note.update(Text(header + "   [v] next view"))
        content = Text(text)
        if rendered.is_json and len(text) <= HIGHLIGHT_LIMIT:
            JSONHighlighter().highlight(content)
        body.update(content)

    def _fitted_hex(self, source: bytes) -> list[str]:
        """A hex dump never wraps mid-line: rows of 16 bytes where they fit, else of 8."""
        width = self.scrollable_content_region.width
        fits = width == 0 or width >= hexdump_width(HEX_BYTES_PER_LINE)  # 0: not laid out yet
        self.hex_row_bytes = HEX_BYTES_PER_LINE if fits else 8
        return hexdump(source, bytes_per_line=self.hex_row_bytes)

    def on_resize(self) -> None:
        if self.data is not None and self.view in ("hex", "auto"):
            self._redraw()
