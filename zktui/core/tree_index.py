"""Every node of a subtree, names and stats, held compactly: one pipelined walk, then lookups and search.

A dict of path -> ZnodeStat costs about 450 resident bytes a node (a path string, a stat namedtuple of
11 ints, the dict entry). Here a node is a row number: its name is an index into a table of distinct
names (sibling trees repeat names: `0`, `config`, `lock-`), its parent a row number, its stat eleven
integers in one array: about 110 bytes a node held, 170 resident after the build (`make bench`, item 4).

Rows are numbered in the walk's breadth-first order, so each parent's children are consecutive rows.
The index is a snapshot: it does not follow the server (build it again, or use it for whole-tree search).
"""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterator

from kazoo.protocol.states import ZnodeStat

from zktui.core.paths import sort_children
from zktui.core.walk import walk

STAT_FIELDS = len(ZnodeStat._fields)  # czxid mzxid ctime mtime version cversion aversion ephemeralOwner ...
LOCKED = 1  # flag: no READ permission, children and stat unknown


class TreeIndex:
    def __init__(self, root: str) -> None:
        self.root = root
        self._names: list[str] = []  # each distinct name once
        self._name_ids: dict[str, int] = {}
        self._name = array("i")  # row -> name id
        self._parent = array("i")  # row -> parent row (-1 for the root)
        self._first_child = array("i")  # row -> first child row (children are consecutive rows)
        self._child_count = array("i")
        self._stats = array("q")  # row -> STAT_FIELDS integers
        self._flags = bytearray()

    @classmethod
    def build(cls, client, root: str = "/", cancel: threading.Event | None = None,
              progress: Callable[[int], None] | None = None) -> TreeIndex:
        """Walk root's subtree (pipelined, see walk.py) into an index. Raises NoNodeError, WalkCancelled."""
        index = cls(root)
        # Parents whose children are still to arrive, in the order the walk will deliver them.
        parents: deque[tuple[str, int]] = deque()
        for entry in walk(client, root, cancel=cancel, progress=progress):
            stat = None if entry.locked else entry.stat
            if entry.path == root:
                row = index._add(root, -1, stat)
            else:
                parent_path, _, name = entry.path.rpartition("/")
                parent_path = parent_path or "/"
                while parents[0][0] != parent_path:  # the rest of that parent's children vanished meanwhile
                    parents.popleft()
                parent_row = parents[0][1]
                row = index._add(name, parent_row, stat)
                if index._child_count[parent_row] == 0:
                    index._first_child[parent_row] = row
                index._child_count[parent_row] += 1
            if entry.children:
                parents.append((entry.path, row))
        return index

    def _add(self, name: str, parent_row: int, stat: ZnodeStat | None) -> int:
        name_id = self._name_ids.get(name)
        if name_id is None:
            name_id = self._name_ids[name] = len(self._names)
            self._names.append(name)
        self._name.append(name_id)
        self._parent.append(parent_row)
        self._first_child.append(0)
        self._child_count.append(0)
        self._stats.extend(ZERO_STAT if stat is None else stat)
        self._flags.append(LOCKED if stat is None else 0)
        return len(self._name) - 1

    # ----- reading -----

    def __len__(self) -> int:
        return len(self._name)

    def path(self, row: int) -> str:
        names = []
        while row > 0:
            names.append(self._names[self._name[row]])
            row = self._parent[row]
        base = "" if self.root == "/" else self.root
        return base + "/" + "/".join(reversed(names)) if names else self.root

    def stat(self, row: int) -> ZnodeStat | None:
        if self._flags[row] & LOCKED:
            return None
        return ZnodeStat(*self._stats[row * STAT_FIELDS : (row + 1) * STAT_FIELDS])

    def locked(self, row: int) -> bool:
        return bool(self._flags[row] & LOCKED)

    def row_of(self, path: str) -> int | None:
        """The row of a path under the root, or None when the index does not hold it."""
        if path == self.root:
            return 0
        prefix = "" if self.root == "/" else self.root
        if not path.startswith(prefix + "/"):
            return None
        row = 0
        for name in path[len(prefix) + 1 :].split("/"):
            name_id = self._name_ids.get(name)
            if name_id is None:
                return None
            first = self._first_child[row]
            for child in range(first, first + self._child_count[row]):
                if self._name[child] == name_id:
                    row = child
                    break
            else:
                return None
        return row

    def children(self, path: str) -> list[str]:
        """The names below path in browsing order (sequence numbers numerically); [] when unknown."""
        row = self.row_of(path)
        if row is None:
            return []
        first = self._first_child[row]
        return sort_children([self._names[self._name[c]] for c in range(first, first + self._child_count[row])])

    def search(self, text: str) -> Iterator[str]:
        """Paths whose own name contains text (case-insensitive): the distinct names are scanned, not paths."""
        lowered = text.lower()
        wanted = {i for i, name in enumerate(self._names) if lowered in name.lower()}
        if not wanted:
            return
        for row, name_id in enumerate(self._name):
            if row and name_id in wanted:
                yield self.path(row)


ZERO_STAT = array("q", [0] * STAT_FIELDS)
