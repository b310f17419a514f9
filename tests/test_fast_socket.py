"""zktui.core.fast_socket: buffered reads and kazoo's select contract, on real socket pairs."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from zktui.core import fast_socket
from zktui.core.fast_socket import BufferedSocket


@pytest.fixture
def pair():
    left, right = socket.socketpair()
    left.setblocking(False)
    yield BufferedSocket(left), right
    left.close()
    right.close()


def framed(body: bytes) -> bytes:
    return struct.pack("!i", len(body)) + body


def test_small_reads_are_served_from_one_large_read(pair):
    ours, peer = pair
    peer.sendall(framed(b"first") + framed(b"second reply"))
    assert fast_socket.select([ours], [], [], 5)[0] == [ours]
    assert ours.recv(4) == struct.pack("!i", 5)
    # The rest is buffered now: ready at once, although the kernel has nothing left.
    assert ours.pending() == len(framed(b"first") + framed(b"second reply")) - 4
    assert fast_socket.select([ours], [], [], 0)[0] == [ours]
    assert ours.recv(5) == b"first"
    assert ours.recv(4) == struct.pack("!i", 12)
    assert ours.recv(100) == b"second reply"  # a short read gives what there is, as recv does
    assert ours.pending() == 0


def test_select_waits_for_the_timeout_when_nothing_is_buffered(pair):
    ours, _peer = pair
    started = time.monotonic()
    readable, writable, errors = fast_socket.select([ours], [], [], 0.2)
    assert (readable, writable, errors) == ([], [], [])
    assert time.monotonic() - started >= 0.15


def test_select_reports_the_other_ready_objects_beside_a_buffered_socket(pair):
    """kazoo's loop selects on its socket and its wake-up pipe: queued requests must not wait behind a
    buffer of replies."""
    ours, peer = pair
    wake_read, wake_write = socket.socketpair()
    try:
        peer.sendall(framed(b"a") + framed(b"b"))
        ours.recv(4)
        wake_write.send(b"\0")
        readable, _, _ = fast_socket.select([ours, wake_read], [], [], 5)
        assert set(readable) == {ours, wake_read}
    finally:
        wake_read.close()
        wake_write.close()


def test_write_readiness_and_a_closed_peer(pair):
    ours, peer = pair
    assert fast_socket.select([], [ours], [], 1)[1] == [ours]
    peer.close()
    assert fast_socket.select([ours], [], [], 5)[0] == [ours]
    assert ours.recv(4) == b""  # kazoo reads this as "socket connection broken"


def test_everything_else_is_the_socket_s(pair):
    ours, _peer = pair
    assert ours.fileno() == ours._sock.fileno()
    assert ours.family == socket.AF_UNIX
