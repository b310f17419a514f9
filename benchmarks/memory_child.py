"""4. Memory, in a process of its own: `python -m benchmarks.memory_child index|dict HOSTS ROOT`. Prints JSON."""

from __future__ import annotations

import gc
import json
import os
import sys


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    holder, hosts, root = sys.argv[1:4]
    from benchmarks.common import connect
    from zktui.core.tree_index import TreeIndex
    from zktui.core.walk import walk

    client = connect(hosts)
    client.get_children(root)  # every import, buffer and thread the walk needs exists before the baseline
    gc.collect()
    before = resident_bytes()
    if holder == "index":
        held = TreeIndex.build(client, root)
    else:
        held = {entry.path: entry.stat for entry in walk(client, root)}
    gc.collect()
    after = resident_bytes()
    print(json.dumps({"holder": holder, "nodes": len(held), "bytes": after - before}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
