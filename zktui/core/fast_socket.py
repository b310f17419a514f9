"""Cheaper socket I/O under kazoo's connection loop.

kazoo reads each reply with three waits and three small recv calls (the loop's select, then 4 bytes of
length, then the body), sends each request with a send call of its own, and every wait builds and closes
an epoll selector. Pipelined walks and watch storms bring tens of thousands of replies a second, and that
per-message cost, not the server, set the pace (benchmarks/profile.py: selector_select, recv and send were
the top of the reader thread).

`BufferedSocket` reads what the kernel has in one large recv and serves kazoo's small reads from memory,
and gathers the requests kazoo sends while it has more queued. `select` answers at once for a socket with
buffered bytes and otherwise waits with one poll() call; it sends gathered requests when kazoo's wake-up
pipe is quiet (nothing more is coming now), when a batch is full, or before it would wait. kazoo already
trusts a socket's `pending()` (it checks it for SSL), so reads and writes stay kazoo's own code.

Sending never blocks: what the kernel does not take now stays gathered, and the wait then covers room to
send as well as replies to read. (A blocking flush deadlocked under a storm: a throttled server stops
reading until its replies are read, while the flush stopped all reading until the server read.)
"""

from __future__ import annotations

import math
import select as select_module
import socket
import ssl
import time

from kazoo.handlers.utils import selector_select

RECV_CHUNK = 256 * 1024
# Requests wait for company until this many bytes are gathered (about a hundred small reads), or until
# kazoo has none left to send, or is about to wait: the server never idles for want of them.
SEND_BATCH = 8 * 1024
POLL_EVERY_S = 0.001
_CAN_POLL = hasattr(select_module, "poll")
_READABLE = (select_module.POLLIN | select_module.POLLERR | select_module.POLLHUP) if _CAN_POLL else 0
_WRITABLE = (select_module.POLLOUT | select_module.POLLERR | select_module.POLLHUP) if _CAN_POLL else 0
_DONT_WAIT = getattr(socket, "MSG_DONTWAIT", None)
_NOT_NOW = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


class BufferedSocket:
    """A socket whose recv() serves from a buffer filled by large reads, and whose send() gathers small
    writes for `select` to send; everything else is the socket's."""

    def __init__(self, sock, gather: bool = True) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._outgoing = bytearray()
        # TLS records and poll() must both be there: otherwise every send goes straight out.
        self._gathers = gather and _CAN_POLL and not isinstance(sock, ssl.SSLSocket)
        self._pending_below = sock.pending if isinstance(sock, ssl.SSLSocket) else None
        self.polled_at = 0.0  # when select last polled while this socket had replies in memory

    def recv(self, size: int) -> bytes:
        if not self._buffer:
            chunk = self._sock.recv(max(size, RECV_CHUNK))
            if len(chunk) <= size:
                return chunk  # b"" included: the peer closed
            self._buffer += chunk
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]  # bytearray drops from the front without copying the rest
        return taken

    def _frame_end(self) -> int | None:
        if len(self._buffer) < 4:
            return None
        end = 4 + int.from_bytes(self._buffer[:4], "big", signed=True)
        return end if end >= 4 else None

    def _fill_without_waiting(self) -> None:
        if self._pending_below is not None or _DONT_WAIT is None:
            return  # TLS: kazoo's own reads handle records and their retries
        try:
            chunk = self._sock.recv(RECV_CHUNK, _DONT_WAIT)
        except (BlockingIOError, InterruptedError):
            return
        self._buffer += chunk  # b"" (the peer closed): kazoo's own read finds out and says so

    def pending(self) -> int:
        """Bytes readable without waiting: ours, plus what an SSL layer below holds."""
        below = self._pending_below() if self._pending_below is not None else 0
        return len(self._buffer) + below

    def fileno(self) -> int:
        return self._sock.fileno()

    def take_frame(self) -> bytes | None:
        """The next length-prefixed message (a reply or an event) when all of it is in memory, else None
        (then kazoo's own reads wait for the rest)."""
        buffer = self._buffer
        end = self._frame_end()
        if end is None or len(buffer) < end:
            self._fill_without_waiting()  # kazoo only asks once select said the socket is readable
            end = self._frame_end()
            if end is None or len(buffer) < end:
                return None
        frame = bytes(buffer[4:end])
        del buffer[:end]
        return frame

    def send(self, data) -> int:
        if not self._gathers:
            return self._sock.send(data)
        self._outgoing += data
        if len(self._outgoing) >= SEND_BATCH:
            self.push()
        return len(data)

    @property
    def unsent(self) -> int:
        return len(self._outgoing)

    def push(self) -> None:
        """Send what the kernel takes now, without waiting; the rest goes when there is room."""
        while self._outgoing:
            try:
                sent = self._sock.send(self._outgoing)
            except _NOT_NOW:
                return
            if not sent:
                return
            del self._outgoing[:sent]

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def _fd(fileobj) -> int:
    return fileobj.fileno() if hasattr(fileobj, "fileno") else int(fileobj)


