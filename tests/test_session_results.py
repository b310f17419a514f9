"""zktui's client results: a failed read leaves no reference cycle behind (the live tracker makes thousands
of them a second in a churning group, and cyclic garbage made the collector stall the event loop)."""

from __future__ import annotations

import gc
import weakref

import pytest
from kazoo.exceptions import BadVersionError, NoNodeError

from zktui.core.session import ConnectOptions, Session


@pytest.fixture
def session(ensemble):
    running = Session(ConnectOptions(hosts=ensemble.hosts))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def collector_off():
    """Freed by reference counting alone, or not at all: the collector would hide a cycle."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_a_failed_read_is_freed_without_the_collector(session, base_path, collector_off):
    held = {}

    def read_missing_node():
        result = session.client.get_async(f"{base_path}/missing")
        held["result"] = weakref.ref(result)
        neighbour = session.client.exists_async(base_path)  # what else the reader's frame holds
        held["neighbour"] = weakref.ref(neighbour)
        assert neighbour.get() is not None
        try:
            result.get()
        except NoNodeError as error:  # as read_listing catches it (pytest.raises would keep the frame)
            held["error"] = weakref.ref(error)
        else:
            raise AssertionError("the node exists")

    read_missing_node()
    assert held["result"]() is None, "the failed result outlived its reader: it is in a reference cycle"
    assert held["error"]() is None and held["neighbour"]() is None


def test_each_get_raises_the_servers_error_afresh(session, base_path):
    result = session.client.set_async(base_path, b"x", version=41)  # the node is at version 0
    errors = []
    for _ in range(2):
        with pytest.raises(BadVersionError) as raised:
            result.get()
        errors.append(raised.value)
    assert errors[0] is not errors[1]
    assert type(errors[0]) is type(result.exception) and errors[0].args == result.exception.args
    assert result.exception.__traceback__ is None  # the stored one was never raised
