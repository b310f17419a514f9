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


def drained(peer: socket.socket, wait_s: float = 0.2) -> bytes:
    """Everything the peer can read within wait_s."""
    peer.settimeout(wait_s)
    received = bytearray()
    try:
        while chunk := peer.recv(1 << 20):
            received += chunk
    except TimeoutError:
        pass
    return bytes(received)


def test_requests_are_gathered_and_sent_together_when_nothing_more_is_coming(pair):
    ours, peer = pair
    wake_read, wake_write = socket.socketpair()
    try:
        for body in (b"one", b"two", b"three"):
            wake_write.send(b"\0")  # kazoo writes a wake-up byte per queued request
            assert fast_socket.select([], [ours], [], 1)[1] == [ours]
            ours.send(framed(body))
        # Still requests to come (the pipe is readable): they stay gathered, and the pipe is reported.
        assert fast_socket.select([ours, wake_read], [], [], 1)[0] == [wake_read]
        assert drained(peer, 0.05) == b"" and ours.unsent == len(framed(b"one") + framed(b"two") + framed(b"three"))
        wake_read.recv(16)  # kazoo has sent them all: the pipe is quiet
        assert fast_socket.select([ours, wake_read], [], [], 0.05) == ([], [], [])
        assert drained(peer) == framed(b"one") + framed(b"two") + framed(b"three")
        assert ours.unsent == 0
    finally:
        wake_read.close()
        wake_write.close()


def test_a_full_batch_goes_out_although_more_requests_are_coming(pair):
    ours, peer = pair
    request = framed(b"x" * 100)
    count = fast_socket.SEND_BATCH // len(request) + 1
    for _ in range(count):
        ours.send(request)
    assert len(drained(peer)) >= fast_socket.SEND_BATCH


def test_sending_never_blocks_and_replies_are_still_read_when_the_peer_stops_reading(pair):
    """A throttled server reads nothing until its replies are read: a blocking flush deadlocked here."""
    ours, peer = pair
    chunk = framed(b"r" * 60_000)
    started = time.monotonic()
    for _ in range(200):  # 12 MB: far beyond what the kernel buffers for a socket pair
        ours.send(chunk)
    assert time.monotonic() - started < 2 and ours.unsent > 0
    peer.sendall(framed(b"reply"))
    assert fast_socket.select([ours], [], [], 5)[0] == [ours]
    assert ours.recv(4) == struct.pack("!i", 5) and ours.recv(5) == b"reply"
    # Once the peer reads again, every gathered byte arrives, in order.
    received = bytearray()
    peer.setblocking(False)
    deadline = time.monotonic() + 20
    while len(received) < 200 * len(chunk) and time.monotonic() < deadline:
        fast_socket.select([ours], [], [], 0.01)  # kazoo's loop waiting for replies sends what has room
        try:
            received += peer.recv(1 << 20)
        except BlockingIOError:
            pass
    assert bytes(received) == chunk * 200 and ours.unsent == 0


def test_take_frame_gives_whole_messages_only_and_never_waits(pair):
    ours, peer = pair
    peer.sendall(framed(b"one") + framed(b"two") + framed(b"three")[:6])
    assert fast_socket.select([ours], [], [], 5)[0] == [ours]
    # Nothing was read yet: the first call reads what the kernel has, without waiting.
    assert ours.take_frame() == b"one"
    assert ours.take_frame() == b"two"
    started = time.monotonic()
    assert ours.take_frame() is None  # "three" is not all there: left for kazoo's own (waiting) reads
    assert time.monotonic() - started < 1
    peer.sendall(framed(b"three")[6:])
    assert fast_socket.select([ours], [], [], 5)[0] == [ours]
    assert ours.take_frame() == b"three"
    assert ours.take_frame() is None and ours.pending() == 0


def test_with_replies_in_memory_the_wake_up_pipe_is_looked_at_once_per_interval(pair, monkeypatch):
    ours, peer = pair
    wake_read, wake_write = socket.socketpair()
    try:
        peer.sendall(framed(b"a") + framed(b"b") + framed(b"c"))
        assert fast_socket.select([ours, wake_read], [], [], 5)[0] == [ours]
        assert ours.take_frame() == b"a"
        wake_write.send(b"\0")  # a request is queued
        monkeypatch.setattr(fast_socket, "POLL_EVERY_S", 60.0)
        assert fast_socket.select([ours, wake_read], [], [], 5)[0] == [ours]  # answered from memory
        assert ours.take_frame() == b"b"
        monkeypatch.setattr(fast_socket, "POLL_EVERY_S", 0.0)
        assert set(fast_socket.select([ours, wake_read], [], [], 5)[0]) == {ours, wake_read}
    finally:
        wake_read.close()
        wake_write.close()
