"""What every measurement shares: results, medians, connecting, waiting with a timeout."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from kazoo.client import KazooClient

RUNS = 5  # the issue: medians of at least 5 runs


@dataclass
class Row:
    """One line of the results table: a figure, what it is compared with, and the verdict."""

    item: str  # "1. walk", ...
    what: str
    figure: str
    target: str = ""
    ratio: str = ""
    verdict: str = ""  # PASS, MISS, or "" for a reference row
    note: str = ""
    raw: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): with 500 samples, p99 is the 5th worst."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def connect(hosts: str, timeout: float = 30.0) -> KazooClient:
    client = KazooClient(hosts=hosts, timeout=timeout)
    client.start(timeout=timeout)
    return client


def wait_for(predicate: Callable[[], object], what: str, timeout: float, interval: float = 0.01) -> float:
    """Poll until predicate() is true; return the seconds it took, or raise TimeoutError."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - start


def say(text: str) -> None:
    print(text, flush=True)


def report_row(row: Row) -> Row:
    """Each measurement prints its figure, the target and PASS/MISS as soon as it has them."""
    verdict_text = f"  [{row.verdict}]" if row.verdict else ""
    target = f"  (target: {row.target})" if row.target else ""
    ratio = f"  {row.ratio}" if row.ratio else ""
    say(f"  {row.item} {row.what}: {row.figure}{ratio}{target}{verdict_text}")
    return row
