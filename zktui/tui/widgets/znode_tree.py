"""The znode tree: one level at a time, in pages, kept live by the app's watch events."""

from __future__ import annotations

from dataclasses import dataclass

from kazoo.exceptions import KazooException, NoAuthError, NoNodeError
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from zktui.core.escape import inert_name
from zktui.core.listing import read_children, read_stats
from zktui.core.paths import basename, join, parent, sequence_number
from zktui.tui.messages import ChildInfo, ChildrenLoaded

PAGE_SIZE = 1000
FLASH_SECONDS = 1.5


@dataclass
class ZNode:
    """What a tree node stands for: a znode, or the "more children" row of a paged parent."""

    path: str
    stat: object = None
    locked: bool = False
    more_of: str | None = None  # set on the "… N more" row: the parent whose next page it loads
    loaded: bool = False  # children read at least once
    changed: bool = False  # flashed after a change


def plan_window(displayed: list[str], wanted: list[str]) -> tuple[list[str], list[tuple[str, str | None]]]:
    """How to turn the displayed children into `wanted` without rebuilding: (remove, [(add, before-name)])."""
    wanted_set = set(wanted)
    remove = [name for name in displayed if name not in wanted_set]
    kept = [name for name in displayed if name in wanted_set]
    additions: list[tuple[str, str | None]] = []
    kept_set = set(kept)
    next_kept = iter(kept)
    upcoming = next(next_kept, None)
    for name in wanted:
        if name in kept_set:
            if name == upcoming:
                upcoming = next(next_kept, None)
            continue
        additions.append((name, upcoming))
    return remove, additions


