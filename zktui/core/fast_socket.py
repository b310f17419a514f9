"""Cheaper socket I/O under kazoo's connection loop.

kazoo reads each reply with three waits and three small recv calls (the loop's select, then 4 bytes of
length, then the body), and every wait builds and closes an epoll selector. Pipelined walks and watch
storms bring tens of thousands of replies a second, and that per-reply cost, not the server, set the pace
(benchmarks/profile.py: selector_select and recv were the top of the reader thread).

`BufferedSocket` reads what the kernel has in one large recv and serves kazoo's small reads from memory;
`select` answers at once for a socket with buffered bytes, and otherwise waits with one poll() call.
kazoo already trusts a socket's `pending()` (it checks it for SSL), so the reads stay kazoo's own code.
"""

from __future__ import annotations

import math
import select as select_module

from kazoo.handlers.utils import selector_select

RECV_CHUNK = 256 * 1024


class BufferedSocket:
    """A socket whose recv() serves from a buffer filled by large reads; everything else is the socket's."""

    def __init__(self, sock) -> None:
        self._sock = sock
        self._buffer = bytearray()

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

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def _has_pending(fileobj) -> bool:
    pending = getattr(fileobj, "pending", None)
    return pending is not None and pending() > 0


def select(rlist, wlist, xlist, timeout=None):
    """kazoo's select contract (lists of ready objects), without a selector built per call.

    A socket with buffered bytes is ready now; the other objects are still polled (without waiting), so
    requests queued meanwhile go out between replies as they do in kazoo's loop.
    """
    buffered = [fileobj for fileobj in rlist if _has_pending(fileobj)]
    if not hasattr(select_module, "poll") or xlist:
        if buffered:
            return buffered, [], []
        return selector_select(rlist, wlist, xlist, timeout)
    poller = select_module.poll()
    by_fd: dict[int, list] = {}
    masks: dict[int, int] = {}
    for fileobj, wanted in [*((f, select_module.POLLIN) for f in rlist), *((f, select_module.POLLOUT) for f in wlist)]:
        fd = fileobj.fileno() if hasattr(fileobj, "fileno") else int(fileobj)
        by_fd.setdefault(fd, []).append(fileobj)
        masks[fd] = masks.get(fd, 0) | wanted
    for fd, mask in masks.items():
        poller.register(fd, mask)
    wait_ms = 0 if buffered else (None if timeout is None else max(0, math.ceil(timeout * 1000)))
    readable, writable = list(buffered), []
    for fd, events in poller.poll(wait_ms):
        for fileobj in by_fd[fd]:
            # Errors and hang-ups count as readable: the recv that follows reports them.
            if fileobj in rlist and events & (select_module.POLLIN | select_module.POLLERR | select_module.POLLHUP):
                if fileobj not in readable:
                    readable.append(fileobj)
            if fileobj in wlist and events & (select_module.POLLOUT | select_module.POLLERR | select_module.POLLHUP):
                writable.append(fileobj)
    return readable, writable, []
