"""A few znodes of every kind to explore on a fresh sandbox (the demo's starting point)."""

from __future__ import annotations

import gzip
import json

from kazoo.client import KazooClient

SEED_ROOT = "/demo"


def seed(client: KazooClient, root: str = SEED_ROOT) -> list[str]:
    """Create a small, varied tree under root (idempotent); return the paths created."""
    nodes: list[tuple[str, bytes]] = [
        (f"{root}/config/app.json", json.dumps({"port": 8080, "replicas": 3, "features": ["a", "b"]}).encode()),
        (f"{root}/config/motd.txt", "Welcome to the zktui sandbox ✓\n".encode()),
        (f"{root}/config/blob.bin", bytes(range(256))),
        (f"{root}/config/settings.gz", gzip.compress(json.dumps({"compressed": True}).encode())),
        (f"{root}/queue", b""),
    ]
    created = []
    for path, data in nodes:
        if client.exists(path) is None:
            client.create(path, data, makepath=True)
            created.append(path)
    for _ in range(3):
        created.append(client.create(f"{root}/queue/item-", b"job", sequence=True))
    return created
