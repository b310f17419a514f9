"""The REPL: read a line, run it on a worker thread while waiting for Ctrl-C, print the result or an error.

Commands run on a worker so that Ctrl-C (a KeyboardInterrupt in the main thread) can set `engine.cancel`
and the command stops cleanly while the session stays. Questions a command asks (bulk deletes) are
queued to the main thread, which owns the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import ThreadedCompleter
from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import has_focus
from prompt_toolkit.history import History
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.output import Output as TerminalOutput
from prompt_toolkit.patch_stdout import patch_stdout

from zktui.commands.children import ChildrenCache
from zktui.commands.complete import split_words
from zktui.commands.engine import Engine, load_handlers, redact
from zktui.commands.parser import UsageError
from zktui.commands.registry import CommandError, Output
from zktui.connect_args import options_from_args
from zktui.core.escape import inert
from zktui.core.session import ConnectOptions, Session, StateChange
from zktui.shell.completer import CommandCompleter
from zktui.shell.history import RedactedMemoryHistory, history_path, open_history
from zktui.shell.invisibles import ShowInvisibles
from zktui.shell.lexer import CommandLexer
from zktui.shell.prompt import SHELL_STYLE, prompt_fragments, prompt_text

EXIT_OK, EXIT_FAILED = 0, 1
POLL_SECONDS = 0.05  # how often the waiting main thread looks for questions from the command
STOP_HINT_AFTER = 2.0  # seconds after Ctrl-C before saying how to stop waiting


class Interrupted(Exception):
    """The person gave up waiting for a command (Ctrl-C twice)."""


class Shell:
    """One interactive session. `input`/`output` are prompt_toolkit's (tests pass a pipe and a dummy);
    `echo` receives every line the shell prints (default: stdout, drawn above the prompt)."""

    def __init__(
        self,
        options: ConnectOptions,
        *,
        history: History | None = None,
        input: Input | None = None,
        output: TerminalOutput | None = None,
        echo: Callable[[str], None] | None = None,
        lab=None,
    ) -> None:
        load_handlers()
        self._echo = echo
        self._input, self._output = input, output
        self.engine = Engine(options, notify=self.echo, confirm=self._confirm, progress=self.echo, lab=lab)
        self.children = ChildrenCache(lambda: self.engine.session)
        self._questions: queue.Queue[tuple[str, Future[bool]]] = queue.Queue()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zktui-command")
        self._followed: Session | None = None
        self.completer = CommandCompleter(lambda: self.engine.cwd, self.children)
        self.history = history if history is not None else RedactedMemoryHistory()
        # Built once connected: a failed start touches no terminal.
        self.prompt_session: PromptSession[str] | None = None
        self._entered_secret_line: str | None = None  # an addauth line as typed, shown redacted

    def _build_prompt_session(self) -> PromptSession[str]:
        return PromptSession(
            key_bindings=self._redacting_enter(),
            message=lambda: prompt_fragments(self.engine.session, self.engine.cwd),
            history=self.history,
            completer=ThreadedCompleter(self.completer),  # znode reads never block typing
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            lexer=CommandLexer(),
            input_processors=[ShowInvisibles()],
            style=SHELL_STYLE,
            input=self._input,
            output=self._output,
        )

    def _redacting_enter(self) -> KeyBindings:
        """Enter on an `addauth` line: the line stays on the terminal (and in its scrollback) as
        `addauth digest ****`; the command still gets the credential as typed."""
        keys = KeyBindings()

        @keys.add("enter", filter=has_focus(DEFAULT_BUFFER))  # not in a Ctrl-R search
        def _accept(event) -> None:
            buffer = event.current_buffer
            typed = buffer.text
            shown = redact(typed)
            if shown != typed:
                self._entered_secret_line = typed
                buffer.text = shown
            buffer.validate_and_handle()

        return keys

    def _typed(self, line: str) -> str:
        """What was typed for the line the prompt returned (the secret of a redacted addauth line)."""
        secret, self._entered_secret_line = self._entered_secret_line, None
        return secret if secret is not None and redact(secret) == line else line

    # ----- printing -----

    def echo(self, text: str) -> None:
        """Print a line; safe from any thread (patch_stdout queues it above the prompt)."""
        if self._echo is not None:
            self._echo(text)
        else:
            print(text, flush=True)

    def error(self, command: str, reason: str) -> None:
        line = f"zktui: {inert(command)}: {reason}"
        if self._echo is not None:
            self._echo(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def prompt_text(self) -> str:
        return prompt_text(self.engine.session, self.engine.cwd)

    # ----- the loop -----

    def run(self) -> int:
        """Connect, then read and run commands until Ctrl-D or `quit`. 1 when the first connect fails."""
        try:
            session = self.engine.connect()
        except CommandError as exc:
            self.error(exc.command, exc.reason)
            return EXIT_FAILED
        except ValueError as exc:  # kazoo refuses a malformed connect string before any network
            self.error("connect", str(exc))
            return EXIT_FAILED
        self._follow_session()
        self.prompt_session = self._build_prompt_session()
        self.echo(f"Connected to {inert(session.server or self.engine.options.hosts)} "
                  f"(session 0x{session.session_id or 0:x}). `help` lists the commands, Ctrl-D leaves.")
        try:
            with self._output_above_prompt():
                self._read_eval_print()
        finally:
            self.engine.close()
            self._worker.shutdown(wait=False, cancel_futures=True)
        return EXIT_OK

    def _read_eval_print(self) -> None:
        assert self.prompt_session is not None
        while not self.engine.quit_requested:
            try:
                line = self._typed(self.prompt_session.prompt())
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt: drop the line, stay
            except EOFError:
                return
            self.execute(line)

    def _output_above_prompt(self) -> contextlib.AbstractContextManager:
        # Our own sink (tests) needs no patching; the terminal does, or other threads' lines break the prompt.
        return contextlib.nullcontext() if self._echo is not None else patch_stdout()

    def execute(self, line: str) -> None:
        """Run one line and print what it gave, or one error line."""
        words = split_words(line)
        if not words:
            return
        name = words[0].value
        try:
            output = self._wait(self._worker.submit(self.engine.run, line))
        except UsageError as exc:
            self.error(exc.command or name, exc.message)
        except CommandError as exc:
            self.error(exc.command, exc.reason)
        except Interrupted:
            self.error(name, "interrupted")
        except Exception as exc:  # noqa: BLE001 - the shell must outlive any one command
            if self.engine.cancel.is_set():
                self.error(name, "interrupted")
            else:
                self.error(name, f"unexpected {type(exc).__name__}: {exc}")
        else:
            self._print(output)
        finally:
            self._follow_session()

    def _print(self, output: Output) -> None:
        if output.text:
            self.echo(output.text)

    # ----- waiting for a command -----

    def _wait(self, future: Future[Output]) -> Output:
        """The command's result; Ctrl-C asks it to stop, a second Ctrl-C stops waiting for it."""
        interrupted_at: float | None = None
        hinted = False
        while True:
            try:
                wait([future], timeout=POLL_SECONDS)
                if future.done():
                    return future.result()
                self._answer_questions()
                if interrupted_at and not hinted and time.monotonic() - interrupted_at > STOP_HINT_AFTER:
                    hinted = True
                    self.echo("still stopping... press Ctrl-C again to stop waiting for it")
            except KeyboardInterrupt:
                if interrupted_at is not None:
                    self._abandon_worker()
                    raise Interrupted from None
                interrupted_at = time.monotonic()
                self.engine.cancel.set()

    def _abandon_worker(self) -> None:
        # The stuck command keeps its thread until it ends; the next command must not queue behind it.
        self._worker.shutdown(wait=False)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zktui-command")

    # ----- questions from a running command -----

    def _confirm(self, question: str) -> bool:
        """engine.confirm, called on the worker: hand the question to the main thread and wait."""
        answer: Future[bool] = Future()
        self._questions.put((question, answer))
        while not self.engine.cancel.is_set():
            wait([answer], timeout=POLL_SECONDS)
            if answer.done():
                return answer.result()
        return False

    def _answer_questions(self) -> None:
        try:
            question, answer = self._questions.get_nowait()
        except queue.Empty:
            return
        answer.set_result(self.ask(question))

    def ask(self, question: str) -> bool:
        """A yes/no question on the terminal; anything but y/yes (or Ctrl-C, Ctrl-D) is no."""
        asking: PromptSession[str] = PromptSession(input=self._input, output=self._output, style=SHELL_STYLE)
        try:
            reply = asking.prompt([("class:question", f"{question} [y/N] ")])
        except (KeyboardInterrupt, EOFError):
            return False
        return reply.strip().lower() in ("y", "yes")

    # ----- connection state -----

    def _follow_session(self) -> None:
        """Listen to the engine's session; `connect` may have replaced it."""
        session = self.engine.session
        if session is not None and session is not self._followed:
            session.add_listener(self._on_state)
            self._followed = session

    def _on_state(self, change: StateChange) -> None:
        """Session listener, on kazoo's connection thread: no blocking, no ZooKeeper I/O."""
        self.children.on_state(change)
        self.redraw_soon()

    def redraw_soon(self) -> None:
        """Redraw the prompt from any thread: the work is handed to the prompt's own event loop."""
        if self.prompt_session is None:
            return
        app = self.prompt_session.app
        loop = app.loop
        if not app.is_running or loop is None:
            return  # no prompt on screen: the next one is computed afresh
        with contextlib.suppress(RuntimeError):  # the loop closed in between: same as above
            loop.call_soon_threadsafe(app.invalidate)


def run_shell(args: argparse.Namespace, lab=None) -> int:
    """`lab`: the demo's failover lab, for the `lab` command."""
    options = options_from_args(args, args.hosts)
    history, warning = open_history(history_path())
    shell = Shell(options, history=history, lab=lab)
    if warning:
        shell.error("history", warning)
    return shell.run()
