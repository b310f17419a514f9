"""SVG snapshots of the TUI with fixed data: no server is involved, so nothing in them varies.

The app is built with `autoconnect=False` and fed the messages its workers and the watch bridge would post
(ConnectionChanged, ChildrenLoaded, NodeLoaded), with fixed stats. "Now" is frozen for the ages ("3d 2h ago")
and the time zone is UTC for the local times. Update with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import gzip
import json
import time
from types import SimpleNamespace

import pytest
from kazoo.protocol.states import ZnodeStat
from kazoo.security import OPEN_ACL_UNSAFE

from zktui.core import statview
from zktui.core.paths import join
from zktui.core.session import ConnectOptions, ConnState, StateChange
from zktui.tui.app import ZkTuiApp
from zktui.tui.messages import ChildInfo, ChildrenLoaded, ConnectionChanged, NodeLoaded

from .tui_helpers import SIZE, wait_until

HOSTS = "zk1.example:2181,zk2.example:2181,zk3.example:2181"
SESSION = 0x1000_0A1B_2C3D_0004
# 2026-01-15 12:00:00 UTC: "now" for every age shown.
NOW = 1_768_478_400.0
EPOCH_MS = int(NOW * 1000)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Ages are computed from statview's time.time(); local times are shown in the TZ zone."""
    monkeypatch.setattr(statview, "time", SimpleNamespace(time=lambda: NOW))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def stat(zxid: int, minutes_ago: int, *, version: int = 0, data: bytes = b"", children: int = 0,
         owner: int = 0, cversion: int = 0) -> ZnodeStat:
    ms = EPOCH_MS - minutes_ago * 60_000
    return ZnodeStat(czxid=zxid, mzxid=zxid + version, ctime=ms, mtime=ms + version * 1000, version=version,
                     cversion=cversion, aversion=0, ephemeralOwner=owner, dataLength=len(data),
                     numChildren=children, pzxid=zxid + cversion)


APP_JSON = json.dumps({"port": 8080, "replicas": 3, "features": ["a", "b"], "owner": {"team": "infra"}}).encode()
BLOB = bytes(range(256))

# The tree: parent -> [(name, stat)], in browsing order.
TREE: dict[str, list[tuple[str, ZnodeStat]]] = {
    "/": [("demo", stat(0x100000002, 4320, children=4, cversion=4)),
          ("zookeeper", stat(0x0, 0, children=2))],
    "/demo": [("config", stat(0x100000003, 4319, children=4, cversion=4)),
              ("locks", stat(0x100000010, 60, children=2, cversion=6)),
              ("queue", stat(0x100000008, 4318, children=3, cversion=3)),
              ("secrets", stat(0x100000020, 30, children=2, cversion=2))],
    "/demo/config": [("app.json", stat(0x100000004, 4319, version=2, data=APP_JSON)),
                     ("blob.bin", stat(0x100000005, 4319, data=BLOB)),
                     ("motd.txt", stat(0x100000006, 4319, data=b"Welcome\n")),
                     ("settings.gz", stat(0x100000007, 4319, data=gzip.compress(b"{}", mtime=0)))],
    "/demo/locks": [("job-lock-0000000004", stat(0x100000014, 2, owner=SESSION)),
                    ("job-lock-0000000005", stat(0x100000015, 1, owner=0x3000_0A1B_2C3D_0007))],
}
DATA = {"/demo/config/app.json": APP_JSON, "/demo/config/blob.bin": BLOB}


def stat_of(path: str) -> ZnodeStat:
    if path == "/":
        return stat(0x0, 0, children=2, cversion=2)
    parent, _, name = path.rpartition("/")
    return dict(TREE[parent or "/"])[name]


def build_app() -> ZkTuiApp:
    return ZkTuiApp(ConnectOptions(hosts=HOSTS), autoconnect=False)


async def connected(pilot) -> None:
    pilot.app.post_message(ConnectionChanged(StateChange(ConnState.CONNECTED, "zk2.example:2181", SESSION,
                                                         new_session=False, at=NOW)))
    await pilot.pause()


async def show_children(pilot, parent: str, locked: bool = False) -> None:
    """Expand `parent` and deliver its listing as the tree's load worker would."""
    app = pilot.app
    tree = app.tree
    tree.by_path[parent].expand()
    if locked:
        message = ChildrenLoaded(parent, (), 0, 0, None, locked=True)
    else:
        entries = TREE[parent]
        message = ChildrenLoaded(parent, tuple(ChildInfo(n, s) for n, s in entries), len(entries), 0,
                                 stat_of(parent), names=tuple(n for n, _ in entries))
    tree.post_message(message)
    await wait_until(pilot, lambda: tree.by_path[parent].data.loaded, f"{parent} listed")


async def select(pilot, path: str, *, data: bytes | None = None, locked: bool = False,
                 acl: tuple = tuple(OPEN_ACL_UNSAFE)) -> None:
    """Move the tree's cursor to path and deliver the node as load_node would."""
    app = pilot.app
    app.tree.move_cursor(app.tree.by_path[path])
    await wait_until(pilot, lambda: app.selected == path, f"{path} selected")
    if locked:
        app.post_message(NodeLoaded(path, None, stat_of(path), None, locked=True))
    else:
        app.post_message(NodeLoaded(path, data if data is not None else DATA.get(path, b""), stat_of(path), acl))
    await wait_until(pilot, lambda: getattr(app, "last_node", None) is not None and app.last_node.path == path,
                     f"{path} shown")


async def demo_tree(pilot) -> None:
    await connected(pilot)
    for parent in ("/", "/demo", "/demo/config"):
        await show_children(pilot, parent)


def test_main_screen_with_a_json_node(snap_compare):
    """The tree down to /demo/config, app.json selected: its stat (zkCli names, zxid epoch/counter, ages)
    and its JSON pretty-printed and highlighted."""

    async def run_before(pilot) -> None:
        await demo_tree(pilot)
        await select(pilot, "/demo/config/app.json")

    assert snap_compare(build_app(), terminal_size=SIZE, run_before=run_before)


def test_hex_view_of_binary_data(snap_compare):
    """blob.bin (bytes 0..255) shown as a hex dump with the ASCII column."""

    async def run_before(pilot) -> None:
        await demo_tree(pilot)
        await select(pilot, "/demo/config/blob.bin")

    assert snap_compare(build_app(), terminal_size=SIZE, run_before=run_before)


def test_locked_node(snap_compare):
    """/demo/secrets has a digest ACL: 🔒 in the tree after trying to expand it, the stat without data,
    the "no READ permission" line; /demo/locks shows ephemeral and sequential children."""

    async def run_before(pilot) -> None:
        await demo_tree(pilot)
        await show_children(pilot, "/demo/locks")
        await show_children(pilot, "/demo/secrets", locked=True)
        await select(pilot, "/demo/secrets", locked=True)

    assert snap_compare(build_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    """`?` over the main screen: the key bindings and the prompt's commands."""

    async def run_before(pilot) -> None:
        await demo_tree(pilot)
        await select(pilot, join("/demo/config", "app.json"))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: len(pilot.app.screen_stack) == 2, "the help screen")

    assert snap_compare(build_app(), terminal_size=SIZE, run_before=run_before)

