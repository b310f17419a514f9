"""Znodes of every kind to explore on a fresh sandbox (the demo's starting point).

Configuration in each encoding zktui decodes (JSON, text, binary, gzip, one value near the 1 MB limit),
sequential, TTL and container nodes, and a subtree only a digest credential can read.
"""

from __future__ import annotations

import gzip
import json
import random

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.security import make_digest_acl

from zktui.core.protocol import create_container, create_ttl

SEED_ROOT = "/demo"
# The credential of the protected subtree; the demo prints it (`addauth digest ops:sandbox` unlocks it).
SECRET_USER, SECRET_PASSWORD = "ops", "sandbox"
NEAR_LIMIT_BYTES = 1_000_000  # the server refuses a request past jute.maxbuffer, 1 MiB by default
TTL_MS = 3_600_000


def seed_ensemble(hosts: str, root: str = SEED_ROOT) -> list[str]:
    """seed() through a connection of its own."""
    client = KazooClient(hosts=hosts)
    client.start(timeout=30)
    try:
        return seed(client, root)
    finally:
        client.stop()
        client.close()


def seed(client: KazooClient, root: str = SEED_ROOT) -> list[str]:
    """Create the tree under root (idempotent where it can be); return the paths created."""
    rng = random.Random(7)  # the same "random" bytes on every run
    nodes: list[tuple[str, bytes]] = [
        (f"{root}/config/app.json", json.dumps({"port": 8080, "replicas": 3, "features": ["a", "b"]}).encode()),
        (f"{root}/config/motd.txt", "Welcome to the zktui sandbox ✓\n".encode()),
        (f"{root}/config/blob.bin", bytes(range(256))),
        (f"{root}/config/settings.gz", gzip.compress(json.dumps({"compressed": True}).encode(), mtime=0)),
        (f"{root}/config/large.bin", rng.randbytes(NEAR_LIMIT_BYTES)),
        (f"{root}/queue", b""),
    ]
    created = []
    for path, data in nodes:
        if client.exists(path) is None:
            client.create(path, data, makepath=True)
            created.append(path)
    for _ in range(3):
        created.append(client.create(f"{root}/queue/item-", b"job", sequence=True))
    created += _ttl_and_container(client, root)
    created += _protected(client, root)
    return created


def _ttl_and_container(client: KazooClient, root: str) -> list[str]:
    """A TTL node (gone an hour after its last change once childless) and a container with a child (the
    server removes a container once its last child goes). Servers without extended types refuse TTLs."""
    created = []
    try:
        if client.exists(f"{root}/cache/session-token") is None:
            client.ensure_path(f"{root}/cache")
            created.append(create_ttl(client, f"{root}/cache/session-token", b"abc123", ttl_ms=TTL_MS))
    except KazooException:
        pass
    if client.exists(f"{root}/batches") is None:
        created.append(create_container(client, f"{root}/batches"))
        created.append(client.create(f"{root}/batches/batch-", b'{"items": 12}', sequence=True))
    return created


def _protected(client: KazooClient, root: str) -> list[str]:
    path = f"{root}/secrets"
    if client.exists(path) is not None:
        return []
    acl = [make_digest_acl(SECRET_USER, SECRET_PASSWORD, all=True)]
    client.create(path, b"", acl=acl)
    client.add_auth("digest", f"{SECRET_USER}:{SECRET_PASSWORD}")
    client.create(f"{path}/db-password", b"correct horse battery staple", acl=acl)
    return [path, f"{path}/db-password"]
