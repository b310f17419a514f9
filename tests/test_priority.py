"""Background walks pause while foreground reads are under way (zktui.core.priority)."""

from __future__ import annotations

import threading

from zktui.core.priority import Foreground
from zktui.core.walk import walk


def test_idle_until_something_works_and_again_after_the_last_ends():
    foreground = Foreground()
    assert not foreground.busy and foreground.wait_idle(0)
    with foreground.working():
        with foreground.working():
            assert foreground.busy
        assert foreground.busy and not foreground.wait_idle(0.01)
    assert not foreground.busy and foreground.wait_idle(0)


def test_a_walk_issues_nothing_while_the_foreground_works(zk, base_path):
    for name in ("a", "b", "c"):
        zk.create(f"{base_path}/{name}/x", makepath=True)
    foreground = Foreground()
    walked: list[str] = []
    first = threading.Event()
    done = threading.Event()

    def background() -> None:
        for entry in walk(zk, base_path, yield_to=foreground):
            walked.append(entry.path)
            first.set()
        done.set()

    with foreground.working():
        thread = threading.Thread(target=background)
        thread.start()
        assert not first.wait(0.5)  # held back: not one node read while the foreground works
    assert done.wait(10)
    thread.join()
    assert len(walked) == 7
