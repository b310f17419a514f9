"""The command engine every front end runs: parse a line, check it may run, run it, translate errors."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kazoo.exceptions import KazooException
from kazoo.handlers.threading import KazooTimeoutError

from zktui.commands.parser import Invocation, UsageError, parse, parse_words
from zktui.commands.registry import HANDLERS, CommandError, Output
from zktui.core.errors import describe_error, hint_for
from zktui.core.escape import has_unsafe, inert
from zktui.core.paths import resolve
from zktui.core.session import ConnectOptions, Session
from zktui.core.walk import WalkCancelled
from zktui.core.zkformat import zkcli_error
from zktui.live.timeline import Timeline, timeline_of

SECRET_COMMANDS = ("addauth",)


def server_failure(command: str, exc: BaseException, path: str | None = None, **context) -> CommandError:
    """One CommandError for a kazoo exception: zkCli's line, then what zktui can add to it."""
    # Both may hold the path as the server has it (bidi overrides pass ZooKeeper's checks): made inert here,
    # unless already shown escaped.
    zkcli_line = _inert_unless_safe(zkcli_error(command, path, exc).splitlines()[-1])
    hint = _inert_unless_safe(hint_for(command, exc, path=path, **context))
    if not zkcli_line:
        return CommandError(command, hint or type(exc).__name__)
    return CommandError(command, f"{zkcli_line} ({hint})" if hint else zkcli_line)


def _inert_unless_safe(text: str | None) -> str | None:
    return inert(text) if text and has_unsafe(text) else text


def redact(line: str) -> str:
    """The line as history and logs may keep it: credentials of addauth replaced."""
    words = line.split()
    if words and words[0].lower() in SECRET_COMMANDS and len(words) > 2:
        return " ".join(words[:2] + ["****"])
    return line


def parse_redacted(line: str, words: list[str] | None = None) -> Invocation | None:
    """parse(line), with a usage error of a secret command cleared of the secret (`addauth digest user pass`,
    a space for the colon, said `too many arguments (pass)` on screen) and made inert."""
    try:
        return parse(line) if words is None else parse_words(words, line)
    except UsageError as exc:
        secrets = [word.strip("'\"") for word in line.split()[2:]] if redact(line) != line else []
        message = exc.message
        for word in sorted(filter(None, secrets), key=len, reverse=True):
            message = message.replace(word, "****")
        if has_unsafe(message):  # the parser quotes the words it rejects: a typed newline or ESC must not draw
            message = inert(message)
        if message == exc.message:
            raise
        raise UsageError(exc.command, message) from None


