"""Cheaper socket I/O under kazoo's connection loop.

kazoo reads each reply with three waits and three small recv calls (the loop's select, then 4 bytes of
length, then the body), sends each request with a send call of its own, and every wait builds and closes
an epoll selector. Pipelined walks and watch storms bring tens of thousands of replies a second, and that
per-message cost, not the server, set the pace (benchmarks/profile.py: selector_select, recv and send were
the top of the reader thread).

`BufferedSocket` reads what the kernel has in one large recv and serves kazoo's small reads from memory,
and gathers requests while kazoo has more queued; `select` answers at once for a socket with buffered
bytes, sends gathered requests before it would wait, and otherwise waits with one poll() call. kazoo
already trusts a socket's `pending()` (it checks it for SSL), so reads and writes stay kazoo's own code.
"""

from __future__ import annotations

import math
import select as select_module

from kazoo.handlers.utils import selector_select

RECV_CHUNK = 256 * 1024
# Requests wait for company until this many bytes are gathered (about a hundred small reads), or until
# kazoo has none left to send, or is about to wait: the server never idles for want of them.
SEND_BATCH = 8 * 1024
_READABLE = select_module.POLLIN | select_module.POLLERR | select_module.POLLHUP
_WRITABLE = select_module.POLLOUT | select_module.POLLERR | select_module.POLLHUP


class BufferedSocket:
    """A socket whose recv() serves from a buffer filled by large reads, and whose send() gathers small
    writes until flush(); everything else is the socket's."""

    def __init__(self, sock) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._outgoing = bytearray()

    def recv(self, size: int) -> bytes:
        if not self._buffer:
            chunk = self._sock.recv(max(size, RECV_CHUNK))
            if len(chunk) <= size:
                return chunk  # b"" included: the peer closed
            self._buffer += chunk
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]  # bytearray drops from the front without copying the rest
        return taken

    def pending(self) -> int:
        """Bytes readable without waiting: ours, plus what an SSL layer below holds."""
        below = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._buffer) + below

    def send(self, data) -> int:
        self._outgoing += data
        if len(self._outgoing) >= SEND_BATCH:
            self.flush()
        return len(data)

    @property
    def unsent(self) -> int:
        return len(self._outgoing)

    def flush(self, timeout: float | None = None) -> None:
        """Send everything gathered (the socket is non-blocking: wait for room when it is full)."""
        while self._outgoing:
            try:
                sent = self._sock.send(self._outgoing)
            except (BlockingIOError, InterruptedError):
                sent = 0
            if sent:
                del self._outgoing[:sent]
            elif not _poll({self._sock.fileno(): select_module.POLLOUT}, timeout):
                raise TimeoutError("socket time-out during write")

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def _poll(masks: dict[int, int], timeout: float | None) -> list[tuple[int, int]]:
    poller = select_module.poll()
    for fd, mask in masks.items():
        poller.register(fd, mask)
    return poller.poll(None if timeout is None else max(0, math.ceil(timeout * 1000)))


def _fd(fileobj) -> int:
    return fileobj.fileno() if hasattr(fileobj, "fileno") else int(fileobj)


def _has_pending(fileobj) -> bool:
    pending = getattr(fileobj, "pending", None)
    return pending is not None and pending() > 0


def select(rlist, wlist, xlist, timeout=None):
    """kazoo's select contract (lists of ready objects), without a selector built per call.

    A socket with buffered bytes is ready now; the other objects are still polled (without waiting), so
    requests queued meanwhile go out between replies as they do in kazoo's loop. Gathered requests are
    sent when nothing else asks to be sent (kazoo's wake-up pipe is quiet) or before waiting.
    """
    if not rlist and wlist and all(hasattr(fileobj, "unsent") for fileobj in wlist):
        return [], list(wlist), []  # kazoo asks before each send: a gathering socket always has room
    if not hasattr(select_module, "poll") or xlist:
        for fileobj in [*rlist, *wlist]:
            if getattr(fileobj, "unsent", 0):
                fileobj.flush(timeout)
        buffered = [fileobj for fileobj in rlist if _has_pending(fileobj)]
        return (buffered, [], []) if buffered else selector_select(rlist, wlist, xlist, timeout)
    masks: dict[int, int] = {}
    for fileobj in rlist:
        masks[_fd(fileobj)] = masks.get(_fd(fileobj), 0) | select_module.POLLIN
    for fileobj in wlist:
        masks[_fd(fileobj)] = masks.get(_fd(fileobj), 0) | select_module.POLLOUT
    buffered = [fileobj for fileobj in rlist if _has_pending(fileobj)]
    ready = dict(_poll(masks, 0))
    gathering = [fileobj for fileobj in [*rlist, *wlist] if getattr(fileobj, "unsent", 0)]
    if gathering:
        more_to_send = any(ready.get(_fd(fileobj), 0) & _READABLE for fileobj in rlist
                           if not hasattr(fileobj, "unsent"))
        if not more_to_send or not (buffered or ready):
            for fileobj in gathering:
                fileobj.flush(timeout)
    if not buffered and not ready:
        ready = dict(_poll(masks, timeout))
    readable = list(buffered)
    for fileobj in rlist:
        if ready.get(_fd(fileobj), 0) & _READABLE and fileobj not in readable:
            readable.append(fileobj)
    writable = [fileobj for fileobj in wlist if ready.get(_fd(fileobj), 0) & _WRITABLE]
    return readable, writable, []
