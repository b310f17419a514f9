"""The TUI's modal screens, each pushed onto a tiny host app and driven with Pilot (no ZooKeeper needed).

pytest-asyncio is not installed: each test is synchronous and runs its scenario with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Static, TextArea

from zktui.commands.parser import parse
from zktui.core.escape import inert
from zktui.tui.screens.confirm import ConfirmScreen
from zktui.tui.screens.conflict import ConflictScreen, aligned_rows, common_view
from zktui.tui.screens.edit import BINARY, CONTROLS, MIXED_NEWLINES, EditScreen, editable_text
from zktui.tui.screens.find import MAX_SHOWN, FindScreen, matching
from zktui.tui.screens.goto import GotoScreen, RawShadow, completion
from zktui.tui.screens.help import HelpScreen
from zktui.tui.screens.new_node import (
    MODES,
    NewNodeRequest,
    NewNodeScreen,
    create_command_line,
    name_problem,
)

SIZE = (120, 40)
HOSTILE = "\x1b]0;x\x07[bold]"
HOSTILE_SHOWN = "\\x1b]0;x\\x07[bold]"
NOTHING = object()  # what `result` holds while the screen has not answered

Scenario = Callable[[Pilot], Awaitable[None]]


class Host(App[None]):
    """Pushes the screen under test on mount and records what it dismisses with."""

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.screen_under_test = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test, callback=self.results.append)


def run(screen: Screen, scenario: Scenario) -> object:
    """Run the scenario against the screen; what it dismissed with, or NOTHING when it did not answer."""
    app = Host(screen)

    async def inner() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.screen is screen
            await scenario(pilot)
            await pilot.pause()

    asyncio.run(inner())
    assert len(app.results) <= 1, f"dismissed more than once: {app.results}"
    return app.results[0] if app.results else NOTHING


def plain(renderable, width: int = 116) -> str:
    console = Console(width=width, color_system=None, force_terminal=False)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def static_text(screen: Screen, selector: str) -> str:
    return plain(screen.query_one(selector, Static).content)


def drawn(pilot: Pilot) -> str:
    """Every character the screen draws (what reaches the terminal, without the style codes)."""
    strips = pilot.app.screen._compositor.render_strips()  # no public API returns the composed lines
    return "\n".join(strip.text for strip in strips)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


# ----- EditScreen -----


def test_edit_saves_the_edited_text_as_bytes():
    screen = EditScreen("/app/config", b"hello\nworld\n", 4)

    async def scenario(pilot):
        assert isinstance(pilot.app.focused, TextArea)
        await pilot.press("end", "!", "!")
        await pilot.press("ctrl+s")

    assert run(screen, scenario) == b"hello!!\nworld\n"


def test_edit_keeps_non_ascii_text_as_utf8_and_saves_with_the_button():
    screen = EditScreen("/app/naïve", "größe: 5\n".encode(), 1)

    async def scenario(pilot):
        await pilot.press("end", "0")
        await pilot.click("#edit-save")

    assert run(screen, scenario) == "größe: 50\n".encode()


def test_edit_escape_cancels_even_after_typing():
    screen = EditScreen("/a", b"x", 0)

    async def scenario(pilot):
        await pilot.press("y", "z", "escape")

    assert run(screen, scenario) is None


def test_edit_unchanged_save_writes_nothing():
    screen = EditScreen("/a", b"same", 2)

    async def scenario(pilot):
        await pilot.press("ctrl+s")

    assert run(screen, scenario) is None


def test_edit_title_shows_path_and_the_version_condition():
    screen = EditScreen("/app/config", b"{}", 7)

    async def scenario(pilot):
        assert "/app/config" in static_text(pilot.app.screen, "#edit-title")
        version = static_text(pilot.app.screen, "#edit-version")
        assert "version 7 (the write succeeds only if nobody changed it since)" in version
        await pilot.press("escape")

    assert run(screen, scenario) is None


def test_edit_binary_data_is_read_only_hex_and_refuses_to_save():
    data = bytes(range(256))
    screen = EditScreen("/bin", data, 3)

    async def scenario(pilot):
        current = pilot.app.screen
        assert not current.query(TextArea), "binary data must not be editable"
        assert static_text(current, "#edit-warning").strip() == BINARY
        body = static_text(current, "#edit-body")
        assert "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f" in body
        assert current.query_one("#edit-save", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is current, "ctrl+s must not close a read-only editor"

    assert run(screen, scenario) is NOTHING


def test_editable_text_refuses_what_the_text_area_would_change_or_draw_raw():
    assert editable_text(b"a\tb\r\nc\r\n") == ("a\tb\r\nc\r\n", "")
    assert editable_text(b"") == ("", "")
    assert editable_text(b"\xff\xfe") == (None, BINARY)
    assert editable_text(HOSTILE.encode()) == (None, CONTROLS)
    assert editable_text("a\u2028b".encode()) == (None, CONTROLS)
    assert editable_text(b"one\ntwo\r\n") == (None, MIXED_NEWLINES)


# ----- ConflictScreen -----

THEIRS = b"a\nB\nc\nd\n"
YOURS = b"a\nb\nc\n"


@pytest.mark.parametrize(("key", "button", "choice"), [
    ("o", "#overwrite", "overwrite"),
    ("e", "#edit", "edit"),
    ("d", "#discard", "discard"),
])
def test_conflict_keys_and_buttons_answer(key, button, choice):
    async def press(pilot):
        await pilot.press(key)

    async def click(pilot):
        await pilot.click(button)

    assert run(ConflictScreen("/n", YOURS, THEIRS, 6, 5), press) == choice
    assert run(ConflictScreen("/n", YOURS, THEIRS, 6, 5), click) == choice


def test_conflict_escape_cancels_and_enter_takes_the_safe_default():
    async def escape(pilot):
        await pilot.press("escape")

    async def enter(pilot):
        await pilot.press("enter")

    assert run(ConflictScreen("/n", YOURS, THEIRS, 6, 5), escape) is None
    assert run(ConflictScreen("/n", YOURS, THEIRS, 6, 5), enter) == "edit"


def test_conflict_shows_both_sides_with_versions_and_marks_differences():
    async def scenario(pilot):
        table = static_text(pilot.app.screen, "#conflict-table")
        assert "theirs (version 6, on the server now)" in table
        assert "yours (based on version 5)" in table
        lines = [line.strip() for line in table.splitlines()]
        assert any(line.split() == ["a", "a"] for line in lines)  # same line on both sides, unmarked
        assert any(line.startswith("- B") and line.endswith("+ b") for line in lines)
        assert any(line == "- d" for line in lines)  # a line only theirs has faces a gap
        assert "2 lines differ" in static_text(pilot.app.screen, "#conflict-summary")
        await pilot.press("escape")

    run(ConflictScreen("/n", YOURS, THEIRS, 6, 5), scenario)


def test_aligned_rows_pair_lines_and_flag_only_differences():
    rows = aligned_rows(["a", "B", "c", "d"], ["a", "b", "c"])
    assert [(r.theirs, r.yours, r.differs) for r in rows] == [
        ("a", "a", False), ("B", "b", True), ("c", "c", False), ("d", None, True)]


def test_common_view_compares_like_with_like():
    assert common_view(b'{"a": 1}', b'{"a": 2}') == "json"
    assert common_view(b'{"a": 1}', b"{broken") == "text"
    assert common_view(b"\xff\x00", b"text") == "hex"
    assert common_view(b"", b"text") == "text"


# ----- hostile data -----


def test_hostile_data_and_names_are_drawn_inert_in_edit_and_conflict_screens():
    path = f"/evil{HOSTILE}"
    screens = [
        EditScreen(path, HOSTILE.encode(), 1),
        ConflictScreen(path, HOSTILE.encode(), b"x" + HOSTILE.encode(), 2, 1),
    ]
    for screen in screens:
        async def scenario(pilot):
            text = drawn(pilot)
            assert "\x1b" not in text and "\x07" not in text
            assert HOSTILE_SHOWN in text, "the data should be shown with its escapes written out"
            assert f"/evil{HOSTILE_SHOWN}" in text
            # "[bold]" stayed text: had it been read as markup it would have vanished from the screen.
            assert text.count("[bold]") >= 2
            await pilot.press("escape")

        assert run(screen, scenario) is None


# ----- NewNodeScreen -----


def test_new_node_returns_the_request():
    async def scenario(pilot):
        await type_text(pilot, "child")
        await pilot.press("tab")
        assert isinstance(pilot.app.focused, TextArea)
        await type_text(pilot, "v=1")
        await pilot.press("ctrl+s")

    assert run(NewNodeScreen("/parent"), scenario) == NewNodeRequest("child", b"v=1", "persistent", None)


def test_new_node_enter_in_the_name_submits():
    async def scenario(pilot):
        await type_text(pilot, "n1")
        await pilot.press("enter")

    assert run(NewNodeScreen("/"), scenario) == NewNodeRequest("n1", b"", "persistent", None)


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "a name is needed"),
    ("a/b", "cannot hold '/'"),
    (".", "'.' is not allowed"),
    ("..", "'..' is not allowed"),
])
def test_new_node_refuses_invalid_names_and_says_why(typed, reason):
    async def scenario(pilot):
        await type_text(pilot, typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, NewNodeScreen), "an invalid name must not submit"
        assert reason in static_text(screen, "#new-problem")
        assert screen.query_one("#new-name", Input).has_class("-invalid")
        await pilot.click("#new-create")
        await pilot.pause()
        assert pilot.app.screen is screen

    assert run(NewNodeScreen("/parent"), scenario) is NOTHING


def test_new_node_shows_the_reason_live_while_typing():
    async def scenario(pilot):
        screen = pilot.app.screen
        assert static_text(screen, "#new-problem").strip() == ""  # no scolding before anything is typed
        await type_text(pilot, "x/")
        assert "cannot hold '/'" in static_text(screen, "#new-problem")
        await pilot.press("backspace")
        assert static_text(screen, "#new-problem").strip() == ""
        await pilot.press("escape")

    assert run(NewNodeScreen("/parent"), scenario) is None


def test_name_problem_refuses_control_characters_and_what_zookeeper_refuses():
    assert "\\x1b" in name_problem("a\x1bb")
    assert "control" in name_problem("tab\there")
    assert "U+D800" in name_problem("private\ue000")
    assert name_problem("ok name-1.2_ü") is None


EXPECTED_RUNS = {
    "persistent": "create /parent/child 'a b'",
    "ephemeral": "create -e /parent/child 'a b'",
    "persistent_sequential": "create -s /parent/child 'a b'",
    "ephemeral_sequential": "create -e -s /parent/child 'a b'",
    "container": "create -c /parent/child 'a b'",
    "ttl": "create -t 5000 /parent/child 'a b'",
}


@pytest.mark.parametrize("mode", list(MODES))
def test_new_node_runs_line_and_request_for_each_mode(mode):
    async def scenario(pilot):
        screen = pilot.app.screen
        await type_text(pilot, "child")
        screen.query_one("#new-data", TextArea).text = "a b"
        await pilot.click(f"#mode-{mode}")
        await pilot.pause()
        ttl_row = screen.query_one("#new-ttl-row")
        assert ttl_row.display == (mode == "ttl")
        if mode == "ttl":
            assert "create -t TTL /parent/child" in static_text(screen, "#new-runs")
            await pilot.click("#new-ttl")
            await type_text(pilot, "5000")
        assert static_text(screen, "#new-runs").strip() == f"runs: {EXPECTED_RUNS[mode]}"
        await pilot.press("ctrl+s")

    ttl_ms = 5000 if mode == "ttl" else None
    assert run(NewNodeScreen("/parent"), scenario) == NewNodeRequest("child", b"a b", mode, ttl_ms)


def test_new_node_ttl_mode_needs_a_positive_ttl():
    async def scenario(pilot):
        await type_text(pilot, "t")
        await pilot.click("#mode-ttl")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, NewNodeScreen)
        assert "positive whole number" in static_text(screen, "#new-problem")
        assert pilot.app.focused is screen.query_one("#new-ttl", Input)
        await type_text(pilot, "0")
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen

    assert run(NewNodeScreen("/p"), scenario) is NOTHING


@pytest.mark.parametrize("data", ["plain", "it's \"quoted\"", "-1", "-es data", "two\nlines", "$HOME [x] \\n", ""])
@pytest.mark.parametrize("mode", list(MODES))
def test_create_command_line_reads_back_as_the_same_request(mode, data):
    ttl_ms = 60000 if mode == "ttl" else None
    request = NewNodeRequest("my node", data.encode(), mode, ttl_ms)
    invocation = parse(request.command_line("/a b"))
    assert invocation.command.name == "create"
    assert invocation.arg("path") == "/a b/my node"
    assert (invocation.arg("data") or "") == data
    flags, _ = MODES[mode]
    assert bool(invocation.flag("e")) == ("-e" in flags)
    assert bool(invocation.flag("s")) == ("-s" in flags)
    assert bool(invocation.flag("c")) == ("-c" in flags)
    assert invocation.flag("t") == ttl_ms


def test_new_node_request_rejects_inconsistent_ttl():
    with pytest.raises(ValueError):
        NewNodeRequest("n", b"", "ttl", None)
    with pytest.raises(ValueError):
        NewNodeRequest("n", b"", "persistent", 100)
    with pytest.raises(ValueError):
        NewNodeRequest("n", b"", "sticky", None)  # type: ignore[arg-type]
    assert create_command_line("/", "n", b"", "persistent") == "create /n"


# ----- ConfirmScreen -----


@pytest.mark.parametrize(("keys", "answer"), [
    (("y",), True), (("enter",), True), (("n",), False), (("escape",), False), (("tab", "enter"), False),
])
def test_confirm_keys(keys, answer):
    async def scenario(pilot):
        await pilot.press(*keys)

    assert run(ConfirmScreen("Delete /x?"), scenario) is answer


def test_confirm_buttons_label_and_danger_style():
    async def yes(pilot):
        screen = pilot.app.screen
        button = screen.query_one("#confirm-yes", Button)
        assert button.variant == "error"
        assert "Delete" in str(button.label)
        assert "A backup is written first" in static_text(screen, "#confirm-detail")
        assert "[x]" in static_text(screen, "#confirm-question")  # plain text, not markup
        await pilot.click("#confirm-yes")

    async def no(pilot):
        assert pilot.app.screen.query_one("#confirm-yes", Button).variant == "primary"
        await pilot.click("#confirm-no")

    danger = ConfirmScreen("Delete /a[x]?", "A backup is written first.", danger=True, confirm_label="Delete")
    assert run(danger, yes) is True
    assert run(ConfirmScreen("Proceed?"), no) is False


# ----- GotoScreen -----

TREE = {
    "/": ["app", "apple", "zookeeper"],
    "/app": ["config", "locks"],
    "/apple": [],
    "/zookeeper": ["quota"],
}


def complete_from(tree: dict[str, list[str]]) -> Callable[[str], list[str]]:
    def complete(text: str) -> list[str]:
        head, _, prefix = text.rpartition("/")
        names = tree.get(head or "/", [])
        return [f"{head}/{name}" for name in names if name.startswith(prefix)]

    return complete


def test_goto_tab_fills_the_common_prefix_lists_candidates_then_completes():
    async def scenario(pilot):
        screen = pilot.app.screen
        field = screen.query_one("#goto-input", Input)
        assert field.value == "/"
        await type_text(pilot, "a")
        await pilot.press("tab")
        assert field.value == "/app"
        options = screen.query_one("#goto-candidates", OptionList)
        assert options.display and options.option_count == 2
        assert [str(options.get_option_at_index(i).prompt) for i in range(2)] == ["/app", "/apple"]
        assert pilot.app.focused is field, "Tab completes instead of moving the focus"
        await type_text(pilot, "/c")
        await pilot.press("tab")
        assert field.value == "/app/config"
        assert not options.display
        await pilot.press("enter")

    assert run(GotoScreen("/", complete_from(TREE)), scenario) == "/app/config"


def test_goto_click_on_a_candidate_fills_it_in():
    async def scenario(pilot):
        await pilot.press("tab")  # "/" -> the root's three children
        screen = pilot.app.screen
        assert screen.query_one("#goto-candidates", OptionList).option_count == 3
        await pilot.click("#goto-candidates", offset=(2, 2))  # the third line: /zookeeper
        assert screen.query_one("#goto-input", Input).value == "/zookeeper"
        await pilot.click("#goto-go")

    assert run(GotoScreen("/", complete_from(TREE)), scenario) == "/zookeeper"


def test_goto_no_match_says_so_and_escape_cancels():
    async def scenario(pilot):
        await type_text(pilot, "/nope")
        await pilot.press("tab")
        assert "no match" in static_text(pilot.app.screen, "#goto-status")
        assert pilot.app.screen.query_one("#goto-input", Input).value == "/nope"
        await pilot.press("escape")

    assert run(GotoScreen("/", complete_from(TREE)), scenario) is None


def test_goto_shows_hostile_names_inert_but_returns_the_real_path():
    hostile = f"/x{HOSTILE}"
    tree = {"/": [f"x{HOSTILE}"], hostile: ["child"]}

    async def scenario(pilot):
        await pilot.press("tab")
        field = pilot.app.screen.query_one("#goto-input", Input)
        assert field.value == inert(hostile)
        assert "\x1b" not in drawn(pilot)
        await type_text(pilot, "/c")
        await pilot.press("tab")
        assert field.value == inert(hostile) + "/child"
        await pilot.press("enter")

    assert run(GotoScreen("/", complete_from(tree)), scenario) == hostile + "/child"


def test_completion_and_raw_shadow():
    assert completion("/a", ["/app", "/apple"]) == "/app"
    assert completion("/ap", ["/app/x"]) == "/app/x"
    assert completion("/ap", []) == "/ap"
    assert completion("/app", ["/app", "/bpp"]) == "/app"  # the common prefix says less: keep the text
    shadow = RawShadow()
    shown = shadow.fill("/a\x1b")
    assert shown == "/a\\x1b" and shadow.to_raw(shown + "/b") == "/a\x1b/b"
    assert shadow.to_raw("/other") == "/other"


# ----- FindScreen -----

LOADED = ["/", "/app", "/app/Config", "/app/locks", "/zookeeper", "/zookeeper/config"]


def option_texts(screen: Screen) -> list[str]:
    options = screen.query_one("#find-matches", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def test_find_filters_case_insensitively_and_enter_picks_the_highlighted():
    async def scenario(pilot):
        screen = pilot.app.screen
        assert option_texts(screen) == LOADED
        await type_text(pilot, "CONF")
        assert option_texts(screen) == ["/app/Config", "/zookeeper/config"]
        prompt = screen.query_one("#find-matches", OptionList).get_option_at_index(1).prompt
        marked = [prompt.plain[span.start:span.end] for span in prompt.spans]
        assert marked == ["conf"], "the match is highlighted"
        await pilot.press("down")
        await pilot.press("enter")

    assert run(FindScreen(lambda: list(LOADED), lambda text: None), scenario) == "/zookeeper/config"


def test_find_ctrl_f_searches_the_server_and_results_join_the_list():
    started: list[str] = []

    async def scenario(pilot):
        screen = pilot.app.screen
        await type_text(pilot, "lock")
        assert option_texts(screen) == ["/app/locks"]
        await pilot.press("ctrl+f")
        assert started == ["lock"]
        assert "searching the server" in static_text(screen, "#find-search")
        screen.search_progress(4000)
        await pilot.pause()
        assert "4,000 nodes" in static_text(screen, "#find-search")
        screen.search_results(["/app/locks", "/deep/x/lock-0001"], None)
        await pilot.pause()
        assert option_texts(screen) == ["/app/locks", "/deep/x/lock-0001"]
        assert "2 matches, 1 not loaded before" in static_text(screen, "#find-search")
        await pilot.press("down", "enter")

    result = run(FindScreen(lambda: list(LOADED), started.append), scenario)
    assert result == "/deep/x/lock-0001"


def test_find_search_error_is_shown_and_a_click_picks():
    async def scenario(pilot):
        screen = pilot.app.screen
        await type_text(pilot, "zoo")
        await pilot.press("ctrl+f")
        screen.search_results([], "search stopped: ConnectionLoss")
        await pilot.pause()
        assert "search stopped: ConnectionLoss" in static_text(screen, "#find-search")
        await pilot.click("#find-matches", offset=(3, 2))  # inside the border: the second match
        await pilot.pause()

    result = run(FindScreen(lambda: list(LOADED), lambda text: None), scenario)
    assert result == "/zookeeper/config"


def test_find_with_no_match_does_not_pick_and_escape_cancels():
    async def scenario(pilot):
        await type_text(pilot, "nothing-like-this")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FindScreen)
        assert "0 matches" in static_text(pilot.app.screen, "#find-count")
        await pilot.press("escape")

    assert run(FindScreen(lambda: list(LOADED), lambda text: None), scenario) is None


def test_matching_caps_what_it_shows_but_counts_everything():
    paths = [f"/n{i}" for i in range(MAX_SHOWN + 20)]
    shown, total = matching(paths, "N")
    assert len(shown) == MAX_SHOWN and total == MAX_SHOWN + 20 and shown[0] == "/n0"


# ----- HelpScreen -----


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
def test_help_lists_bindings_and_commands_and_closes(key):
    bindings = [("e", "edit the node's data"), ("ctrl+p", "command palette")]

    async def scenario(pilot):
        screen = pilot.app.screen
        keys = static_text(screen, "#help-keys")
        assert any(line.split() == ["e", "edit", "the", "node's", "data"] for line in keys.splitlines())
        assert "ctrl+p" in keys and "command palette" in keys
        assert "create   make a node [x]" in static_text(screen, "#help-commands")
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)

    assert run(HelpScreen(bindings, "Nodes:\n  create   make a node [x]"), scenario) is None
