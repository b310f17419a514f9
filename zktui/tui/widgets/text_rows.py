"""Rows of one-line Rich Text drawn through Textual's line API, each row's strip cached.

A Static re-renders its whole content on every update: for the live panel (a churning group redrawn four
times a second) and the stat pane (re-read as the selected node changes) that was the costliest part of
a frame composed while a key waited (benchmarks: churn p99). Here an update swaps the list of rows; a
frame renders only the rows on screen, and a row that reads as before (same text, spans and width) comes
from the cache. Rows never wrap: a row wider than the widget ends in an ellipsis.
"""

from __future__ import annotations

from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual, visualize

STRIPS_CACHED = 256


class TextRows(ScrollView, can_focus=False):
    DEFAULT_CSS = "TextRows { height: auto; overflow-x: hidden; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Text] = []
        self._strips: LRUCache[tuple, Strip] = LRUCache(STRIPS_CACHED)
        self._frame_style: tuple = (0, None)  # (width, base style) for the frame being rendered

    def set_rows(self, rows: list[Text]) -> None:
        """Show these rows. Only a change in their number needs a new layout (height: auto), which
        measures every pane on screen again."""
        height_changed = len(rows) != len(self.rows)
        self.rows = rows
        self.virtual_size = Size(0, len(rows))
        self.refresh(layout=height_changed)

    def render_lines(self, crop):
        # Once per frame, not per row: the widget's style walks every ancestor's background.
        self._frame_style = (self.scrollable_content_region.width, self.rich_style)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width, base = self._frame_style
        if base is None:  # called outside a frame
            width, base = self.scrollable_content_region.width, self.rich_style
        if index >= len(self.rows) or width <= 0:
            return Strip.blank(max(width, 0), base)
        row = self.rows[index]
        key = (row.plain, tuple(row.spans), row.style, width, base)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, width)
            self._strips[key] = strip
        return strip.apply_offsets(0, index)

    def _render_row(self, row: Text, width: int) -> Strip:
        """The row through the same pipeline a Static uses (dim, theme colours), cut to the width."""
        fitted = row.copy()
        if fitted.style:  # as a span, so that Textual maps its colours to the theme as it does for spans
            fitted.stylize_before(fitted.style)
            fitted.style = ""
        fitted.truncate(width, overflow="ellipsis")
        strips = Visual.to_strips(self, visualize(self, fitted), width, 1, self.visual_style, pad=True)
        return strips[0] if strips else Strip.blank(width, self.rich_style)

    def on_resize(self) -> None:
        self.refresh()  # cached strips are per width: the new width draws afresh
