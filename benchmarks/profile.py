"""Where the time goes when a target is missed: cProfile across every thread (kazoo reads replies on its
own thread, the TUI loads in workers), merged, top functions by own time.

    python -m benchmarks.profile walk|wide|churn|events HOSTS

Run against a seeded sandbox (e.g. `zktui sandbox up`, then seed it with benchmarks.seed); profiling
slows everything several times over, so read the shares, not the seconds.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import threading
import time


class AllThreads:
    """Profile this thread and every thread started inside the block."""

    def __enter__(self) -> AllThreads:
        self.profiles: list[cProfile.Profile] = []
        main = cProfile.Profile()
        self.profiles.append(main)

        def start_in_thread(frame, event, arg) -> None:
            profile = cProfile.Profile()
            self.profiles.append(profile)
            profile.enable()  # replaces this hook for the rest of the thread's life

        threading.setprofile(start_in_thread)
        main.enable()
        return self

    def __exit__(self, *exc_info) -> None:
        self.profiles[0].disable()
        threading.setprofile(None)

    def top(self, lines: int = 18, main_only: bool = False) -> str:
        """Merged over every thread (waits included: lock acquire, poll), or the main thread's alone (for
        the TUI, its event loop)."""
        stats = pstats.Stats(self.profiles[0])
        for profile in [] if main_only else self.profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran a profiled call
                pass
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("tottime").print_stats(lines)
        return out.getvalue()


def main() -> None:
    what, hosts = sys.argv[1:3]
    from benchmarks import churn, events, tui_start
    from benchmarks.common import connect
    from benchmarks.seed import BENCH_ROOT, delete_tree, seed_children
    from zktui.core.listing import read_children, read_stats
    from zktui.core.session import ConnectOptions, Session
    from zktui.core.walk import walk

    seeder = connect(hosts)
    if what == "wide":
        seed_children(seeder, tui_start.WIDE_PARENT, tui_start.WIDE_CHILDREN)
    started = time.monotonic()
    with AllThreads() as profiler:
        session = Session(ConnectOptions(hosts=hosts))  # inside: kazoo's reader thread is profiled too
        session.start()
        client = session.client  # zktui's client, as the app and the engine have it
        if what == "walk":  # a tenth of the tree
            print(f"walked {sum(1 for _ in walk(client, f'{BENCH_ROOT}/a1'))} nodes")
        elif what == "wide":  # the tree's worker for a 100,000-child parent: listing, sort, 1,000 stats
            names, _ = read_children(client, tui_start.WIDE_PARENT)
            read_stats(client, tui_start.WIDE_PARENT, names[:1000])
        elif what == "churn":
            churn.measure(hosts, runs=1)
        elif what == "events":
            events.measure(hosts, runs=1)
    elapsed = time.monotonic() - started
    if what == "wide":
        delete_tree(seeder, tui_start.WIDE_PARENT)
    for done in (client, seeder):
        done.stop()
        done.close()
    print(f"{elapsed:.1f} s under the profiler; every thread:")
    print(profiler.top())
    if what in ("churn", "events"):
        print("the main thread alone (the app's event loop):")
        print(profiler.top(main_only=True))


if __name__ == "__main__":
    main()
