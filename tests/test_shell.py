"""The interactive shell, driven through a pipe like a person at a terminal, against the real ensemble."""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from kazoo.security import make_digest_acl
from prompt_toolkit.completion import CompleteEvent, ThreadedCompleter
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.helpers import wait_until
from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble
from zktui.shell import add_parser
from zktui.shell.app import Shell
from zktui.shell.history import RedactedFileHistory, history_path
from zktui.shell.lexer import highlight
from zktui.shell.prompt import prompt_text


class Screen(DummyOutput):
    """A terminal that keeps the text prompt_toolkit draws (escape sequences go to write_raw, dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: list[str] = []

    def write(self, data: str) -> None:
        with self._lock:
            self._written.append(data)

    def get_size(self) -> Size:
        return Size(rows=40, columns=400)  # wide enough that no prompt in these tests wraps

    def text(self) -> str:
        with self._lock:
            return "".join(self._written)


@dataclass
class Printed:
    """What the shell printed (results, errors, watch events), one entry per echo, from any thread."""

    lines: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> None:
        self.lines.append(text)  # list.append is atomic: kazoo's threads may print too

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class RunningShell:
    shell: Shell
    pipe: PipeInput
    screen: Screen
    printed: Printed
    exit_codes: list[int]

    def type(self, line: str) -> None:
        self.pipe.send_text(line + "\r")

    def wait_printed(self, text: str, timeout: float = 10.0) -> None:
        wait_until(lambda: text in self.printed.text(), timeout, message=f"the shell to print {text!r}")

    def wait_on_screen(self, text: str, timeout: float = 10.0) -> None:
        wait_until(lambda: text in self.screen.text(), timeout, message=f"{text!r} drawn on the terminal")


@contextlib.contextmanager
def start_shell(hosts: str, history_file: Path) -> Iterator[RunningShell]:
    """The shell on its own thread, reading keys from a pipe; left with Ctrl-D at the end."""
    with create_pipe_input() as pipe:
        screen, printed, exit_codes = Screen(), Printed(), []
        shell = Shell(ConnectOptions(hosts=hosts), history=RedactedFileHistory(history_file),
                      input=pipe, output=screen, echo=printed)
        thread = threading.Thread(target=lambda: exit_codes.append(shell.run()), name="shell", daemon=True)
        thread.start()
        running = RunningShell(shell, pipe, screen, printed, exit_codes)
        try:
            running.wait_printed("Connected to")
            yield running
        finally:
            if thread.is_alive():
                pipe.send_text("\x04")  # Ctrl-D on the empty prompt leaves
            thread.join(timeout=15)
        assert not thread.is_alive(), "the shell did not leave on Ctrl-D"


@pytest.fixture
def running(ensemble, tmp_path, monkeypatch) -> Iterator[RunningShell]:
    monkeypatch.setenv("ZKTUI_BACKUP_DIR", str(tmp_path / "backups"))
    with start_shell(ensemble.hosts, tmp_path / "history") as running:
        yield running


# ----- commands and their output -----

def test_typed_commands_print_their_results(running, zk, base_path):
    running.type(f"create {base_path}/alpha hello")
    running.wait_printed(f"Created {base_path}/alpha")
    running.type(f"ls {base_path}")
    running.wait_printed("[alpha]")
    running.type(f"get {base_path}/alpha")
    running.wait_printed("hello")
    assert zk.get(f"{base_path}/alpha")[0] == b"hello"


def test_errors_are_one_line_each_and_the_shell_goes_on(running, base_path):
    running.type("frobnicate /x")
    running.wait_printed("zktui: frobnicate: unknown command 'frobnicate'")
    running.type("get")
    running.wait_printed("zktui: get: missing path; usage: get ")
    running.type(f"get {base_path}/missing")
    running.wait_printed("zktui: get: ")
    running.type(f"ls {base_path}")
    running.wait_printed("[]")
    errors = [line for line in running.printed.lines if line.startswith("zktui:")]
    assert len(errors) == 3
    assert all("\n" not in line and "Traceback" not in line for line in errors)
    assert "missing" in errors[2]


def test_cd_moves_the_prompt(running, zk, base_path):
    zk.create(f"{base_path}/inner")
    server = running.shell.engine.session.server
    running.type(f"cd {base_path}")
    running.wait_on_screen(f"[CONNECTED {server}] {base_path}>")
    running.type("cd inner")
    running.wait_on_screen(f"] {base_path}/inner>")
    assert running.shell.prompt_text() == f"[CONNECTED {server}] {base_path}/inner> "
    running.type("pwd")
    running.wait_printed(f"{base_path}/inner")


def test_quit_leaves_with_status_0(running):
    running.type("quit")
    wait_until(lambda: running.exit_codes, message="the shell to leave")
    assert running.exit_codes == [0]
    assert running.shell.engine.session is None


def test_watch_events_are_printed_while_the_prompt_waits(running, zk, base_path):
    zk.create(f"{base_path}/watched", b"v1")
    running.type(f"get -w {base_path}/watched")
    running.wait_printed("v1")
    zk.set(f"{base_path}/watched", b"v2")
    running.wait_printed(f"WatchedEvent state:SyncConnected type:NodeDataChanged path:{base_path}/watched")


def test_bulk_delete_asks_first_and_no_keeps_the_nodes(running, zk, base_path):
    zk.create(f"{base_path}/doomed/leaf", makepath=True)
    running.type(f"deleteall {base_path}/doomed")
    running.wait_on_screen(f"deleteall {base_path}/doomed: are you sure? [y/N]")
    running.type("n")
    running.wait_printed("zktui: deleteall: cancelled")
    assert zk.exists(f"{base_path}/doomed/leaf") is not None
    running.type(f"deleteall {base_path}/doomed")
    wait_until(lambda: running.screen.text().count("are you sure? [y/N]") == 2, message="the second question")
    running.type("y")
    running.wait_printed("deleted 2 nodes")
    assert zk.exists(f"{base_path}/doomed") is None


# ----- history -----

def test_history_file_never_holds_an_addauth_secret(running, tmp_path):
    running.type("addauth digest alice:s3cret-pass")
    running.type("pwd")
    running.wait_printed("/")
    wait_until(lambda: "pwd" in (tmp_path / "history").read_text(), message="pwd in the history file")
    stored = (tmp_path / "history").read_text()
    assert "+addauth digest ****" in stored
    assert "s3cret" not in stored
    assert all("s3cret" not in line for line in running.shell.history.get_strings())
    running.type("history")
    running.wait_printed("addauth digest ****")
    assert "s3cret" not in running.printed.text()


def test_an_entered_addauth_line_stays_on_the_terminal_redacted(running, zk, base_path):
    """The typed line is what the terminal keeps above the next prompt: after Enter it reads
    `addauth digest ****`, and the credential as typed still reached the server."""
    secret_node = f"{base_path}/secret"
    zk.create(secret_node, b"classified", acl=[make_digest_acl("alice", "s3cret-pass", all=True)])
    running.type("addauth digest alice:s3cret-pass")
    running.type(f"get {secret_node}")
    running.wait_printed("classified")
    running.wait_on_screen("addauth digest ****")
    assert "s3cret" not in running.screen.text()


def test_history_path_follows_the_environment(tmp_path):
    assert history_path({"ZKTUI_HISTORY": "/tmp/h"}) == Path("/tmp/h")
    assert history_path({"XDG_DATA_HOME": "/data", "HOME": "/home/x"}) == Path("/data/zktui/history")
    assert history_path({"HOME": "/home/x"}) == Path("/home/x/.local/share/zktui/history")


def test_history_file_is_private(tmp_path):
    RedactedFileHistory(tmp_path / "deep" / "history")
    assert (tmp_path / "deep" / "history").stat().st_mode & 0o077 == 0


# ----- completion -----

def offered(shell: Shell, line: str) -> list[str]:
    return [c.text for c in shell.completer.get_completions(Document(line), CompleteEvent())]


def test_completion_offers_live_children_and_follows_changes(running, zk, base_path):
    shell = running.shell
    zk.create(f"{base_path}/one")
    assert offered(shell, f"get {base_path}/") == [f"{base_path}/one"]
    assert shell.children.cached(base_path) == ["one"]  # read once, then served from the cache
    zk.create(f"{base_path}/two")
    wait_until(lambda: shell.children.cached(base_path) is None,
               message="the child watch to drop the cached children")
    assert offered(shell, f"get {base_path}/") == [f"{base_path}/one", f"{base_path}/two"]
    assert offered(shell, f"get {base_path}/t") == [f"{base_path}/two"]


def test_completion_is_relative_to_the_current_path(running, zk, base_path):
    zk.create(f"{base_path}/sub/leaf", makepath=True)
    running.type(f"cd {base_path}/sub")
    wait_until(lambda: running.shell.engine.cwd == f"{base_path}/sub", message="cd")
    assert offered(running.shell, "ls l") == ["leaf"]
    assert offered(running.shell, "ls ../s") == ["../sub"]


def test_completion_of_a_missing_parent_is_empty_and_leaves_nothing_cached(running, base_path):
    assert offered(running.shell, f"ls {base_path}/nope/") == []
    assert running.shell.children.cached(f"{base_path}/nope") is None


def test_the_prompt_completes_in_a_background_thread(running):
    assert isinstance(running.shell.prompt_session.completer, ThreadedCompleter)


# ----- highlighting and prompt -----

def test_highlighting_marks_commands_flags_paths_and_unknown_words():
    styles = {text: style for style, text in highlight('get -s "/a b" extra') if text.strip()}
    assert styles == {"get": "class:command", "-s": "class:flag", '"/a b"': "class:path class:string",
                      "extra": "class:unknown"}
    assert highlight("frob /x")[0] == ("class:unknown", "frob")
    assert "".join(text for _, text in highlight("  ls   /a ")) == "  ls   /a "


def test_prompt_without_a_session_says_closed():
    assert prompt_text(None, "/app") == "[CLOSED] /app> "


# ----- Ctrl-C -----

def test_ctrl_c_stops_a_long_command_and_the_session_stays(ensemble, zk, base_path, tmp_path):
    """`ls -R` reports progress every 1,000 nodes; Ctrl-C is pressed at the first report."""
    for result in [zk.create_async(f"{base_path}/n{i:04d}") for i in range(1200)]:
        result.get()
    printed = Printed()
    with create_pipe_input() as pipe:
        shell = Shell(ConnectOptions(hosts=ensemble.hosts), input=pipe, output=Screen(), echo=printed)
        report = shell.engine.progress

        def progress_then_ctrl_c(text: str) -> None:  # on the command's worker thread
            report(text)
            _thread.interrupt_main()  # what the terminal's SIGINT does: KeyboardInterrupt in the main thread
            wait_until(shell.engine.cancel.is_set, message="Ctrl-C to set engine.cancel")

        shell.engine.progress = progress_then_ctrl_c
        pipe.send_text(f"ls -R {base_path}\rpwd\rquit\r")
        assert shell.run() == 0  # on the main thread, as in a terminal
    lines = printed.lines
    assert "ls -R: 1,000 nodes" in lines
    assert "zktui: ls: interrupted" in lines
    assert lines[lines.index("zktui: ls: interrupted") + 1] == "/"  # pwd ran afterwards: the session stayed
    assert not any(f"{base_path}/n" in line for line in lines)
    for result in [zk.delete_async(f"{base_path}/n{i:04d}") for i in range(1200)]:
        result.get()


# ----- starting -----

START_SHELL = (
    "import argparse, sys; from zktui.shell import add_parser; "
    "parser = argparse.ArgumentParser(prog='zktui'); add_parser(parser.add_subparsers()); "
    "args = parser.parse_args(['shell', *sys.argv[1:]]); sys.exit(args.run(args))"
)


@pytest.mark.parametrize("hosts", ["127.0.0.1:1", "localhost:notaport"])
def test_connection_failure_is_one_line_and_status_1(hosts, tmp_path):
    """In a fresh interpreter, as a person would start it: nothing but our one line reaches the terminal."""
    result = subprocess.run(
        [sys.executable, "-c", START_SHELL, hosts, "--connect-timeout", "1"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "ZKTUI_HISTORY": str(tmp_path / "history")},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("zktui: connect: ")
    assert result.stderr.count("\n") == 1, result.stderr


def test_hosts_default_like_exec(monkeypatch):
    monkeypatch.setenv("ZKTUI_HOSTS", "zk1:2181,zk2:2181/app")
    parser = argparse.ArgumentParser(prog="zktui")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["shell", "--read-only"])
    assert args.hosts is None and args.read_only


# ----- connection state -----

@pytest.mark.failover
def test_prompt_redraws_itself_when_the_connection_drops_and_returns(tmp_path):
    with Ensemble(servers=1, tick_time=500) as single:
        with start_shell(single.hosts, tmp_path / "history") as running:
            shell = running.shell
            assert offered(shell, "ls /") == ["/zookeeper"]
            wait_until(lambda: shell.prompt_session.app.is_running, message="the prompt on screen")
            drawn = shell.prompt_session.app.render_counter
            single.stop(1)
            # Nothing is typed: only the session listener can make the prompt draw itself again.
            wait_until(lambda: shell.prompt_session.app.render_counter > drawn
                       and shell.prompt_text().startswith("[SUSPENDED"), message="SUSPENDED in the prompt")
            drawn = shell.prompt_session.app.render_counter
            single.start(1)
            wait_until(lambda: shell.prompt_session.app.render_counter > drawn
                       and shell.prompt_text().startswith("[CONNECTED"), timeout=30,
                       message="CONNECTED in the prompt again")
            assert shell.children.cached("/") is None  # a reconnect drops what completion had cached


def _transformed(line: str):
    from prompt_toolkit.document import Document
    from prompt_toolkit.layout.processors import TransformationInput

    from zktui.shell.invisibles import ShowInvisibles

    given = TransformationInput(None, Document(line), 0, lambda i: i, [("class:path", line)], 80, 1)
    return ShowInvisibles().apply_transformation(given)


def test_a_typed_bidi_override_is_drawn_as_its_escape_with_the_cursor_mapped():
    shown = _transformed("ab\u202ec")
    assert "".join(fragment[1] for fragment in shown.fragments) == "ab\\u202ec"
    assert [shown.source_to_display(i) for i in range(5)] == [0, 1, 2, 8, 9]  # 4: after the last character
    assert [shown.display_to_source(d) for d in (0, 2, 5, 7, 8, 9)] == [0, 2, 2, 2, 3, 4]
    plain = _transformed("ls /a\\b")  # a backslash is the user's own: drawn as typed
    assert "".join(fragment[1] for fragment in plain.fragments) == "ls /a\\b"


def test_the_line_being_typed_shows_control_and_bidi_characters_inert(running, zk, base_path):
    running.pipe.send_text(f"create {base_path}/evil\u202edlrow")
    running.pipe.send_text("\x1b[200~ \x07bell\x1b[201~")  # a bracketed paste inserts control characters as such
    running.wait_on_screen("evil\\u202edlrow")
    running.wait_on_screen("\\x07bell")  # drawn after the first part, in a frame of its own
    assert "\u202e" not in running.screen.text() and "\x07" not in running.screen.text()
    running.pipe.send_text("\r")  # Enter sends the characters as typed
    running.wait_printed("Created")
    assert zk.get(f"{base_path}/evil\u202edlrow")[0] == b"\x07bell"