def _poll(masks: dict[int, int], timeout: float | None) -> dict[int, int]:
    poller = select_module.poll()
    for fd, mask in masks.items():
        poller.register(fd, mask)
    return dict(poller.poll(None if timeout is None else max(0, math.ceil(timeout * 1000))))


def _pending_of(fileobj):
    """Its pending() when it can hold readable bytes that poll() does not see (ours, TLS), else None."""
    return fileobj.pending if isinstance(fileobj, (BufferedSocket, ssl.SSLSocket)) else None


def select(rlist, wlist, xlist, timeout=None):
    """kazoo's select contract (lists of ready objects), without a selector built per call.

    A socket with buffered bytes is ready now; the other objects are still polled (without waiting), so
    requests queued meanwhile go out between replies as they do in kazoo's loop. Runs for every reply
    and event on kazoo's reader thread: each object's fd and kind are looked up once per call.
    """
    if not rlist and wlist and all(isinstance(fileobj, BufferedSocket) for fileobj in wlist):
        return [], list(wlist), []  # kazoo asks before each send: a gathering socket always has room
    first = rlist[0] if rlist and not wlist and not xlist else None
    if (type(first) is BufferedSocket and first._buffer and not first._outgoing
            and time.monotonic() - first.polled_at < POLL_EVERY_S):
        return [first], [], []  # the loop below would decide the same, after building its lists
    if not _CAN_POLL or xlist:
        buffered = [fileobj for fileobj in rlist if (pending := _pending_of(fileobj)) and pending() > 0]
        return (buffered, [], []) if buffered else selector_select(rlist, wlist, xlist, timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    readers = [(fileobj, _fd(fileobj), _pending_of(fileobj), isinstance(fileobj, BufferedSocket))
               for fileobj in rlist]
    writers = [(fileobj, _fd(fileobj)) for fileobj in wlist]
    ours_by_id = {id(f): (f, fd) for f, fd, _, ours in readers if ours}
    ours_by_id.update({id(f): (f, fd) for f, fd in writers if isinstance(f, BufferedSocket)})
    gathering = list(ours_by_id.values())
    wait_s: float | None = 0.0
    while True:
        masks: dict[int, int] = {}
        for _, fd, _, _ in readers:
            masks[fd] = masks.get(fd, 0) | select_module.POLLIN
        for _, fd in writers:
            masks[fd] = masks.get(fd, 0) | select_module.POLLOUT
        for fileobj, fd in gathering:
            if fileobj.unsent:
                masks[fd] = masks.get(fd, 0) | select_module.POLLOUT
        buffered = [fileobj for fileobj, _, pending, _ in readers if pending is not None and pending() > 0]
        if buffered and not any(fileobj.unsent for fileobj, _ in gathering):
            # Replies are waiting in memory: a look at the other objects (kazoo's wake-up pipe) once a
            # millisecond keeps requests flowing, without a poll() call per reply.
            now = time.monotonic()
            if all(now - fileobj.polled_at < POLL_EVERY_S for fileobj in buffered if isinstance(fileobj, BufferedSocket)):
                return buffered, [], []
        events = _poll(masks, 0 if buffered else wait_s)
        polled_at = time.monotonic()
        for fileobj, _, _, ours in readers:
            if ours:
                fileobj.polled_at = polled_at  # the other objects were just looked at
        readable = buffered + [f for f, fd, _, _ in readers if events.get(fd, 0) & _READABLE and f not in buffered]
        writable = [f for f, fd in writers if events.get(fd, 0) & _WRITABLE]
        # kazoo's wake-up pipe readable: another request is on its way, let it join the batch.
        more_coming = any(not ours and events.get(fd, 0) & _READABLE for _, fd, _, ours in readers)
        for fileobj, fd in gathering:
            if fileobj.unsent and events.get(fd, 0) & _WRITABLE:
                if not more_coming or fileobj.unsent >= SEND_BATCH:
                    fileobj.push()
        if readable or writable:
            return readable, writable, []
        if wait_s != 0.0 and not events:
            return [], [], []  # the timeout passed with nothing to do
        # Nothing for kazoo yet: wait for its objects, or for room to send what is still gathered.
        wait_s = None if deadline is None else deadline - time.monotonic()
        if wait_s is not None and wait_s <= 0:
            return [], [], []
