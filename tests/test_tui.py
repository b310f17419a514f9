"""The Textual TUI driven with Pilot against the real sandbox ensemble.

Each test runs the app headless at 140x40, connected like `zktui HOSTS`, and checks what it shows against
what the server says (read with the test's own synced client `zk`).
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from kazoo.security import make_digest_acl
from textual import events
from textual.widgets import Input, Static, TextArea

from zktui.core.decode import hexdump
from zktui.core.paths import sort_children
from zktui.core.statview import stat_rows
from zktui.tui.messages import ChildrenLoaded
from zktui.tui.widgets.node_panes import DataPane

from .tui_helpers import (
    Recorder,
    data_note,
    data_text,
    expand,
    go_to,
    label_of,
    loaded,
    log_text,
    make_app,
    plain,
    run_app,
    screen_lines,
    settle,
    stat_text,
    type_command,
    wait_connected,
    wait_until,
)

pytestmark = pytest.mark.ensemble


# ----- the tree -----


def test_tree_shows_the_roots_children(ensemble, zk, base_path):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        expected = sort_children(zk.get_children("/"))
        assert "zookeeper" in expected and base_path.split("/")[1] in expected
        assert app.tree.names_of["/"] == expected
        shown = [child.data.path for child in app.tree.root.children]
        assert shown == [f"/{name}" for name in expected]
        assert app.tree.root.is_expanded

    run_app(app, scenario)


def test_the_root_is_listed_once_at_connect(ensemble):
    """Each offset-0 listing rebuilds the parent's children: a second root listing arriving after the user
    started going somewhere collapses what was expanded, and the go-to ends on "/" (seen as flaky tests)."""
    app = make_app(ensemble.hosts)
    root_pages: list[int] = []

    def count(message) -> None:
        if isinstance(message, ChildrenLoaded) and message.path == "/":
            root_pages.append(message.offset)

    run_app(app, wait_connected, Recorder(also=count))
    assert root_pages == [0]


def test_go_to_expands_the_ancestors_and_selects(ensemble, zk, base_path):
    target = f"{base_path}/a/b/c"
    zk.create(target, b"deep", makepath=True)
    zk.create(f"{base_path}/a/sibling", b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, target)
        tree = app.tree
        for ancestor in ("/zktui-test", base_path, f"{base_path}/a", f"{base_path}/a/b"):
            assert tree.by_path[ancestor].is_expanded, ancestor
        # The levels were read from the server, siblings included.
        assert tree.names_of[f"{base_path}/a"] == ["b", "sibling"]
        assert tree.names_of[f"{base_path}/a/b"] == ["c"]
        assert app.node_data == b"deep"

    run_app(app, scenario)


def test_stat_pane_shows_the_servers_stat(ensemble, zk, base_path):
    path = f"{base_path}/node"
    zk.create(path, b"v0")
    for n in range(1, 4):
        zk.set(path, f"v{n}".encode())
    zk.create(f"{path}/child", b"")
    _, server_stat = zk.get(path)
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert app.node_version == server_stat.version == 3
        assert app.last_node.stat == server_stat
        text = stat_text(app)
        assert path in text
        # Every field as zkCli names and formats it, with the server's values (cZxid, dataVersion 3, ...).
        for name, value, _ in stat_rows(server_stat):
            line = next((line for line in text.splitlines() if line.startswith(name + " ")), None)
            assert line is not None, f"{name} missing from\n{text}"
            assert re.match(rf"{name}\s+{re.escape(value)}(\s|$)", line), (line, value)
        assert "world:anyone:cdrwa" in text
        # The tree's label counts the children the stat reports.
        assert label_of(app, path).endswith("(1)")

    run_app(app, scenario)


# ----- the data pane -----


def test_json_is_pretty_printed_and_v_cycles_views(ensemble, zk, base_path):
    path = f"{base_path}/app.json"
    raw = b'{"port":8080,"features":["a","b"]}'
    zk.create(path, raw)
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        pane = app.query_one(DataPane)
        assert pane.view == "auto"
        assert data_note(app).startswith("view: json")
        assert data_text(app).rstrip("\n") == json.dumps(json.loads(raw), indent=2)
        await pilot.press("v")
        assert pane.view == "json"
        await pilot.press("v")
        assert pane.view == "text"
        assert data_text(app).strip() == raw.decode()
        await pilot.press("v")
        assert pane.view == "hex"
        assert data_text(app).splitlines() == hexdump(raw)
        # The view sticks while moving to another node.
        await go_to(pilot, base_path)
        assert pane.view == "hex"

    run_app(app, scenario)


def test_binary_data_shows_as_hex(ensemble, zk, base_path):
    path = f"{base_path}/blob.bin"
    zk.create(path, bytes(range(64)))
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert data_note(app).startswith("view: hex")
        assert data_text(app).splitlines() == hexdump(bytes(range(64)))

    run_app(app, scenario)


def test_hex_dump_rows_fit_the_pane_and_reflow_when_it_narrows(ensemble, zk, base_path):
    path = f"{base_path}/blob.bin"
    zk.create(path, bytes(range(64)))
    app = make_app(ensemble.hosts)

    def dump_rows() -> list[str]:
        """Every hexdump row on screen (the pane may be scrolled), without the frame and the scrollbar."""
        rows = [row.split("│", 1)[1] for row in screen_lines(app) if re.search(r"│ 000000[0-9a-f]{2}  ", row)]
        return [row.rstrip(" ▁▂▃▄▅▆▇█▉▊▋▌▍▎▏").strip() for row in rows]

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        await pilot.pause()
        assert dump_rows() == hexdump(bytes(range(64)))  # 16 bytes a row at 140 columns
        await pilot.resize_terminal(110, 40)
        await wait_until(pilot, lambda: app.query_one(DataPane).hex_row_bytes == 8, "the dump to reflow")
        await pilot.pause()
        shown = dump_rows()
        assert shown and shown == hexdump(bytes(range(64)), bytes_per_line=8)[: len(shown)], "\n".join(shown)

    run_app(app, scenario)


# ----- live updates from other clients -----


def test_a_node_created_by_another_client_appears_within_a_second(ensemble, zk, base_path):
    zk.create(f"{base_path}/existing", b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await expand(pilot, base_path)
        new = f"{base_path}/created-elsewhere"
        zk.create(new, b"")  # returns once the ensemble committed it
        elapsed = await wait_until(pilot, lambda: new in app.tree.by_path, f"{new} in the tree", timeout=5)
        assert elapsed < 1.0, f"took {elapsed:.2f} s"
        assert app.tree.names_of[base_path] == ["created-elsewhere", "existing"]
        # The parent's child count follows without a key pressed (it is selected: its stat is re-read).
        await wait_until(pilot, lambda: app.last_node.stat.numChildren == 2, "numChildren 2 in the stat pane")

    run_app(app, scenario)


def test_a_node_deleted_by_another_client_vanishes(ensemble, zk, base_path):
    doomed = f"{base_path}/doomed"
    zk.create(doomed, b"")
    zk.create(f"{base_path}/stays", b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await expand(pilot, base_path)
        assert doomed in app.tree.by_path
        zk.delete(doomed)
        elapsed = await wait_until(pilot, lambda: doomed not in app.tree.by_path, f"{doomed} gone", timeout=5)
        assert elapsed < 1.0, f"took {elapsed:.2f} s"
        await wait_until(pilot, lambda: app.tree.names_of[base_path] == ["stays"], "the listing re-read")
        assert [c.data.path for c in app.tree.by_path[base_path].children] == [f"{base_path}/stays"]

    run_app(app, scenario)


def test_the_selected_node_deleted_elsewhere_selects_its_parent(ensemble, zk, base_path):
    doomed = f"{base_path}/doomed"
    zk.create(doomed, b"bye")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, doomed)
        zk.delete(doomed)
        await wait_until(pilot, lambda: loaded(app, base_path), "the parent selected")
        assert doomed not in app.tree.by_path

    run_app(app, scenario)


# The second case: on 3.8 a one-shot watch on "/" would replace the tree's recursive watch there (ZOOKEEPER-4466).
@pytest.mark.parametrize("typed_first", [(), ("get -w /", "stat -w /")], ids=["", "after-one-shot-watches-on-root"])
def test_data_changed_by_another_client_updates_the_data_pane(ensemble, zk, base_path, typed_first):
    path = f"{base_path}/conf"
    zk.create(path, b"before")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert data_text(app).strip() == "before"
        for line in typed_first:
            await type_command(pilot, line)
        if typed_first:
            await wait_until(pilot, lambda: "numChildren" in log_text(app), "stat's output in the log")
        zk.set(path, b"after, from another client")
        elapsed = await wait_until(pilot, lambda: data_text(app).strip() == "after, from another client",
                                   "the new data in the data pane")
        assert elapsed < 1.0, f"took {elapsed:.2f} s"
        assert app.node_version == zk.exists(path).version == 1
        assert any(line.split()[:2] == ["dataVersion", "1"] for line in stat_text(app).splitlines())

    run_app(app, scenario)


# ----- the prompt -----


def test_prompt_create_writes_to_the_server_and_logs(ensemble, zk, base_path):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await type_command(pilot, "create x some-data")
        await wait_until(pilot, lambda: f"Created {base_path}/x" in log_text(app), "create's output in the log")
        assert zk.get(f"{base_path}/x")[0] == b"some-data"
        assert f"{base_path}> create x some-data" in log_text(app)
        # The new node shows up in the (expanded) tree too, through the watch.
        await expand(pilot, base_path)
        await wait_until(pilot, lambda: f"{base_path}/x" in app.tree.by_path, "x in the tree")
        # A failing command: its error is in the log, and the server keeps the first data.
        await type_command(pilot, "create x other")
        await wait_until(pilot, lambda: "zktui: create:" in log_text(app), "the error in the log")
        error_line = next(line for line in log_text(app).splitlines() if line.startswith("zktui: create:"))
        assert "exists" in error_line.lower()
        assert zk.get(f"{base_path}/x")[0] == b"some-data"
        # A usage error is reported, not raised.
        await type_command(pilot, "nosuchcommand")
        await wait_until(pilot, lambda: "zktui: nosuchcommand: unknown command" in log_text(app), "the usage error")

    run_app(app, scenario)


def test_prompt_cd_moves_the_selection(ensemble, zk, base_path):
    zk.create(f"{base_path}/a/b", b"here", makepath=True)
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await type_command(pilot, f"cd {base_path}")
        await wait_until(pilot, lambda: app.tree.path_of_cursor() == base_path and loaded(app, base_path),
                         "cd to base_path")
        await type_command(pilot, "cd a/b")  # relative to the selection
        target = f"{base_path}/a/b"
        await wait_until(pilot, lambda: app.tree.path_of_cursor() == target and loaded(app, target), "cd a/b")
        assert app.node_data == b"here"
        await pilot.press("escape")
        assert app.focused is app.tree
        await pilot.press("h")  # back in the tree: h goes to the parent, and the prompt's cwd follows
        await wait_until(pilot, lambda: loaded(app, f"{base_path}/a"), "the parent selected")
        assert app.engine.cwd == f"{base_path}/a"

    run_app(app, scenario)


def test_prompt_get_prints_the_data(ensemble, zk, base_path):
    zk.create(f"{base_path}/greeting", b"hello from zk")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await type_command(pilot, f"get {base_path}/greeting")
        await wait_until(pilot, lambda: "hello from zk" in log_text(app), "get's output")

    run_app(app, scenario)


# ----- n / e / d through the screens -----


def screen_text(app, selector: str) -> str:
    return plain(app.screen.query_one(selector, Static).content)


async def wait_screen(pilot, screen_type) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type), screen_type.__name__)


async def wait_main_screen(pilot) -> None:
    await wait_until(pilot, lambda: len(pilot.app.screen_stack) == 1, "back on the main screen")


def test_n_creates_a_child_with_the_form(ensemble, zk, base_path):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.new_node import NewNodeScreen

        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await pilot.press("n")
        await wait_screen(pilot, NewNodeScreen)
        await pilot.press(*"child", "tab", *"hello world")
        assert screen_text(app, "#new-runs") == f"runs: create {base_path}/child 'hello world'\n"
        await pilot.press("ctrl+s")
        await wait_main_screen(pilot)
        await wait_until(pilot, lambda: f"Created {base_path}/child" in log_text(app), "create's output")
        data, stat = zk.get(f"{base_path}/child")
        assert (data, stat.ephemeralOwner) == (b"hello world", 0)
        # Escape cancels: nothing is created.
        await pilot.press("n")
        await wait_screen(pilot, NewNodeScreen)
        await pilot.press(*"never", "escape")
        await wait_main_screen(pilot)
        assert zk.exists(f"{base_path}/never") is None

    run_app(app, scenario)


def test_e_edits_the_data_and_saves_with_the_version_read(ensemble, zk, base_path):
    path = f"{base_path}/conf"
    zk.create(path, b"replicas=3")
    zk.set(path, b"replicas=4")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.edit import EditScreen

        await wait_connected(pilot)
        await go_to(pilot, path)
        await pilot.press("e")
        await wait_screen(pilot, EditScreen)
        assert app.screen.query_one(TextArea).text == "replicas=4"
        await pilot.press("f7", *"replicas=5", "ctrl+s")
        await wait_main_screen(pilot)
        await wait_until(pilot, lambda: f"saved {path} (version 2)" in log_text(app), "the save")
        data, stat = zk.get(path)
        assert (data, stat.version) == (b"replicas=5", 2)
        # The pane follows (the node's own watch event).
        await wait_until(pilot, lambda: data_text(app).strip() == "replicas=5", "the pane updated")
        assert app.node_version == 2

    run_app(app, scenario)


async def edit_into_a_conflict(pilot, zk, path: str, mine: str) -> None:
    """Open the editor on path, type `mine`, let another client write "theirs", save: the conflict view."""
    from zktui.tui.screens.conflict import ConflictScreen
    from zktui.tui.screens.edit import EditScreen

    await wait_connected(pilot)
    await go_to(pilot, path)
    await pilot.press("e")
    await wait_screen(pilot, EditScreen)
    await pilot.press("f7", *mine)
    zk.set(path, b"theirs")  # another client writes while the editor is open
    await pilot.press("ctrl+s")
    await wait_screen(pilot, ConflictScreen)


def test_an_edit_racing_another_client_asks_before_overwriting(ensemble, zk, base_path):
    path = f"{base_path}/conf"
    zk.create(path, b"mine-before")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await edit_into_a_conflict(pilot, zk, path, "mine-after")
        # Nothing written yet: the server keeps the other client's data.
        data, stat = zk.get(path)
        assert (data, stat.version) == (b"theirs", 1)
        table = plain(app.screen.query_one("#conflict-table", Static).content)
        assert "theirs (version 1" in table and "yours (based on version 0)" in table
        assert "- theirs" in table and "+ mine-after" in table
        await pilot.press("o")
        await wait_main_screen(pilot)
        await wait_until(pilot, lambda: f"saved {path} (version 2)" in log_text(app), "the overwrite")
        data, stat = zk.get(path)
        assert (data, stat.version) == (b"mine-after", 2)

    run_app(app, scenario)


def test_discarding_after_a_conflict_keeps_the_servers_data(ensemble, zk, base_path):
    path = f"{base_path}/conf"
    zk.create(path, b"v0")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await edit_into_a_conflict(pilot, zk, path, "mine")
        await pilot.press("d")
        await wait_main_screen(pilot)
        await wait_until(pilot, lambda: "your edit was discarded" in log_text(app), "the discard note")

    run_app(app, scenario)
    data, stat = zk.get(path)
    assert (data, stat.version) == (b"theirs", 1)


def test_d_deletes_a_leaf_after_confirmation(ensemble, zk, base_path):
    path = f"{base_path}/leaf"
    zk.create(path, b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.confirm import ConfirmScreen

        await wait_connected(pilot)
        await go_to(pilot, path)
        await pilot.press("d")
        await wait_screen(pilot, ConfirmScreen)
        assert screen_text(app, "#confirm-question").strip() == f"Delete {path}?"
        await pilot.press("n")  # no: nothing happens
        await wait_main_screen(pilot)
        assert zk.exists(path) is not None
        await pilot.press("d")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_main_screen(pilot)
        # The version read rides along: another client's change since then would be a conflict.
        await wait_until(pilot, lambda: f"delete -v 0 {path}" in log_text(app), "the delete command in the log")
        # The node's own watch event takes it out of the tree and selects its parent.
        await wait_until(pilot, lambda: loaded(app, base_path), "the parent selected")
        assert path not in app.tree.by_path
        assert zk.exists(path) is None

    run_app(app, scenario)


def test_d_on_a_subtree_counts_it_and_writes_a_backup(ensemble, zk, base_path, tmp_path):
    top = f"{base_path}/service"
    below = [f"{top}/a", f"{top}/a/1", f"{top}/a/2", f"{top}/b", f"{top}/b/1"]
    zk.create(top, b"top-data")
    for path in below:
        zk.create(path, path.encode())
    app = make_app(ensemble.hosts)
    log: list[str] = []

    async def scenario(pilot):
        from zktui.tui.screens.confirm import ConfirmScreen

        await wait_connected(pilot)
        await go_to(pilot, top)
        await pilot.press("d")
        await wait_screen(pilot, ConfirmScreen)
        assert screen_text(app, "#confirm-question").strip() == f"Delete {top} and the 5 nodes below it?"
        assert "backup" in screen_text(app, "#confirm-detail")
        await pilot.press("y")
        await wait_main_screen(pilot)
        await wait_until(pilot, lambda: "deleted 6 nodes" in log_text(app), "deleteall's output")
        log.append(log_text(app))

    run_app(app, scenario)
    assert zk.exists(top) is None
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1
    assert f"backup: {backups[0]}" in log[0]
    saved = json.loads(backups[0].read_text())
    assert saved["root"] == top
    nodes = {node["path"]: node["data"] for node in saved["nodes"]}
    assert nodes == {"": "top-data", **{path.removeprefix(top + "/"): path for path in below}}


# ----- go to and find -----


def test_g_goes_to_a_typed_path_with_tab_completion(ensemble, zk, base_path):
    zk.create(f"{base_path}/alpha/inner", b"", makepath=True)
    zk.create(f"{base_path}/beta", b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.goto import GotoScreen

        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await expand(pilot, base_path)
        await pilot.press("g")
        await wait_screen(pilot, GotoScreen)
        assert app.screen.query_one(Input).value == base_path  # starts at the selection
        # The path is pre-selected (typing replaces it): End keeps it and appends.
        await pilot.press("end", *"/al", "tab")
        assert app.screen.query_one(Input).value == f"{base_path}/alpha"
        await pilot.press(*"/inner", "enter")
        await wait_main_screen(pilot)
        target = f"{base_path}/alpha/inner"
        await wait_until(pilot, lambda: app.tree.path_of_cursor() == target and loaded(app, target), "go to")

    run_app(app, scenario)


def test_slash_finds_a_loaded_path(ensemble, zk, base_path):
    zk.create(f"{base_path}/needle-in-haystack", b"found me")
    zk.create(f"{base_path}/hay", b"")
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.find import FindScreen

        await wait_connected(pilot)
        await go_to(pilot, base_path)
        await expand(pilot, base_path)
        await go_to(pilot, "/")
        await pilot.press("slash")
        await wait_screen(pilot, FindScreen)
        await pilot.press(*"NEEDLE")  # case-insensitive
        await pilot.press("enter")
        await wait_main_screen(pilot)
        target = f"{base_path}/needle-in-haystack"
        await wait_until(pilot, lambda: loaded(app, target), "the found node selected")
        assert app.node_data == b"found me"

    run_app(app, scenario)


def test_question_mark_lists_the_key_bindings(ensemble):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        from zktui.tui.screens.help import HelpScreen

        await wait_connected(pilot)
        await pilot.press("question_mark")
        await wait_screen(pilot, HelpScreen)
        shown = "\n".join(screen_lines(app))  # the keys are on screen without scrolling
        for binding in app.BINDINGS:
            if binding.description:
                assert binding.description in shown, binding.description
        assert "j / k" in shown
        commands = screen_text(app, "#help-commands")  # further down: scrolled to
        for command in ("create", "deleteall", "addauth", "getAllChildrenNumber"):
            assert command in commands, command
        await pilot.press("escape")
        await wait_main_screen(pilot)

    run_app(app, scenario)


# ----- read-only -----


def test_read_only_refuses_every_write(ensemble, zk, base_path):
    path = f"{base_path}/keep"
    zk.create(path, b"original")
    recorder = Recorder()
    app = make_app(ensemble.hosts, read_only=True)

    async def scenario(pilot):
        await wait_connected(pilot)
        assert "READ-ONLY" in plain_status(app)
        await go_to(pilot, path)
        for key, what in (("e", "edit"), ("n", "create"), ("d", "delete")):
            await pilot.press(key)
            await wait_until(pilot, lambda what=what: any(what in n and "read-only" in n
                                                          for n in recorder.notifications),
                             f"the {what} refusal")
            assert len(app.screen_stack) == 1, f"{key} opened a screen"
        await type_command(pilot, "set keep changed")
        await wait_until(pilot, lambda: "refused" in log_text(app), "the prompt's refusal")
        assert "zktui: set: refused" in log_text(app)
        await type_command(pilot, "create newnode")
        await wait_until(pilot, lambda: "zktui: create: refused" in log_text(app), "create refused")
        await type_command(pilot, "deleteall keep")
        await wait_until(pilot, lambda: log_text(app).count("refused") >= 3, "deleteall refused")

    run_app(app, scenario, recorder)
    data, stat = zk.get(path)
    assert (data, stat.version) == (b"original", 0)
    assert zk.get_children(base_path) == ["keep"]


def plain_status(app) -> str:
    from zktui.tui.widgets.status_bar import StatusBar

    return plain(app.query_one(StatusBar).content)


# ----- ACLs -----


def test_a_node_without_read_permission_is_locked_until_addauth(ensemble, zk, base_path):
    path = f"{base_path}/secret"
    zk.create(path, b"the secret", acl=[make_digest_acl("ops", "s3cret", all=True)])
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert app.last_node.locked
        assert app.node_data is None
        assert "🔒 no READ permission" in stat_text(app)
        assert data_text(app).strip() == ""
        # The stat is still shown (exists needs no permission).
        assert app.last_node.stat == zk.exists(path)
        await type_command(pilot, "addauth digest ops:s3cret")
        await settle(pilot)  # the command's worker has finished: the session carries the identity
        assert "zktui: addauth" not in log_text(app)
        await pilot.press("escape")
        await go_to(pilot, base_path)  # select it again: read with the new identity
        await go_to(pilot, path)
        assert not app.last_node.locked
        assert data_text(app).strip() == "the secret"
        assert "🔒" not in stat_text(app)
        assert "digest:ops:" in stat_text(app)

    run_app(app, scenario)


def test_a_locked_node_shows_a_lock_in_the_tree(ensemble, zk, base_path):
    path = f"{base_path}/secret"
    zk.create(path, b"the secret", acl=[make_digest_acl("ops", "s3cret", all=True)])
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert "🔒" in label_of(app, path)

    run_app(app, scenario)


def test_addauth_unlocks_the_selected_node_at_once(ensemble, zk, base_path):
    path = f"{base_path}/secret"
    zk.create(path, b"the secret", acl=[make_digest_acl("ops", "s3cret", all=True)])
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, path)
        assert app.last_node.locked
        await type_command(pilot, "addauth digest ops:s3cret")
        await wait_until(pilot, lambda: data_text(app).strip() == "the secret", "the data shown after addauth",
                         timeout=3)

    run_app(app, scenario)


# ----- the live panel -----


def test_p_pins_the_selected_node_as_a_group_that_follows_its_members(ensemble, zk, base_path):
    path = f"{base_path}/servers"
    zk.create(path, makepath=True)
    app = make_app(ensemble.hosts)

    def members() -> list[str] | None:
        view = next((view for view in app.tracker.members() if view.path == path), None)
        return None if view is None else [member.node for member in view.members]

    async def scenario(pilot):
        await wait_connected(pilot)
        await wait_until(pilot, lambda: app.discovery_done, "the first discovery", timeout=30)
        await go_to(pilot, path)
        assert members() is None  # empty and unknown: no recipe
        await pilot.press("p")
        await wait_until(pilot, lambda: members() == [], "the pinned group")
        zk.create(f"{path}/host-1:9092", b"", ephemeral=True)
        await wait_until(pilot, lambda: members() == ["host-1:9092"], "the member joining")
        assert any(f"{path}: member host-1:9092 joined" in line for line in app.engine.timeline.lines())

    run_app(app, scenario)


# ----- a huge parent -----

BIG_CHILDREN = 100_000
OPS_PER_MULTI = 1_000
MULTIS_IN_FLIGHT = 10


@pytest.fixture
def big_parent(zk, base_path):
    """base_path/big with 100,000 children, then base_path/zz-after; deleted the same way afterwards.

    Async multi-op transactions of 1,000 creates, 10 in flight: ~4 s, where single async creates (2,000 in
    flight) took a minute."""
    parent = f"{base_path}/big"
    zk.create(parent, b"")
    paths = [f"{parent}/c{n:06d}" for n in range(BIG_CHILDREN)]
    _in_multis(zk, paths, lambda tx, path: tx.create(path, b""))
    zk.create(f"{base_path}/zz-after", b"")
    yield parent
    _in_multis(zk, paths, lambda tx, path: tx.delete(path))
    zk.delete(parent)


def _in_multis(zk, paths: list[str], add_op) -> None:
    batches = [paths[i : i + OPS_PER_MULTI] for i in range(0, len(paths), OPS_PER_MULTI)]
    for first in range(0, len(batches), MULTIS_IN_FLIGHT):
        pending = []
        for batch in batches[first : first + MULTIS_IN_FLIGHT]:
            transaction = zk.transaction()
            for path in batch:
                add_op(transaction, path)
            pending.append(transaction.commit_async())
        for result in pending:
            failures = [r for r in result.get(timeout=60) if isinstance(r, Exception)]
            assert not failures, failures[:3]


def test_a_parent_with_100k_children_opens_without_freezing(ensemble, zk, base_path, big_parent):
    assert zk.exists(big_parent).numChildren == BIG_CHILDREN
    app = make_app(ensemble.hosts)
    stalls: list[float] = []

    async def watch_the_loop(stop: asyncio.Event) -> None:
        """How late a 10 ms sleep wakes up: the event loop's longest stall while the page loads."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.01)
            stalls.append(loop.time() - before - 0.01)

    def key(name: str) -> None:
        """A key as the terminal driver delivers it. (pilot.press waits for the process to be idle, up to
        1 s, and the loading worker keeps it busy: it would hide whether the key was handled at once.)"""
        app.post_message(events.Key(name, name))

    async def scenario(pilot):
        await wait_connected(pilot)
        await go_to(pilot, big_parent)
        tree = app.tree
        assert label_of(app, big_parent).endswith(f"({BIG_CHILDREN:,})")
        stop = asyncio.Event()
        probe = asyncio.create_task(watch_the_loop(stop))
        loop = asyncio.get_running_loop()
        started = loop.time()
        key("l")  # expand: the listing and 1,000 stats load in a worker
        await wait_until(pilot, lambda: tree.by_path[big_parent].is_expanded, "l handled")
        key("j")
        await wait_until(pilot, lambda: tree.path_of_cursor() != big_parent, "j handled")
        handled = loop.time()
        page_was_loading = big_parent not in tree.names_of
        await wait_until(pilot, lambda: big_parent in tree.names_of, "the first page", timeout=30)
        arrived = loop.time()
        stop.set()
        await probe
        node = tree.by_path[big_parent]
        rows = list(node.children)
        assert len(rows) == 1_001  # the first page and the "more" row
        assert [r.data.path for r in rows[:3]] == [f"{big_parent}/c{n:06d}" for n in range(3)]
        assert rows[-1].data.more_of == big_parent
        assert rows[-1].label.plain.startswith(f"… {BIG_CHILDREN - 1000:,} more")
        assert page_was_loading, (f"the page arrived before j was handled ({handled - started:.3f} s vs "
                                  f"{arrived - started:.3f} s): the test no longer shows the loop stays live")
        # Measured 0.05-0.3 s alone, 0.9 s with the machine's two cores busy elsewhere (kazoo's reader thread
        # parsing 100,000 names holds the GIL; adding 1,000 rows). A freeze is a stall a person notices: 1 s.
        assert max(stalls) < 1.0, f"the event loop stalled {max(stalls):.2f} s"
        # Enter on the "more" row loads the next page.
        tree.move_cursor(rows[-1])
        await pilot.press("enter")
        await wait_until(pilot, lambda: tree.shown_of.get(big_parent) == 2_000, "the second page", timeout=30)
        assert f"{big_parent}/c001999" in tree.by_path

    run_app(app, scenario)


# ----- the quit key -----


def test_q_quits(ensemble):
    app = make_app(ensemble.hosts)

    async def scenario(pilot):
        await wait_connected(pilot)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "the app to exit", timeout=5)

    run_app(app, scenario)
    assert app.engine.session is None

