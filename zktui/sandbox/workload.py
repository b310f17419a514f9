"""One participant of the demo's workload, run as its own process with its own ZooKeeper session.

    python -m zktui.sandbox.workload ROLE NAME HOSTS

Roles are what real services do on ZooKeeper, through kazoo's recipes, so what zktui shows of them is what
it would show of any client:

- service:   registers `/services/<service>/<instance>` (ephemeral, JSON host/port/started) and stays;
- worker:    registers under `/services/workers`, then loops taking the kazoo Lock `/locks/jobs`,
             holding it 1 to 4 s;
- reader / writer: the ReadLock / WriteLock pair on `/locks/config`;
- leaser:    takes one of the two leases of the Semaphore `/locks/pool`;
- candidate: runs in the kazoo Election `/election/scheduler`, leading for 5 to 15 s at a time.

A participant runs until it is killed (the lab's `kill-worker` does that: its session then lives on until
the leader expires it, and only then does its lock pass on) or its parent dies (see zktui.sandbox.process).
"""

from __future__ import annotations

import json
import random
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, LockTimeout

SERVICES = "/services"
WORKERS = "/services/workers"
JOBS_LOCK = "/locks/jobs"
CONFIG_LOCK = "/locks/config"
POOL = "/locks/pool"
POOL_LEASES = 2
ELECTION = "/election/scheduler"
SESSION_TIMEOUT = 6.0  # short, so a killed worker's lock passes on within seconds
ROLES = ("service", "worker", "reader", "writer", "leaser", "candidate")


class Registration:
    """An ephemeral node kept registered: made again when a new session (after an expiry) lost it."""

    def __init__(self, client: KazooClient, path: str, name: str, port: int | None = None) -> None:
        self.client, self.path = client, path
        self.payload = json.dumps({"host": name, "port": port, "started": int(time.time() * 1000)}).encode()
        self.ensure()

    def ensure(self) -> None:
        if self.client.exists(self.path) is None:
            self.client.create(self.path, self.payload, ephemeral=True, makepath=True)


def run_service(client: KazooClient, name: str) -> None:
    """`api-2` registers as /services/api/api-2."""
    service = name.rsplit("-", 1)[0]
    registration = Registration(client, f"{SERVICES}/{service}/{name}", name, 8000 + random.randrange(1000))
    _forever(registration.ensure, lambda: time.sleep(2.0))


def run_worker(client: KazooClient, name: str) -> None:
    registration = Registration(client, f"{WORKERS}/{name}", name)
    lock = client.Lock(JOBS_LOCK, identifier=name)

    def job() -> None:
        registration.ensure()
        with lock:
            time.sleep(random.uniform(1.0, 4.0))  # the job: holding is the point
        time.sleep(random.uniform(0.5, 2.0))

    _forever(job)


def run_reader(client: KazooClient, name: str) -> None:
    _cycle(client.ReadLock(CONFIG_LOCK, identifier=name), hold=(2.0, 5.0), pause=(0.5, 1.5))


def run_writer(client: KazooClient, name: str) -> None:
    _cycle(client.WriteLock(CONFIG_LOCK, identifier=name), hold=(1.0, 2.0), pause=(4.0, 8.0))


def run_leaser(client: KazooClient, name: str) -> None:
    _cycle(client.Semaphore(POOL, identifier=name, max_leases=POOL_LEASES), hold=(2.0, 6.0), pause=(0.5, 2.0))


def run_candidate(client: KazooClient, name: str) -> None:
    election = client.Election(ELECTION, identifier=name)

    def term() -> None:
        election.run(lambda: time.sleep(random.uniform(5.0, 15.0)))  # returns when leadership ends
        time.sleep(random.uniform(0.5, 1.5))

    _forever(term)


def _cycle(recipe, hold: tuple[float, float], pause: tuple[float, float]) -> None:
    def once() -> None:
        try:
            if recipe.acquire(timeout=30):
                time.sleep(random.uniform(*hold))
                recipe.release()
        except LockTimeout:
            pass
        time.sleep(random.uniform(*pause))

    _forever(once)


def _forever(step, then=lambda: None) -> None:
    """Run step again and again; a failover's ConnectionLoss or SessionExpired costs one round, not the
    participant (kazoo reconnects by itself, with a new session after an expiry)."""
    while True:
        try:
            step()
        except KazooException as exc:
            print(f"{type(exc).__name__}: retrying", file=sys.stderr, flush=True)
            time.sleep(1.0)
        then()


RUNNERS = {
    "service": run_service, "worker": run_worker, "reader": run_reader, "writer": run_writer,
    "leaser": run_leaser, "candidate": run_candidate,
}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in RUNNERS:
        print(f"usage: python -m zktui.sandbox.workload {{{','.join(ROLES)}}} NAME HOSTS", file=sys.stderr)
        return 2
    role, name, hosts = argv
    client = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT)
    client.start(timeout=60)
    print(f"{role} {name}: session 0x{client.client_id[0]:x}", flush=True)
    RUNNERS[role](client, name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
