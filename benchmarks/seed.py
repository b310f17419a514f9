"""Seeding the server fast: async multi-op transactions, 1,000 operations each, 10 in flight.

One create per round trip would take minutes for 110,100 nodes; a multi carries 1,000 creates in one
request and one transaction log entry, so seeding takes seconds (as in tests/test_tui.py's 100k parent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

OPS_PER_MULTI = 1_000
MULTIS_IN_FLIGHT = 10

BENCH_ROOT = "/bench"
FANOUT = (100, 100, 10)  # /bench/a{0..99}/b{0..99}/c{0..9}


def bench_paths(root: str = BENCH_ROOT) -> Iterator[str]:
    """Parents before children, level by level: a multi may only create under nodes that exist."""
    a, b, c = FANOUT
    yield from (f"{root}/a{i}" for i in range(a))
    yield from (f"{root}/a{i}/b{j}" for i in range(a) for j in range(b))
    yield from (f"{root}/a{i}/b{j}/c{k}" for i in range(a) for j in range(b) for k in range(c))


def bench_node_count() -> int:
    a, b, c = FANOUT
    return 1 + a + a * b + a * b * c  # the root too: 110,101 nodes, 110,100 below /bench


def small_json(path: str) -> bytes:
    return json.dumps({"name": path.rsplit("/", 1)[1], "owner": "bench", "weight": len(path)}).encode()


def in_multis(client, paths: Iterable[str], add_op: Callable) -> int:
    """Run add_op(transaction, path) for every path in multis; raise on the first failed operation."""
    done = 0
    batch: list[str] = []
    pending = []

    def commit(batch: list[str]) -> None:
        transaction = client.transaction()
        for path in batch:
            add_op(transaction, path)
        pending.append(transaction.commit_async())

    def drain() -> None:
        for result in pending:
            failures = [r for r in result.get(timeout=120) if isinstance(r, Exception)]
            if failures:
                raise RuntimeError(f"seeding failed: {failures[:3]}")
        pending.clear()

    # Whole levels first: a multi may only create under parents committed before it.
    for path in paths:
        batch.append(path)
        if len(batch) == OPS_PER_MULTI:
            commit(batch)
            done += len(batch)
            batch = []
            if len(pending) == MULTIS_IN_FLIGHT:
                drain()
    if batch:
        commit(batch)
        done += len(batch)
    drain()
    return done


def seed_bench_tree(client, root: str = BENCH_ROOT) -> int:
    """Create root and the 110,100 nodes below it (small JSON data each); return the node count."""
    if client.exists(root):
        delete_tree(client, root)
    client.create(root, b'{"bench": true}')
    created = 1
    a, b, _ = FANOUT
    paths = list(bench_paths(root))
    levels = (paths[:a], paths[a : a + a * b], paths[a + a * b :])
    for level in levels:  # level by level: each level's parents are committed before its children's multis
        created += in_multis(client, level, lambda tx, p: tx.create(p, small_json(p)))
    return created


def seed_children(client, parent: str, count: int, prefix: str = "c") -> list[str]:
    """parent with `count` empty children named prefix000000, prefix000001, ..."""
    client.ensure_path(parent)
    paths = [f"{parent}/{prefix}{n:06d}" for n in range(count)]
    in_multis(client, paths, lambda tx, p: tx.create(p, b""))
    return paths


def delete_tree(client, root: str) -> None:
    """Delete a subtree deepest level first, in multis."""
    from zktui.core.walk import walk

    levels: dict[int, list[str]] = {}
    for entry in walk(client, root):
        levels.setdefault(entry.depth, []).append(entry.path)
    for depth in sorted(levels, reverse=True):
        in_multis(client, levels[depth], lambda tx, p: tx.delete(p))
