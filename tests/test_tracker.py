"""The live tracker on the real ensemble: handovers, members joining and leaving, pinned groups."""

from __future__ import annotations

import threading
import time

import pytest
from kazoo.client import KazooClient

from tests.helpers import wait_until
from tests.test_discovery import clients, count_children, hold_lock, holding, session_of
from zktui.live.timeline import TimelineEvent
from zktui.live.tracker import LiveTracker

pytestmark = pytest.mark.ensemble


class Recorder:
    """on_change target: every event reported, in order (appended on the tracker's worker thread)."""

    def __init__(self) -> None:
        self.events: list[TimelineEvent] = []
        self._lock = threading.Lock()

    def __call__(self, events: list[TimelineEvent]) -> None:
        with self._lock:
            self.events.extend(events)

    def of(self, kind: str) -> list[TimelineEvent]:
        with self._lock:
            return [event for event in self.events if event.kind == kind]


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def tracker(zk, recorder):
    running = LiveTracker(zk, on_change=recorder)
    yield running
    running.stop()


def test_a_release_shows_the_handover_within_a_second(ensemble, zk, base_path, tracker, recorder):
    path = f"{base_path}/locks/job"
    with clients(ensemble, 2) as (first, second):
        first_lock = first.Lock(path, "first")
        first_lock.acquire()
        with holding([second.Lock(path, "second")], hold_lock):
            wait_until(lambda: count_children(zk, path) == 2, message="a waiter")
            tracker.start(base_path)
            [before] = tracker.locks()
            assert [holder.session for holder in before.holders] == [session_of(first)]
            assert before.holders[0].since_observed is False  # held before we looked: counted from ctime

            released_at = time.monotonic()
            first_lock.release()
            wait_until(lambda: recorder.of("lock-handover"), timeout=1.5, message="the handover event")
            assert time.monotonic() - released_at < 1.5
            [handover] = recorder.of("lock-handover")
            assert handover.data["path"] == path
            assert [who["session"] for who in handover.data["from"]] == [session_of(first)]
            assert [who["session"] for who in handover.data["to"]] == [session_of(second)]
            assert handover.data["held_ms"] is not None and handover.data["held_ms"] >= 0

            [after] = tracker.locks()
            assert [holder.session for holder in after.holders] == [session_of(second)]
            assert after.holders[0].since_observed is True
            assert after.waiters == ()
            assert len(tracker.handovers(path)) == 1


def test_members_joining_and_a_closed_session_leaving(ensemble, zk, base_path, tracker, recorder):
    path = f"{base_path}/servers"
    with clients(ensemble, 2) as (staying, leaving):
        staying.Party(path, "staying").join()
        leaving.Party(path, "leaving").join()
        tracker.start(base_path)
        [group] = tracker.members()
        assert sorted(member.session for member in group.members) == sorted(
            [session_of(staying), session_of(leaving)])

        leaving_session = session_of(leaving)
        leaving.stop()  # closes the session: its ephemeral member node goes with it
        wait_until(lambda: recorder.of("member-left"), timeout=10, message="member-left")
        assert [event.data["session"] for event in recorder.of("member-left")] == [leaving_session]

        with clients(ensemble, 1) as (newcomer,):
            newcomer.Party(path, "newcomer").join()
            wait_until(lambda: recorder.of("member-joined"), timeout=5, message="member-joined")
            assert [event.data["session"] for event in recorder.of("member-joined")] == [session_of(newcomer)]
            [group] = tracker.members()
            assert sorted(member.session for member in group.members) == sorted(
                [session_of(staying), session_of(newcomer)])


def test_a_member_re_registering_under_the_same_name_shows_its_new_session_and_data(
        ensemble, zk, base_path, tracker, recorder):
    """Re-reads take unchanged members from the last listing: one that left and came back under the same
    name (a restarted server) must still be read again."""
    path = f"{base_path}/brokers"
    zk.ensure_path(path)
    with clients(ensemble, 2) as (old, new):
        old.create(f"{path}/broker-1", b'{"host": "old"}', ephemeral=True)
        old.create(f"{path}/broker-2", b'{"host": "steady"}', ephemeral=True)
        tracker.start(base_path)
        old.delete(f"{path}/broker-1")
        new.create(f"{path}/broker-1", b'{"host": "new"}', ephemeral=True)

        def broker_1():
            [group] = tracker.members()
            return {member.node: member for member in group.members}.get("broker-1")

        wait_until(lambda: broker_1() is not None and broker_1().session == session_of(new), timeout=5,
                   message="broker-1 shown with its new session")
        assert broker_1().identity == "new"
        new.set(f"{path}/broker-1", b'{"host": "moved"}')  # a data change alone is read again too
        wait_until(lambda: broker_1().identity == "moved", timeout=5, message="the new data")
        [group] = tracker.members()
        assert sorted(member.node for member in group.members) == ["broker-1", "broker-2"]


def test_a_pinned_empty_path_is_a_group_that_sees_its_first_member(ensemble, zk, base_path, tracker, recorder):
    path = f"{base_path}/servers"
    zk.create(path)
    tracker.start(base_path)
    assert tracker.members() == ()  # an empty persistent node is no recipe by itself
    tracker.pin(path)
    [group] = tracker.members()
    assert (group.path, group.recipe, group.members) == (path, "pinned group", ())

    member = KazooClient(hosts=ensemble.hosts, timeout=10.0)
    member.start(timeout=15)
    try:
        member.create(f"{path}/host-1", b"10.0.0.1:2181", ephemeral=True)
        wait_until(lambda: recorder.of("member-joined"), timeout=5, message="the first member")
        [group] = tracker.members()
        assert [(entry.node, entry.session) for entry in group.members] == [("host-1", session_of(member))]
    finally:
        member.stop()
        member.close()
