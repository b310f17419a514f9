"""A ZooKeeper session: kazoo underneath, connection state as plain events on top.

Listeners are called on kazoo's connection thread: they must not block and must do no ZooKeeper I/O
(front ends forward the event to their own loop, e.g. Textual's post_message).
"""

from __future__ import annotations

import copy
import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kazoo.client import KazooClient
from kazoo.exceptions import AuthFailedError, KazooException, OperationTimeoutError
from kazoo.handlers import utils as kazoo_handler_utils
from kazoo.handlers.threading import KazooTimeoutError, SequentialThreadingHandler
from kazoo.protocol.serialization import Auth
from kazoo.protocol.states import KazooState, KeeperState

from zktui.core import fast_socket, reply_matching, watches
from zktui.core.paths import split_chroot

# kazoo logs every failed connection attempt; the front ends show the state instead. Without a handler of
# its own, Python's last-resort handler would print those lines over the user's terminal.
logging.getLogger("kazoo").addHandler(logging.NullHandler())
logging.getLogger("kazoo").propagate = False


class _LastConnectionError(logging.Handler):
    """Keeps kazoo's last reason for a dropped connection attempt (a TLS handshake failure, a refused
    port): kazoo retries those silently, and a connect timeout should say why."""

    PREFIX = "Connection dropped: "

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reason: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith(self.PREFIX):
            self.reason = text[len(self.PREFIX):].removeprefix("socket connection error: ")


class RequestTimeout(KazooTimeoutError, OperationTimeoutError):
    """No reply within the request timeout: every server down or hung. A KazooTimeoutError (the engine says
    "did not answer in time") and an OperationTimeoutError (kazoo's retry and `except KazooException` see it)."""


class _BoundedResult(kazoo_handler_utils.AsyncResult):
    def __init__(self, handler: _BoundedHandler) -> None:
        super().__init__(handler, threading.Condition, RequestTimeout)

    def get(self, block: bool = True, timeout: float | None = None):
        """The value, or the error raised as a copy. Raising the stored error itself gave it a traceback
        holding this frame, which holds the result, which holds the error: a reference cycle per failed
        read (the live tracker reading members that already left, thousands a second in a churn), and
        with it everything the caller's frame held. Cyclic garbage at that rate made the collector's
        full passes take 50-100 ms on the event loop's thread (benchmarks: churn p99)."""
        if block and timeout is None:
            timeout = self._handler.request_timeout
        with self._condition:
            if block and not self.ready():
                self._condition.wait(timeout)
            exception = self._exception
        if exception is None:
            return self.value
        if exception is kazoo_handler_utils._NONE:
            raise self._timeout_factory()
        raise _unshared(exception)


def _unshared(exception: BaseException) -> BaseException:
    """A copy of the error for one raise (same type, arguments and attributes; no traceback)."""
    try:
        return copy.copy(exception)
    except Exception:  # an error type that cannot be rebuilt from its arguments: raise it as it is
        return exception


class _BoundedHandler(SequentialThreadingHandler):
    """kazoo queues a request made while disconnected until a server answers, and its blocking calls wait
    without a timeout: a command run during a full outage hung until the ensemble came back (issue 8). Every
    blocking wait on a reply here ends after `request_timeout` with RequestTimeout instead."""

    timeout_exception = RequestTimeout

    def __init__(self, request_timeout: float) -> None:
        super().__init__()
        self.request_timeout = request_timeout

    def async_result(self) -> _BoundedResult:
        return _BoundedResult(self)

    # Replies are read from a buffer and waits are one poll(): see zktui.core.fast_socket.
    def select(self, *args, **kwargs):
        return fast_socket.select(*args, **kwargs)

    def create_connection(self, *args, **kwargs):
        return fast_socket.BufferedSocket(super().create_connection(*args, **kwargs))


class ConnState(enum.Enum):
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    READ_ONLY = "CONNECTED (read-only server)"
    SUSPENDED = "SUSPENDED"
    LOST = "LOST"
    CLOSED = "CLOSED"


class ReadOnlyError(Exception):
    """zktui was started read-only and refuses every write."""


@dataclass(frozen=True)
class ConnectOptions:
    hosts: str = "127.0.0.1:2181"
    session_timeout: float = 10.0
    connect_timeout: float = 15.0
    auth: tuple[tuple[str, str], ...] = ()  # (scheme, credential), e.g. ("digest", "user:pass")
    read_only: bool = False  # zktui refuses writes
    allow_read_only_server: bool = False  # accept a server in ZooKeeper's own read-only mode
    use_ssl: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    keyfile_password: str | None = None
    ca: str | None = None
    verify_certs: bool = True
    sasl_options: dict | None = None
    # AdminServer ports by client address ("host:port" -> port), for servers without 4lw whitelisting.
    admin_ports: tuple[tuple[str, int], ...] = ()
    # How long one request may wait for its reply (None: twice the session timeout); see _BoundedHandler.
    request_timeout: float | None = None

    @property
    def chroot(self) -> str | None:
        return split_chroot(self.hosts)[1]

    @property
    def servers(self) -> list[str]:
        return [h.strip() for h in split_chroot(self.hosts)[0].split(",") if h.strip()]


@dataclass(frozen=True)
class StateChange:
    state: ConnState
    server: str | None
    session_id: int | None
    new_session: bool  # CONNECTED with another session id than before: everything must be re-read
    at: float = field(default_factory=time.time)


