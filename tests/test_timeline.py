"""The timeline: one line per event for people, JSON lines for files, our own connection's state changes."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from zktui.core.session import ConnState, StateChange
from zktui.live.timeline import (
    Timeline,
    TimelineEvent,
    events_from_state,
    highlights,
    load_jsonl,
    timeline_of,
)

NOON = time.mktime((2024, 5, 1, 12, 0, 3, 0, 0, -1))  # local time, as lines() prints it


def change(state: ConnState, server: str | None = "127.0.0.1:2182", session: int | None = 0x1000A,
           new_session: bool = False, at: float = NOON) -> StateChange:
    return StateChange(state, server, session, new_session, at)


def test_lines_put_the_local_time_before_the_text():
    timeline = Timeline()
    timeline.append(TimelineEvent(NOON, "leader-changed",
                                  "leader changed 127.0.0.1:2182 -> 127.0.0.1:2183 (epoch 2)"))
    timeline.append(TimelineEvent(NOON + 2, "member-left", "/servers: svc002 left (session 0x1000a)"))
    assert timeline.lines() == [
        "12:00:03 leader changed 127.0.0.1:2182 -> 127.0.0.1:2183 (epoch 2)",
        "12:00:05 /servers: svc002 left (session 0x1000a)",
    ]


def test_the_oldest_events_are_dropped_beyond_max_events():
    timeline = Timeline(max_events=3)
    for number in range(5):
        timeline.append(TimelineEvent(NOON + number, "test", f"event {number}"))
    assert [event.text for event in timeline.events()] == ["event 2", "event 3", "event 4"]


def test_appends_from_many_threads_all_arrive():
    timeline = Timeline()

    def produce(name: str) -> None:
        for number in range(500):
            timeline.append(TimelineEvent(NOON, "test", f"{name} {number}"))

    threads = [threading.Thread(target=produce, args=(f"t{k}",)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({event.text for event in timeline.events()}) == 8 * 500


def test_jsonl_round_trip(tmp_path):
    timeline = Timeline()
    events = [
        TimelineEvent(NOON, "leader-changed", "leader changed a -> b (epoch 2)",
                      {"old": "a", "new": "b", "epoch": 2}),
        TimelineEvent(NOON + 0.25, "lock-handover", "/locks/x: 0x1 -> 0x2", {"path": "/locks/x"}),
    ]
    timeline.extend(events)
    path = tmp_path / "timeline.jsonl"
    assert timeline.save_jsonl(str(path)) == 2
    assert len(path.read_text().splitlines()) == 2
    assert load_jsonl(str(path)) == events


def test_suspended_lost_and_closed_each_say_so():
    connected = change(ConnState.CONNECTED)
    suspended = events_from_state(change(ConnState.SUSPENDED), connected)
    assert [(e.kind, e.line()) for e in suspended] == [("connection-suspended", "12:00:03 connection SUSPENDED")]
    lost = events_from_state(change(ConnState.LOST), change(ConnState.SUSPENDED))
    assert [(e.kind, e.text) for e in lost] == [("session-lost", "session 0x1000a LOST (expired)")]
    closed = events_from_state(change(ConnState.CLOSED), connected)
    assert [e.kind for e in closed] == ["connection-closed"]


def test_reconnecting_names_the_new_server():
    events = events_from_state(change(ConnState.CONNECTED, server="127.0.0.1:2183"), change(ConnState.SUSPENDED))
    assert [(e.kind, e.text) for e in events] == [("reconnected", "reconnected to 127.0.0.1:2183")]
    assert events[0].data["server"] == "127.0.0.1:2183"


def test_a_new_session_says_everything_is_re_read():
    events = events_from_state(change(ConnState.CONNECTED, session=0x2000B, new_session=True),
                               change(ConnState.LOST))
    assert [e.kind for e in events] == ["new-session"]
    assert "0x2000b" in events[0].text and "re-read" in events[0].text


def test_first_connection_and_quiet_states():
    first = events_from_state(change(ConnState.CONNECTED), None)
    assert [(e.kind, e.text) for e in first] == [("connected", "connected to 127.0.0.1:2182 (session 0x1000a)")]
    assert events_from_state(change(ConnState.CONNECTING), change(ConnState.SUSPENDED)) == []
    assert events_from_state(change(ConnState.CONNECTED), change(ConnState.CONNECTED)) == []
    read_only = events_from_state(change(ConnState.READ_ONLY, server="h:1"), change(ConnState.SUSPENDED))
    assert read_only[0].text == "reconnected to h:1 (read-only server)"


def test_timeline_of_keeps_one_timeline_per_engine():
    engine = SimpleNamespace(session=None)
    first = timeline_of(engine)
    first.append(TimelineEvent(NOON, "test", "kept"))
    assert timeline_of(engine) is first and engine.timeline is first
    assert timeline_of(SimpleNamespace(session=None)) is not first


def test_highlights_keep_the_failover_a_busy_lock_would_push_out():
    leader = TimelineEvent(1.0, "leader-changed", "leader changed a -> b (epoch 2)")
    reconnect = TimelineEvent(2.0, "reconnected", "reconnected to b")
    churn = [TimelineEvent(3.0 + n, "lock-handover", f"/locks/jobs: lock passed {n}") for n in range(20)]
    queue = [TimelineEvent(3.5 + n, "waiter-added", f"/locks/jobs: w{n} waits") for n in range(20)]
    shown = highlights([leader, reconnect, *churn, *queue], failovers=5, others=4)
    assert shown[:2] == [leader, reconnect]
    assert shown[2:] == churn[-4:]  # the latest handovers, in time order; queue churn left out
    assert [event.at for event in shown] == sorted(event.at for event in shown)
