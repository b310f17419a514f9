"""TextRows, the live panel's and stat pane's line-API widget: rows never wrap, the height follows the
number of rows, and a row that reads as before is drawn from the cache. (No pytest-asyncio: each test runs
its scenario with asyncio.run.)"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import App, ComposeResult

from zktui.tui.widgets.text_rows import TextRows


class RowsApp(App):
    def compose(self) -> ComposeResult:
        yield TextRows(id="rows")


def screen_rows(app: App) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def test_rows_are_cut_with_an_ellipsis_and_the_height_follows_their_number():
    asyncio.run(_cut_and_height())


async def _cut_and_height() -> None:
    app = RowsApp()
    async with app.run_test(size=(20, 8)) as pilot:
        rows = app.query_one(TextRows)
        rows.set_rows([Text("short"), Text("a row far wider than twenty cells", style="bold")])
        await pilot.pause()
        assert rows.size.height == 2
        shown = screen_rows(app)
        assert shown[0].rstrip() == "short"
        assert shown[1] == "a row far wider tha…"
        rows.set_rows([Text(f"row {n}") for n in range(5)])
        await pilot.pause()
        assert rows.size.height == 5
        assert [line.rstrip() for line in screen_rows(app)[:5]] == [f"row {n}" for n in range(5)]


def test_an_unchanged_row_is_not_rendered_again():
    asyncio.run(_unchanged_row())


async def _unchanged_row() -> None:
    app = RowsApp()
    async with app.run_test(size=(30, 6)) as pilot:
        rows = app.query_one(TextRows)
        rendered: list[str] = []
        render_row = rows._render_row

        def counting(row, width):
            rendered.append(row.plain)
            return render_row(row, width)

        rows._render_row = counting
        rows.set_rows([Text("heading", style="bold"), Text("member 1")])
        await pilot.pause()
        assert sorted(rendered) == ["heading", "member 1"]
        rendered.clear()
        rows.set_rows([Text("heading", style="bold"), Text("member 2")])  # new objects, one row changed
        await pilot.pause()
        assert rendered == ["member 2"]
        assert screen_rows(app)[1].rstrip() == "member 2"
