"""Load generators, each in a process of its own so their Python work does not share the app's GIL.

`python -m benchmarks.writers churn HOSTS PARENT RATE SECONDS`: membership churn. Members are ephemeral
nodes with their own names (a generic group); each change is a join (create) or a leave (delete of the
oldest), alternating, POOL members present at any time. The changes go out in multis of CHURN_BATCH (as
many as the 2 ms pacing tick sends at 2,000 a second anyway): one Python writer's single requests, each a
quorum commit of its own, top out near 1,400 a second on a 2-core machine that also runs the three
servers, and the watchers still see every join and leave as an event of its own. One line on stdin ("go") runs a round and prints
a JSON line; "quit" ends (members stay alive between rounds: they belong to this process's session).

`python -m benchmarks.writers storm HOSTS PARENT RATE SECONDS`: persistent creates under PARENT.

`python -m benchmarks.writers record HOSTS PARENT 0 0`: not a load but the storm's witness, kept out of
the app's process for the same reason: a zktui session with a recursive watch on `/` notes every CREATED
under PARENT. Each "go" waits until it has seen as many as PARENT has children (at most 30 s), then prints
how many were lost or duplicated and `last_at`, the time.monotonic() of the last event, and starts afresh.

Both pace by the clock: at time t after the start, RATE * t operations have been sent, at most
MAX_IN_FLIGHT unanswered. The JSON line says what was achieved (`ops / seconds`) and `stopped_at`, the
time.monotonic() at which the last reply came: the server's state is final from then on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import deque

from kazoo.client import KazooClient

POOL = 100
MAX_IN_FLIGHT = 2_000
TICK_S = 0.002
STORM_BATCH = 10
CHURN_BATCH = 4


def paced(rate: float, seconds: float, operation) -> dict:
    """Call operation(n) -> async result at `rate` per second for `seconds`; wait for every reply."""
    pending: deque = deque()
    sent = failed = 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(rate * elapsed) - sent
        for _ in range(due):
            pending.append(operation(sent))
            sent += 1
        while pending and (len(pending) > MAX_IN_FLIGHT or pending[0].ready()):
            failed += _wait(pending)
        time.sleep(TICK_S)  # pacing, not synchronisation: the next tick's share is computed from the clock
    while pending:
        failed += _wait(pending)
    stopped = time.monotonic()
    return {"ops": sent, "failed": failed, "seconds": stopped - start, "rate": sent / (stopped - start),
            "stopped_at": stopped}


def _wait(pending: deque) -> int:
    result = pending.popleft()
    result.wait(60)
    if not result.successful():
        return 1
    # A multi that failed is a list of its operations' errors, not a failed result.
    value = result.get_nowait()
    return int(isinstance(value, list) and any(isinstance(part, Exception) for part in value))


def churn(client: KazooClient, parent: str, rate: float, seconds: float) -> None:
    client.ensure_path(parent)
    members: deque[str] = deque()
    counter = [0]

    def join() -> str:
        path = f"{parent}/host-{os.getpid()}-{counter[0]}.bench.example"  # two writers never collide
        counter[0] += 1
        members.append(path)
        return path

    for _ in range(POOL):
        client.create(join(), b'{"host": "bench"}', ephemeral=True)
    print(json.dumps({"ready": True}), flush=True)

    def changes(n: int):
        transaction = client.transaction()
        for k in range(n * CHURN_BATCH, (n + 1) * CHURN_BATCH):
            if k % 2 == 0 or not members:
                transaction.create(join(), b'{"host": "bench"}', ephemeral=True)
            else:
                transaction.delete(members.popleft())
        return transaction.commit_async()

    for line in sys.stdin:
        if line.strip() != "go":
            break
        result = paced(rate / CHURN_BATCH, seconds, changes)
        result.update(ops=result["ops"] * CHURN_BATCH, rate=result["rate"] * CHURN_BATCH)
        print(json.dumps(result), flush=True)


def storm(client: KazooClient, parent: str, rate: float, seconds: float) -> None:
    """Creates in multis of STORM_BATCH: one Python writer cannot send 5,000 single creates a second on a
    small machine, and the server still commits and notifies each created node on its own."""
    client.ensure_path(parent)
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # "go"

    def creates(n: int):
        transaction = client.transaction()
        for k in range(n * STORM_BATCH, (n + 1) * STORM_BATCH):
            transaction.create(f"{parent}/s-{k:07d}", b"{}")
        return transaction.commit_async()

    result = paced(rate / STORM_BATCH, seconds, creates)
    result.update(ops=result["ops"] * STORM_BATCH, rate=result["rate"] * STORM_BATCH)
    print(json.dumps(result), flush=True)


def record(hosts: str, parent: str) -> None:
    from zktui.core.protocol import add_watch
    from zktui.core.session import ConnectOptions, Session

    session = Session(ConnectOptions(hosts=hosts))  # zktui's own client, as the app has
    session.start()
    lock = threading.Lock()
    created: list[str] = []
    last_at = [0.0]

    def on_event(event) -> None:  # kazoo's callback thread
        if event.type == "CREATED" and event.path.startswith(parent + "/"):
            with lock:
                created.append(event.path)
                last_at[0] = time.monotonic()

    add_watch(session.client, "/", on_event, recursive=True)
    print(json.dumps({"ready": True}), flush=True)
    try:
        while sys.stdin.readline().strip() == "go":
            truth = {f"{parent}/{name}" for name in session.client.get_children(parent)}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with lock:
                    if len(created) >= len(truth):
                        break
                time.sleep(0.01)  # a poll with a deadline: the events come on kazoo's thread
            with lock:
                seen, created[:] = list(created), []
                at = last_at[0]
            print(json.dumps({"created": len(truth), "lost": len(truth - set(seen)),
                              "duplicated": len(seen) - len(set(seen)), "last_at": at}), flush=True)
    finally:
        session.stop()


class Writer:
    """The parent's side: spawn a writer, wait until it is ready, run rounds, end it."""

    def __init__(self, mode: str, hosts: str, parent: str, rate: float, seconds: float) -> None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.writers", mode, hosts, parent, str(rate), str(seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
        self._line()  # {"ready": true}

    def _line(self) -> dict:
        line = self.process.stdout.readline()  # the writer answers or exits (EOF): no wait without end
        if not line:
            raise RuntimeError(f"the writer exited with status {self.process.wait(timeout=30)}")
        return json.loads(line)

    def go(self) -> dict:
        """Run one round; returns the achieved figures once every reply came back."""
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return self._line()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
            except BrokenPipeError:  # it ended on its own meanwhile
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def main() -> None:
    mode, hosts, parent, rate, seconds = sys.argv[1:6]
    if mode == "record":
        record(hosts, parent)
        return
    client = KazooClient(hosts=hosts, timeout=30)
    client.start(timeout=30)
    try:
        (churn if mode == "churn" else storm)(client, parent, float(rate), float(seconds))
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    main()