class ZnodeTree(Tree[ZNode]):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("l", "expand_or_down", "Expand", show=False),
        Binding("h", "collapse_or_up", "Collapse", show=False),
    ]

    def __init__(self, root_label: str = "/", **kwargs) -> None:
        super().__init__(root_label, data=ZNode("/"), **kwargs)
        self.show_root = True
        self.guide_depth = 3
        self.by_path: dict[str, TreeNode[ZNode]] = {"/": self.root}
        self.names_of: dict[str, list[str]] = {}  # the full sorted listing of each loaded parent
        self.shown_of: dict[str, int] = {}  # how many of them are on screen (pages)
        self.reveal_target: str | None = None  # a path being opened level by level (go to, cd)
        # One re-read per parent at a time: events during it ask for one more, not one each. Under a
        # storm, overlapping re-reads of a growing 20,000-child listing piled up and fell behind.
        self._refreshing: set[str] = set()
        self._refresh_again: set[str] = set()

    # ----- vim-style moves -----

    def action_expand_or_down(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        else:
            self.action_cursor_down()

    def action_collapse_or_up(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    # ----- loading -----

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[ZNode]) -> None:
        znode = event.node.data
        connected = self.app.engine.session is not None
        if connected and znode is not None and znode.more_of is None and not znode.loaded:
            self.load_children(znode.path, 0)

    def on_tree_node_selected(self, event: Tree.NodeSelected[ZNode]) -> None:
        znode = event.node.data
        if znode is not None and znode.more_of is not None:
            self.load_children(znode.more_of, self.shown_of.get(znode.more_of, 0))

    def refresh_children(self, path: str) -> None:
        """Re-read a loaded parent (after an event) and patch what is shown."""
        if path not in self.names_of:
            return
        if path in self._refreshing:
            self._refresh_again.add(path)
            return
        self._refreshing.add(path)
        self.load_children(path, -1, self.shown_of.get(path, 0), frozenset(self._displayed(path)))

    def _refresh_done(self, path: str) -> None:
        self._refreshing.discard(path)
        if path in self._refresh_again:
            self._refresh_again.discard(path)
            self.refresh_children(path)

    @work(thread=True, group="tree-load", exit_on_error=False)
    def load_children(self, path: str, offset: int, shown: int = 0, known: frozenset = frozenset()) -> None:
        """Read a page of children (offset -1: re-read the `shown` first ones) and post ChildrenLoaded.

        Runs in a worker thread: it touches no widget state, only what it was given. A re-read always ends
        with a message, `failed` when it could not be done: refresh_children runs one re-read per parent at
        a time, and one that ended silently (a stat read timing out) left that parent never re-read again."""
        message = None
        try:
            with self.app.foreground.working():  # the discovery walk waits meanwhile
                message = self._read_children(path, offset, shown, known)
        except KazooException:
            pass  # connection trouble: the reconnect's resync reads everything again
        finally:
            if message is None and offset < 0:
                message = ChildrenLoaded(path, (), 0, offset, None, failed=True)
            if message is not None:
                self.post_message(message)

    def _read_children(self, path: str, offset: int, shown: int, known: frozenset) -> ChildrenLoaded | None:
        client = self.app.engine.client
        try:
            names, stat = read_children(client, path, watch=self.app.one_shot_child_watch())
        except NoAuthError:
            return ChildrenLoaded(path, (), 0, offset, None, locked=True)
        except NoNodeError:
            return None
        if offset < 0:
            window = names[: max(shown, min(len(names), PAGE_SIZE))]
            wanted = [n for n in window if n not in known]
            stats = read_stats(client, path, wanted)
            infos = tuple(ChildInfo(n, s) for n, s in zip(wanted, stats, strict=True))
            return ChildrenLoaded(path, infos, len(names), -1, stat, names=tuple(names), window=tuple(window))
        page = names[offset : offset + PAGE_SIZE]
        stats = read_stats(client, path, page)
        infos = tuple(ChildInfo(n, s) for n, s in zip(page, stats, strict=True))
        return ChildrenLoaded(path, infos, len(names), offset, stat, names=tuple(names))

    def _displayed(self, path: str) -> list[str]:
        node = self.by_path.get(path)
        if node is None:
            return []
        return [basename(c.data.path) for c in node.children if c.data is not None and c.data.more_of is None]

    def on_children_loaded(self, message: ChildrenLoaded) -> None:
        message.stop()
        if message.offset < 0:
            self.call_later(self._refresh_done, message.path)  # after this listing is applied
        node = self.by_path.get(message.path)
        if node is None or message.failed:
            return
        znode = node.data
        znode.loaded = True
        if message.locked:
            znode.locked = True
            node.set_label(self._label(znode))
            return
        if message.stat is not None:
            znode.stat = message.stat
            node.set_label(self._label(znode))
        names = message.names
        self.names_of[message.path] = list(names)
        infos = {info.name: info for info in message.children}
        if message.offset < 0:
            remove, additions = plan_window(self._displayed(message.path), list(message.window))
            for name in remove:
                self._remove(join(message.path, name))
            for name, before in additions:
                anchor = self.by_path.get(join(message.path, before)) if before else None
                self._add(node, name, infos.get(name), before=anchor)
            shown = len(message.window)
        else:
            if message.offset == 0:
                for child in list(node.children):
                    self._forget(child)
                node.remove_children()
            else:
                self._drop_more_row(node)
            for info in message.children:
                self._add(node, info.name, info)
            shown = message.offset + len(message.children)
        self.shown_of[message.path] = shown
        self._drop_more_row(node)
        self.call_after_refresh(self._advance_reveal)
        if message.total > shown:
            more = node.add_leaf(Text(f"… {message.total - shown:,} more (Enter loads the next {PAGE_SIZE:,})",
                                      style="italic dim"), data=ZNode(message.path + "/…", more_of=message.path))
            more.allow_expand = False

    def _add(self, parent_node: TreeNode[ZNode], name: str, info: ChildInfo | None, before=None) -> None:
        path = join(parent_node.data.path, name)
        znode = ZNode(path, stat=info.stat if info else None)
        has_children = bool(znode.stat and znode.stat.numChildren)
        if before is not None:
            child = parent_node.add(self._label(znode), data=znode, before=before, allow_expand=has_children)
        else:
            child = parent_node.add(self._label(znode), data=znode, allow_expand=has_children)
        self.by_path[path] = child

    def _drop_more_row(self, node: TreeNode[ZNode]) -> None:
        for child in list(node.children):
            if child.data is not None and child.data.more_of is not None:
                child.remove()

    def _forget(self, node: TreeNode[ZNode]) -> None:
        for child in node.children:
            self._forget(child)
        if node.data is not None:
            self.by_path.pop(node.data.path, None)
            self.names_of.pop(node.data.path, None)
            self.shown_of.pop(node.data.path, None)

    def _remove(self, path: str) -> None:
        node = self.by_path.get(path)
        if node is None or node is self.root:
            return
        self._forget(node)
        node.remove()

    # ----- go to a path -----

    def reveal(self, path: str) -> None:
        self.reveal_target = path
        self._advance_reveal()

    def _advance_reveal(self) -> None:
        """One step towards reveal_target: select it, or expand the deepest shown ancestor and wait."""
        target = self.reveal_target
        if target is None:
            return
        deepest = target
        while deepest not in self.by_path:
            deepest = parent(deepest)
        node = self.by_path[deepest]
        if deepest == target:
            self.reveal_target = None
            self.move_cursor(node)
            self.scroll_to_node(node)
            return
        if node.data.loaded:
            self.reveal_target = None
            self.app.notify(f"{inert_name(target)} is not shown (gone, or beyond the loaded pages)",
                            severity="warning")
            return
        if node.is_expanded:
            self.load_children(deepest, 0)
        else:
            node.expand()  # its NodeExpanded loads the children, whose arrival calls us again

    # ----- live updates -----

    def apply_event(self, path: str, kind: str) -> set[str]:
        """Apply a watch event to what is shown; return the parents whose listing must be re-read."""
        stale: set[str] = set()
        if kind in ("created", "deleted") and path != "/":
            if parent(path) in self.names_of:
                stale.add(parent(path))
            if kind == "deleted":
                self._remove(path)
        if kind == "children" and path in self.names_of:
            stale.add(path)
        if kind == "changed" and path in self.by_path:
            self.flash(path)
        return stale

    def flash(self, path: str) -> None:
        node = self.by_path.get(path)
        if node is None or node.data is None:
            return
        node.data.changed = True
        node.set_label(self._label(node.data))

        def unflash() -> None:
            if node.data is not None and self.by_path.get(path) is node:
                node.data.changed = False
                node.set_label(self._label(node.data))

        self.set_timer(FLASH_SECONDS, unflash)

    def update_stat(self, path: str, stat) -> None:
        node = self.by_path.get(path)
        if node is None or node.data is None or stat is None:
            return
        node.data.stat = stat
        node.allow_expand = bool(stat.numChildren) or node.data.loaded and bool(node.children)
        node.set_label(self._label(node.data))

    def mark_locked(self, path: str, locked: bool) -> None:
        """What a read of the node itself learnt: a leaf is only found locked that way."""
        node = self.by_path.get(path)
        if node is None or node.data is None or node.data.locked == locked:
            return
        node.data.locked = locked
        node.set_label(self._label(node.data))

    def unlock_all(self) -> list[str]:
        """Forget which nodes were locked (new credentials); return those whose children to list again."""
        relist = []
        for path, node in self.by_path.items():
            if node.data is not None and node.data.locked:
                node.data.locked = False
                node.set_label(self._label(node.data))
                if node.is_expanded:
                    node.data.loaded = False
                    relist.append(path)
        return relist

    def reset(self) -> None:
        """Forget everything below the root (a new session): the caller reloads."""
        for child in list(self.root.children):
            self._forget(child)
        self.root.remove_children()
        self.names_of.clear()
        self.shown_of.clear()
        self._refreshing.clear()  # a re-read still in flight lands on nothing: by_path no longer has it
        self._refresh_again.clear()
        self.by_path = {"/": self.root}
        self.root.data.loaded = False

    # ----- labels -----

    def _label(self, znode: ZNode) -> Text:
        name = "/" if znode.path == "/" else inert_name(basename(znode.path))
        label = Text(name, style="bold reverse" if znode.changed else "")
        stat = znode.stat
        if znode.locked:
            label.append(" 🔒", style="yellow")
        if stat is not None:
            owner = stat.ephemeralOwner & 0xFFFFFFFFFFFFFFFF
            if owner:
                label.append(f" ◆eph 0x{owner:x}", style="magenta")
            if sequence_number(basename(znode.path)) is not None:
                label.append(" #seq", style="cyan")
            if stat.numChildren:
                label.append(f" ({stat.numChildren:,})", style="dim")
        return label

    def path_of_cursor(self) -> str | None:
        node = self.cursor_node
        if node is None or node.data is None or node.data.more_of is not None:
            return None
        return node.data.path