class Session:
    def __init__(self, options: ConnectOptions) -> None:
        self.options = options
        self._connection_errors = _LastConnectionError()
        # A logger of this session's own, outside logging's registry, so it goes away with the session.
        kazoo_logger = logging.Logger("kazoo.zktui")
        kazoo_logger.setLevel(logging.WARNING)
        kazoo_logger.addHandler(self._connection_errors)
        request_timeout = options.request_timeout or 2 * options.session_timeout
        self.client = KazooClient(
            handler=_BoundedHandler(request_timeout),
            logger=kazoo_logger,
            hosts=options.hosts,
            timeout=options.session_timeout,
            auth_data=list(options.auth) or None,
            read_only=options.allow_read_only_server or None,
            use_ssl=options.use_ssl,
            certfile=options.certfile,
            keyfile=options.keyfile,
            keyfile_password=options.keyfile_password,
            ca=options.ca,
            verify_certs=options.verify_certs,
            sasl_options=options.sasl_options,
            connection_retry={"max_tries": -1, "max_delay": 2.0},
        )
        self.state = ConnState.CONNECTING
        self.server: str | None = None
        self.session_id: int | None = None
        self._listeners: list[Callable[[StateChange], None]] = []
        self._lock = threading.Lock()
        self.client.add_listener(self._on_kazoo_state)
        # Before the first request: from then on no one-shot watch can replace a persistent one (see watches),
        # and an addauth answered ahead of earlier requests cannot end the connection thread (reply_matching).
        watches.install(self.client)
        reply_matching.install(self.client)

    # ----- lifecycle -----

    def start(self) -> None:
        """Connect, blocking up to connect_timeout (call it from a worker in a UI)."""
        self.client.start(timeout=self.options.connect_timeout)
        if self.options.sasl_options:
            # kazoo says CONNECTED before the SASL exchange; a first request waits for its outcome and
            # raises AuthFailedError when the server refused the credentials.
            self.client.exists("/")
        self._record(self._connected_state())

    def stop(self) -> None:
        self.client.stop()
        self.client.close()
        self._record(ConnState.CLOSED)

    def add_auth(self, scheme: str, credential: str) -> None:
        """Send credentials for this session (blocking). Raises AuthFailedError when the server refuses them.

        kazoo's own add_auth files the credential for resending on every reconnect before the server has
        answered; a refused one then made each reconnect fail, and racing to take it back lost sometimes.
        Here only accepted credentials are filed. A refusal closes the connection (and kazoo starts a new
        session): this returns, by raising, once a request works again.
        """
        for text in (scheme, credential):
            # Checked here: kazoo encodes requests on its connection thread, and a failure there ended it.
            text.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate
        client = self.client
        reply = client.handler.async_result()
        client._call(Auth(0, scheme, credential), reply)
        try:
            reply.get()
        except AuthFailedError:
            self._await_working_connection()
            raise
        client.auth_data.add((scheme, credential))

    def _await_working_connection(self) -> None:
        deadline = time.monotonic() + self.options.connect_timeout
        while time.monotonic() < deadline:
            if self.client._connection.connection_stopped.is_set():  # kazoo gave up reconnecting
                self.client.restart()
                return
            try:
                self.client.exists("/")  # queued until kazoo has reconnected, then a real round trip
                return
            except KazooException:  # AuthFailed or ConnectionLoss while the old connection goes
                time.sleep(0.02)

    @property
    def last_connection_error(self) -> str | None:
        return self._connection_errors.reason

    @property
    def connected(self) -> bool:
        return self.state in (ConnState.CONNECTED, ConnState.READ_ONLY)

    def current(self) -> StateChange:
        """The state now, as an event (for a front end that attaches after the session started)."""
        return StateChange(self.state, self.server, self.session_id, False)

    # ----- events -----

    def add_listener(self, listener: Callable[[StateChange], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[StateChange], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _connected_state(self) -> ConnState:
        return ConnState.READ_ONLY if self.client.client_state == KeeperState.CONNECTED_RO else ConnState.CONNECTED

    def _on_kazoo_state(self, state: str) -> None:
        if state == KazooState.CONNECTED:
            self._record(self._connected_state())
        elif state == KazooState.SUSPENDED:
            self._record(ConnState.SUSPENDED)
        elif state == KazooState.LOST:
            self._record(ConnState.LOST)

    def _record(self, state: ConnState) -> None:
        previous_session = self.session_id
        server = self._peer() if state in (ConnState.CONNECTED, ConnState.READ_ONLY) else self.server
        session_id = self.client.client_id[0] if self.client.client_id else None
        new_session = (
            state in (ConnState.CONNECTED, ConnState.READ_ONLY)
            and previous_session is not None
            and session_id != previous_session
        )
        with self._lock:
            unchanged = (state, server, session_id) == (self.state, self.server, self.session_id)
            self.state, self.server = state, server
            if session_id is not None:
                self.session_id = session_id
            listeners = list(self._listeners)
        if unchanged:
            return
        change = StateChange(state, server, self.session_id, new_session)
        for listener in listeners:
            listener(change)

    def _peer(self) -> str | None:
        sock = getattr(getattr(self.client, "_connection", None), "_socket", None)
        try:
            host, port = sock.getpeername()[:2]
        except (AttributeError, OSError):
            return None
        return f"{host}:{port}"

    # ----- guards -----

    def require_writable(self, command: str) -> None:
        if self.options.read_only:
            raise ReadOnlyError(f"{command} is a write and zktui is read-only (started with --read-only)")
