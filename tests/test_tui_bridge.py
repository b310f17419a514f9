"""The bridge from kazoo's threads to the app: events are batched, one message per batch."""

from __future__ import annotations

import threading

from zktui.tui.bridge import Bridge
from zktui.tui.messages import TreeEventsWaiting


class PostedMessages:
    """Stands in for the app: the bridge only ever calls post_message on it."""

    def __init__(self) -> None:
        self.messages: list = []

    def post_message(self, message) -> bool:
        self.messages.append(message)
        return True


def test_a_storm_is_one_message_and_every_path_arrives():
    app = PostedMessages()
    bridge = Bridge(app)
    threads = [threading.Thread(target=lambda n=n: [bridge.queue_event(f"/storm/{n}-{i}", "created")
                                                      for i in range(2_500)]) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [type(m) for m in app.messages] == [TreeEventsWaiting]
    events = bridge.take_events()
    assert len(events) == 10_000 and set(events.values()) == {"created"}
    assert bridge.take_events() == {}


def test_the_latest_kind_of_a_path_wins_and_the_next_event_announces_itself():
    app = PostedMessages()
    bridge = Bridge(app)
    bridge.queue_event("/a", "created")
    bridge.queue_event("/a", "deleted")
    assert bridge.take_events() == {"/a": "deleted"}
    bridge.queue_event("/b", "changed")
    assert len(app.messages) == 2
    assert bridge.take_events() == {"/b": "changed"}
