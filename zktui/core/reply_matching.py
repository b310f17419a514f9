"""Replies matched to their requests when the server answers an `addauth` ahead of earlier requests.

kazoo keeps requests on the wire in one queue and takes each reply to be the answer to the oldest. The
server, though, answers an Auth packet the moment it reads it, while the requests sent before it are still
in its request pipeline (a write waits for the quorum). kazoo then gave the Auth's answer to the earlier
request (a create "succeeded" with True) and, at that request's real reply, raised "xids do not match" on
its connection thread, which ended it: the client was dead for good. After a refused credential kazoo
empties the queue, and the earlier request's reply, still to come, ended the thread the same way.

`install` replaces this one client's `_read_socket` (an instance attribute, as watches does for watch
events): an Auth reply goes to the oldest Auth waiting, and a reply for a request no longer waiting (kazoo
already failed it) is dropped. A message already whole in zktui's socket buffer is taken from it at once;
everything else is kazoo's own code.
"""

from __future__ import annotations

import logging

from kazoo.exceptions import AuthFailedError
from kazoo.protocol.connection import AUTH_XID, PING_XID, WATCH_XID
from kazoo.protocol.serialization import ReplyHeader
from kazoo.protocol.states import KeeperState

from zktui.core.fast_socket import BufferedSocket

log = logging.getLogger(__name__)


def install(client) -> None:
    connection = client._connection

    def read_socket(read_timeout):
        sock = connection._socket
        frame = sock.take_frame() if isinstance(sock, BufferedSocket) else None
        if frame is not None:  # whole in memory: no waits to arm (a storm brings thousands a second)
            buffer = frame
            header, offset = ReplyHeader.deserialize(buffer, 0)
        else:
            header, buffer, offset = connection._read_header(read_timeout)
        if header.xid == PING_XID:
            connection.ping_outstanding.clear()
        elif header.xid == AUTH_XID:
            _answer_auth(client, header)
        elif header.xid == WATCH_XID:
            connection._read_watch_event(buffer, offset)
        elif not client._pending:
            log.debug("dropped a reply to a request kazoo had already failed: %r", header)
        else:
            return connection._read_response(header, buffer, offset)
        return None

    connection._read_socket = read_socket


def _answer_auth(client, header) -> None:
    pending = client._pending
    entry = next((e for e in pending if e[2] == AUTH_XID), None)
    if entry is None:  # an Auth kazoo sent itself while connecting is read there, not here
        log.debug("dropped an Auth reply with no Auth waiting: %r", header)
        return
    pending.remove(entry)
    _request, async_object, _xid = entry
    if header.err:
        async_object.set_exception(AuthFailedError())
        client._session_callback(KeeperState.AUTH_FAILED)
    else:
        async_object.set(True)