class Engine:
    """One connection, a current path, the history; front ends call `run(line)` from a worker thread.

    `notify(text)` is how asynchronous things (watch events, progress) reach the front end; it may be
    called on kazoo's threads, so front ends pass something thread-safe and non-blocking.
    `confirm(question)` asks the person; None means nobody can be asked (exec): bulk destructive commands
    then need --yes.
    """

    def __init__(
        self,
        options: ConnectOptions | None = None,
        *,
        notify: Callable[[str], None] | None = None,
        confirm: Callable[[str], bool] | None = None,
        progress: Callable[[str], None] | None = None,
        lab=None,
    ) -> None:
        self.options = options
        self.lab = lab  # the demo's zktui.sandbox.lab.Lab, for the `lab` command; None elsewhere
        self.session: Session | None = None
        self.cwd = "/"
        self.notify = notify or (lambda text: None)
        self.confirm = confirm
        self.progress = progress or (lambda text: None)
        self.print_watches = True
        self.history: list[str] = []
        self.cancel = threading.Event()
        self.quit_requested = False
        self.timeline = Timeline()  # failovers, members, locks and our connection's states, for `timeline`

    # ----- connection -----

    def connect(self, options: ConnectOptions | None = None) -> Session:
        """Open a session (closing the current one); blocks until connected or raises CommandError."""
        options = options or self.options
        if options is None:
            raise CommandError("connect", "no hosts given")
        self.close()
        try:
            session = Session(options)
        except ValueError as exc:  # kazoo's parsing of the connect string
            raise CommandError("connect", f"bad connect string {options.hosts!r}: {exc}") from None
        try:
            session.start()
        except KazooTimeoutError:
            session.client.stop()
            last_error = session.last_connection_error
            raise CommandError(
                "connect", f"no server of {options.hosts} answered within {options.connect_timeout:g} s"
                + (f" (last error: {last_error})" if last_error else "")
            ) from None
        except KazooException as exc:
            session.client.stop()
            raise CommandError("connect", describe_error("connect", exc)) from None
        self.options, self.session, self.cwd = options, session, "/"
        timeline_of(self)  # the timeline follows every session's state from its start
        return session

    def close(self) -> None:
        if self.session is not None:
            self.session.stop()
            self.session = None

    @property
    def client(self):
        if self.session is None:
            raise CommandError("connect", "not connected: use `connect HOSTS`")
        return self.session.client

    @property
    def read_only(self) -> bool:
        return bool(self.options and self.options.read_only)

    # ----- running commands -----

    def path(self, value: str | None) -> str:
        """An argument resolved against the current path."""
        return resolve(self.cwd, value)

    def run(self, line: str, record: bool = True) -> Output:
        """Run one command line. Raises UsageError (bad line) or CommandError (it failed)."""
        invocation = parse_redacted(line)
        if invocation is None:
            return Output()
        if record and invocation.command.name not in ("history", "redo"):
            self.history.append(line)
        return self.run_invocation(invocation)

    def run_invocation(self, invocation: Invocation) -> Output:
        command = invocation.command
        handler = HANDLERS.get(command.name)
        if handler is None:  # every command in the table has one; a test checks it
            raise UsageError(command.name, "this command is not available")
        if command.writes and self.read_only:
            raise CommandError(command.name, f"refused: {command.name} writes and zktui is read-only (--read-only)")
        for flag, bits in (("v", 32), ("t", 64)):  # jute's int (version) and long (TTL)
            value = invocation.flags.get(flag)
            # An out-of-range number raised struct.error on kazoo's connection thread: the session died.
            if isinstance(value, int) and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
                raise UsageError(command.name, f"-{flag} {value} is out of range for ZooKeeper (a {bits}-bit number)")
        if command.needs_session and self.session is None:
            raise CommandError(command.name, "not connected: use `connect HOSTS`")
        if command.bulk_destructive and not invocation.flag("yes"):
            self._confirm_bulk(invocation)
        try:
            return handler(self, invocation)
        except (CommandError, UsageError):
            raise
        except WalkCancelled:
            raise CommandError(command.name, "interrupted") from None
        except KazooTimeoutError:
            raise CommandError(command.name, self._timeout_reason()) from None
        except UnicodeDecodeError:
            # The server echoes a path with characters beyond U+FFFF in CESU-8, which kazoo cannot decode
            # (`locks /𐀀` syncs it): a traceback before.
            raise CommandError(command.name, "the server's reply could not be decoded (a path with characters "
                               "beyond U+FFFF? ZooKeeper refuses those)") from None
        except KazooException as exc:
            path = invocation.args.get("path")
            raise server_failure(command.name, exc, self.path(path) if path is not None else self.cwd) from None
        finally:
            self.cancel.clear()  # an interrupt belongs to the command it stopped, not to the next one

    def _timeout_reason(self) -> str:
        state = self.session.state.value if self.session else "CLOSED"
        return f"the server did not answer in time (connection {state})"

    def _confirm_bulk(self, invocation: Invocation) -> None:
        name = invocation.command.name
        if self.confirm is None:
            raise CommandError(name, f"{name} changes many nodes: add --yes to run it without a question")
        target = invocation.args.get("path") or invocation.args.get("source") or ""
        if not self.confirm(f"{name} {self.path(target) if target else ''}: are you sure?".replace("  ", " ")):
            raise CommandError(name, "cancelled")

    def event(self, text: str) -> None:
        """A watch event or similar: shown unless `printwatches off`."""
        if self.print_watches:
            self.notify(text)


def load_handlers() -> None:
    """Import the modules that register handlers (kept out of module import to avoid cycles)."""
    from zktui.commands import handlers  # noqa: F401
