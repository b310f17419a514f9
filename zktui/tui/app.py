"""The Textual TUI: the znode tree beside the selected node's stat, ACL and data, and the command prompt.

All ZooKeeper I/O runs in thread workers; results and kazoo's callbacks arrive as messages.
"""

from __future__ import annotations

import gc
import shlex
import threading

from kazoo.exceptions import KazooException, NoAuthError, NoNodeError
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from zktui.commands.engine import Engine, load_handlers, redact
from zktui.commands.parser import UsageError
from zktui.commands.registry import CommandError
from zktui.core.escape import inert
from zktui.core.paths import parent as parent_of
from zktui.core.priority import Foreground
from zktui.core.session import ConnectOptions, ConnState
from zktui.live.tracker import PINNED_RECIPE
from zktui.tui.bridge import Bridge
from zktui.tui.messages import (
    CommandFinished,
    ConnectionChanged,
    DiscoveryProgress,
    EngineNote,
    EnsemblePolled,
    LiveChanged,
    NodeLoaded,
    Resync,
    TreeEventsWaiting,
)
from zktui.tui.providers import ZkCommands
from zktui.tui.widgets.live_panel import LivePanel, recipe_lines
from zktui.tui.widgets.node_panes import DataPane, StatPane
from zktui.tui.widgets.prompt import CommandPrompt, OutputLog
from zktui.tui.widgets.status_bar import StatusBar
from zktui.tui.widgets.znode_tree import ZnodeTree

# Events arrive in bursts (a deploy registering 500 members): gather them, then re-read each parent once.
COALESCE_SECONDS = 0.15
ENSEMBLE_POLL_SECONDS = 2.0


# What the bridge and the workers post (see post_message).
FROM_THE_SERVER = (ConnectionChanged, TreeEventsWaiting, Resync, NodeLoaded, CommandFinished, EngineNote, DiscoveryProgress,
                   EnsemblePolled, LiveChanged)
def _pinned_path(output) -> str | None:
    """`members --pin PATH` ran: the group's path, for the live panel to follow."""
    data = output.data
    if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("recipe") == PINNED_RECIPE:
        return data[0].get("path")
    return None


LAB_KEYS = (
    ("K", "kill-leader", "Kill leader"),
    ("W", "kill-worker", "Kill worker"),
    ("A", "add-workers 2", "Add workers"),
    ("H", "heal", "Heal"),
)


class ZkTuiApp(App):
    TITLE = "zktui"
    CSS_PATH = "zktui.tcss"
    COMMANDS = App.COMMANDS | {ZkCommands}
    BINDINGS = [
        Binding("colon", "focus_prompt", "Command", key_display=":"),
        Binding("escape", "focus_tree", "Tree", show=False),
        Binding("e", "edit", "Edit"),
        Binding("E", "edit_external", "Edit in $EDITOR", show=False),
        Binding("n", "new_child", "New"),
        Binding("d", "delete", "Delete"),
        Binding("v", "cycle_view", "View"),
        Binding("L", "toggle_live", "Live"),
        Binding("p", "pin_group", "Pin group", show=False),
        Binding("slash", "find", "Find", key_display="/"),
        Binding("g", "goto", "Go to"),
        Binding("y", "copy_path", "Copy path"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, options: ConnectOptions, engine: Engine | None = None, autoconnect: bool = True,
                 persistent_watches: bool = True, lab=None) -> None:
        """`autoconnect=False` leaves the connection to the caller (snapshot tests feed messages instead);
        `persistent_watches=False` uses the one-shot watches meant for servers before 3.6."""
        super().__init__()
        self.autoconnect = autoconnect
        self.persistent_watches = persistent_watches
        load_handlers()
        self.options = options
        self.engine = engine or Engine(options, lab=lab)
        if self.engine.lab is not None:  # the demo: its failover drills one key away, shown in the footer
            for key, action, description in LAB_KEYS:
                self.bind(key, f"lab('{action}')", description=description)
        self.engine.notify = lambda text: self.post_message(EngineNote(text))
        self.engine.progress = lambda text: self.post_message(EngineNote(text, progress=True))
        self.engine.confirm = self._confirm_from_worker
        self.bridge = Bridge(self)
        self.selected: str | None = None
        self._flush_scheduled = False
        # True: a persistent recursive watch on "/" (ZooKeeper 3.6+); False: one-shot watches per read;
        # None until the connect worker knows (reads meanwhile arm nothing: the root is read again then).
        self.live_tree: bool | None = None
        self._completion_cache: dict[str, list[str]] = {}  # dropped on any tree event below
        self._poller = None
        self._last_snapshot = None
        self.tracker = None
        self.discovery_done = False
        self.discovery_cancel = threading.Event()
        self.foreground = Foreground()  # reads a person waits for; background walks pause for them

    # ----- layout -----

    def compose(self) -> ComposeResult:
        yield StatusBar(self.options.hosts, self.options.read_only, id="status")
        with Horizontal(id="main"):
            yield ZnodeTree(id="tree")
            with Vertical(id="details"):
                yield StatPane(id="stat")
                yield DataPane(id="data")
                yield LivePanel(id="live")
        yield OutputLog(id="log")
        yield CommandPrompt(id="prompt")
        yield Footer()

    @property
    def tree(self) -> ZnodeTree:
        return self.query_one(ZnodeTree)

    @property
    def log_view(self) -> OutputLog:
        return self.query_one(OutputLog)

    def on_mount(self) -> None:
        prompt = self.query_one(CommandPrompt)
        prompt.children_of = self.children_for_completion
        prompt.on_candidates = lambda names: self.log_view.note("  ".join(names[:60]))
        self.tree.focus()
        self.set_interval(5, self._refresh_ages)
        if self.autoconnect:
            self.connect()

    def post_message(self, message: Message) -> bool:
        """Once quitting, news from kazoo's threads and the workers has nowhere to go: the widgets that
        would show it are being removed, and a handler finding none would end in a traceback."""
        if self._exit and isinstance(message, FROM_THE_SERVER):
            return False
        return super().post_message(message)

    # ----- connection -----

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def connect(self) -> None:
        try:
            session = self.engine.connect(self.options)
        except CommandError as exc:
            self.post_message(EngineNote(f"zktui: connect: {exc.reason}"))
            return
        self.bridge.attach(session)
        self.post_message(ConnectionChanged(session.current()))
        self.live_tree = self.persistent_watches and self.bridge.watch_tree("/")
        if self.persistent_watches and not self.live_tree:
            self.post_message(EngineNote("this server has no persistent watches (ZooKeeper < 3.6): "
                                         "the tree follows changes of expanded nodes only"))
        self.call_from_thread(self._load_root)
        self.call_from_thread(self.poll_ensemble)
        self.call_from_thread(self.track_recipes)

    def _load_root(self) -> None:
        self.tree.root.expand()  # its NodeExpanded lists the root once (a second listing would rebuild it)
        self.select_path("/")

    # ----- the live panel: one ensemble poll at a time, rescheduled when it ends -----

    @work(thread=True, exclusive=True, group="ensemble", exit_on_error=False)
    def poll_ensemble(self) -> None:
        from zktui.live.ensemble import EnsemblePoller

        try:
            if self._poller is None:
                self._poller = EnsemblePoller(self.options.servers, dict(self.options.admin_ports) or None,
                                              client=self.engine.client)
            snapshot, events = self._poller.poll_and_diff(self._last_snapshot)
        except Exception as exc:  # a failed poll must not stop the next one
            self.post_message(EngineNote(f"ensemble poll failed: {inert(str(exc))}"))
            self.post_message(EnsemblePolled(None))
            return
        self._last_snapshot = snapshot
        self.engine.timeline.extend(events)
        self.post_message(EnsemblePolled(snapshot))

    @work(thread=True, exclusive=True, group="discovery", exit_on_error=False)
    def track_recipes(self) -> None:
        """Discover locks, elections and groups (a background walk with progress), then follow them by watches."""
        from zktui.live.tracker import LiveTracker

        self.tracker = LiveTracker(self.engine.client, on_change=lambda events: self.post_message(LiveChanged(events)))
        self.tracker.start("/", cancel=self.discovery_cancel,
                           progress=lambda count: self.post_message(DiscoveryProgress(count)),
                           yield_to=self.foreground)
        # What is alive now (modules, widgets, what discovery keeps) lives as long as the app: exempt it from
        # the cyclic collector, whose full passes over it held the GIL for 60-190 ms at a time, frames
        # included (benchmark 3's worst key presses). Reference counting still frees what is dropped;
        # shutdown() unfreezes. Once per process: a later app (tests run many) would freeze the leftovers
        # of the earlier ones for good.
        if gc.get_freeze_count() == 0:
            gc.freeze()
        self.post_message(LiveChanged([]))

    def on_discovery_progress(self, message: DiscoveryProgress) -> None:
        if not self.discovery_done:  # a late progress note must not hide the recipes found
            self.query_one(LivePanel).show_discovery(message.nodes_read)

    def on_live_changed(self, message: LiveChanged) -> None:
        self.discovery_done = True
        self.engine.timeline.extend(message.events)
        tracker = self.tracker
        if tracker is None:
            return
        panel = self.query_one(LivePanel)
        panel.show_recipes(recipe_lines(tracker.locks(), tracker.elections(), tracker.members()))
        panel.show_timeline(self.engine.timeline.events())

    def on_ensemble_polled(self, message: EnsemblePolled) -> None:
        panel = self.query_one(LivePanel)
        if message.snapshot is not None:
            panel.show_ensemble(message.snapshot)
            if self.tracker is not None:
                self.tracker.set_sessions(message.snapshot.directory())
        panel.show_timeline(self.engine.timeline.events())
        self.set_timer(ENSEMBLE_POLL_SECONDS, self.poll_ensemble)

    def one_shot_child_watch(self):
        """Without a persistent watch, each listing read arms a one-shot child watch (called in workers)."""
        if self.live_tree is not False:
            return None
        return lambda event: self.bridge.queue_event(event.path, "children")

    def one_shot_data_watch(self):
        if self.live_tree is not False:
            return None
        return lambda event: self.bridge.queue_event(event.path, "changed" if event.type != "DELETED"
                                                     else "deleted")

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.query_one(StatusBar).show(message.change)
        self.query_one(LivePanel).show_timeline(self.engine.timeline.events())
        state = message.change.state
        if state in (ConnState.SUSPENDED, ConnState.LOST):
            self.log_view.note(f"connection {state.value}: the view stays; it catches up on reconnect")
        elif state in (ConnState.CONNECTED, ConnState.READ_ONLY) and message.change.server:
            self.log_view.note(f"connected to {inert(message.change.server)}")

    def on_resync(self, message: Resync) -> None:
        self.log_view.note(message.reason)
        self.notify(message.reason, title="resync")
        for path in list(self.tree.names_of):
            self.tree.refresh_children(path)
        if self.selected:
            self.load_node(self.selected)

    # ----- live events -----

    def on_tree_events_waiting(self, message: TreeEventsWaiting) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(COALESCE_SECONDS, self._flush_events)

    def _flush_events(self) -> None:
        self._flush_scheduled = False
        events = self.bridge.take_events()
        self._completion_cache.clear()
        stale: set[str] = set()
        reload_selected = False  # once per flush: a storm of 20,000 creates under it is one re-read, not 20,000
        tree = self.tree  # a DOM query each time: once, not once per event of a 20,000-event storm
        for path, kind in events.items():
            stale |= tree.apply_event(path, kind)
            if kind == "deleted" and path == self.selected:
                self.select_path(parent_of(path))
            elif path == self.selected or (kind in ("created", "deleted") and parent_of(path) == self.selected):
                reload_selected = True
        if reload_selected and self.selected is not None:
            self.load_node(self.selected)
        for path in stale:
            tree.refresh_children(path)

    # ----- selection -----

    def on_tree_node_highlighted(self, event: ZnodeTree.NodeHighlighted) -> None:
        path = self.tree.path_of_cursor()
        if path is not None and path != self.selected:
            self.select_path(path)

    def select_path(self, path: str) -> None:
        self.selected = path
        self.engine.cwd = path
        self.query_one(CommandPrompt).cwd = path
        self.load_node(path)

    @work(thread=True, exclusive=True, group="node", exit_on_error=False)
    def load_node(self, path: str) -> None:
        if self.engine.session is None:  # not connected yet: the connect worker selects the root when it is
            return
        with self.foreground.working():  # the discovery walk waits meanwhile
            self._read_node(path)

    def _read_node(self, path: str) -> None:
        client = self.engine.client
        # All three in flight together: one round trip, not three, behind whatever else the connection carries.
        exists = client.exists_async(path)
        got = client.get_async(path, watch=self.one_shot_data_watch())
        acl_read = client.get_acls_async(path)
        try:
            stat = exists.get()
            if stat is None:
                self.post_message(NodeLoaded(path, None, None, None, error="this node no longer exists"))
                return
            try:
                data, stat = got.get()
                acl, _ = acl_read.get()
            except NoAuthError:
                self.post_message(NodeLoaded(path, None, stat, None, locked=True))
                return
        except NoNodeError:
            self.post_message(NodeLoaded(path, None, None, None, error="this node no longer exists"))
            return
        except KazooException as exc:
            self.post_message(NodeLoaded(path, None, None, None, error=f"cannot read it now: {type(exc).__name__}"))
            return
        self.post_message(NodeLoaded(path, data or b"", stat, tuple(acl)))

    def _refresh_ages(self) -> None:
        """ctime/mtime ages ("3m ago") keep moving without a server read."""
        last = getattr(self, "last_node", None)
        if last is not None and last.path == self.selected:
            self.query_one(StatPane).show(last.path, last.stat, last.acl, last.locked, last.error)

    def on_node_loaded(self, message: NodeLoaded) -> None:
        if message.path != self.selected:
            return
        self.last_node = message
        self.query_one(StatPane).show(message.path, message.stat, message.acl, message.locked, message.error)
        self.query_one(DataPane).show(message.data)
        self.tree.update_stat(message.path, message.stat)
        self.tree.mark_locked(message.path, message.locked)
        self.node_version = message.stat.version if message.stat else None
        self.node_data = message.data

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: a line in the log, never a crash of the whole screen."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            reason = error.reason if isinstance(error, CommandError) else f"{type(error).__name__}: {error}"
            self.log_view.error(f"zktui: {event.worker.group}: {inert(reason)}")

    # ----- the prompt -----

    def children_for_completion(self, parent: str) -> list[str] | None:
        """Children the tree has loaded, else ones read for completion; unknown ones are read in a worker
        and the completion runs again when they arrive (typing never waits on the network)."""
        names = self.tree.names_of.get(parent)
        if names is None:
            names = self._completion_cache.get(parent)
        if names is None:
            self.read_for_completion(parent)
        return names

    @work(thread=True, exclusive=True, group="complete", exit_on_error=False)
    def read_for_completion(self, parent: str) -> None:
        try:
            names = sorted(self.engine.client.get_children(parent))
        except (KazooException, CommandError):
            return
        self._completion_cache[parent] = names
        self.call_from_thread(self.query_one(CommandPrompt).action_complete)

    def action_focus_prompt(self) -> None:
        self.query_one(CommandPrompt).focus()

    def action_focus_tree(self) -> None:
        self.tree.focus()

    @on(CommandPrompt.Submitted)
    def run_prompt_line(self, message: CommandPrompt.Submitted) -> None:
        self.log_view.command(f"{inert(self.engine.cwd)}> ", inert(redact(message.line)))  # no addauth secret
        self.run_command(message.line)

    @work(thread=True, group="command", exit_on_error=False)
    def run_command(self, line: str) -> None:
        try:
            with self.foreground.working():
                output = self.engine.run(line)
        except UsageError as exc:
            self.post_message(CommandFinished(line, "", f"zktui: {exc.command or line.split()[0]}: {exc.message}"))
            return
        except CommandError as exc:
            self.post_message(CommandFinished(line, "", f"zktui: {exc.command}: {exc.reason}"))
            return
        self.post_message(CommandFinished(line, output.text, None, pinned=_pinned_path(output)))

    def on_command_finished(self, message: CommandFinished) -> None:
        if message.error:
            self.log_view.error(message.error)
        else:
            self.log_view.output(message.text)
        if self.engine.quit_requested:
            self.exit()
        if not message.error and message.line.split()[:1] == ["addauth"]:
            self.reread_locked()
        if not message.error and message.pinned is not None:
            self.pin_group(message.pinned)
        if self.engine.cwd != self.selected and self.engine.session is not None:
            self.go_to(self.engine.cwd)

    def reread_locked(self) -> None:
        """After addauth: what was locked may be readable now."""
        for path in self.tree.unlock_all():
            self.tree.load_children(path, 0)
        if self.selected is not None:
            self.load_node(self.selected)

    def on_engine_note(self, message: EngineNote) -> None:
        self.log_view.note(message.text)

    def _confirm_from_worker(self, question: str) -> bool:
        """The engine asks from a worker thread; the answer comes from a modal on the UI thread."""
        from zktui.tui.screens.confirm import ConfirmScreen

        answered = threading.Event()
        answer: list[bool] = [False]

        def ask() -> None:
            def done(result: bool | None) -> None:
                answer[0] = bool(result)
                answered.set()

            self.push_screen(ConfirmScreen(question, danger=True), callback=done)

        self.call_from_thread(ask)
        answered.wait()
        return answer[0]

    # ----- navigation -----

    def go_to(self, path: str) -> None:
        """Expand the tree down to path, loading each level as it goes, and select it."""
        self.tree.reveal(path)

    # ----- actions on nodes (screens in zktui/tui/screens) -----

    def action_cycle_view(self) -> None:
        view = self.query_one(DataPane).cycle_view()
        self.notify(f"data view: {view}", timeout=1.5)

    def action_lab(self, action: str) -> None:
        line = f"lab {action}"
        self.log_view.command(f"{inert(self.engine.cwd)}> ", line)
        self.run_command(line)

    def action_pin_group(self) -> None:
        if self.selected is not None:
            self.pin_group(self.selected)

    @work(thread=True, group="pin", exit_on_error=False)
    def pin_group(self, path: str) -> None:
        """Follow path as a membership group in the live panel (e.g. `/servers`, empty or not)."""
        tracker = self.tracker
        if tracker is None or not self.discovery_done:
            self.post_message(EngineNote(f"pin {inert(path)}: wait until the live panel has found the recipes"))
            return
        tracker.pin(path)
        self.post_message(EngineNote(f"pinned {inert(path)}: its ephemeral children are members in the live panel"))
        self.post_message(LiveChanged([]))

    def action_toggle_live(self) -> None:
        """The live panel alone in the right column, or back below the selected node."""
        self.query_one("#details").toggle_class("-live-only")

    def action_copy_path(self) -> None:
        if self.selected:
            self.copy_to_clipboard(self.selected)
            self.notify(f"copied {inert(self.selected)}", timeout=2)

    def refuse_if_read_only(self, what: str) -> bool:
        if self.options.read_only:
            self.notify(f"{what} refused: zktui is read-only (--read-only)", severity="warning")
            return True
        return False

    def action_edit(self) -> None:
        from zktui.tui.screens.edit import EditScreen

        path, data, version = self.selected, getattr(self, "node_data", None), getattr(self, "node_version", None)
        if path is None or data is None or version is None or self.refuse_if_read_only("edit"):
            return

        def save(new_data: bytes | None) -> None:
            if new_data is not None:
                self.write_data(path, new_data, version)

        self.push_screen(EditScreen(path, data, version), callback=save)

    def action_edit_external(self) -> None:
        """Edit the data in $EDITOR (the screen is suspended meanwhile), then write it with the version read."""
        import os
        import shlex
        import subprocess
        import tempfile

        path, data, version = self.selected, getattr(self, "node_data", None), getattr(self, "node_version", None)
        if path is None or data is None or version is None or self.refuse_if_read_only("edit"):
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("wb", suffix=".txt", prefix="zktui-", delete=False) as f:
            f.write(data)
            temp = f.name
        try:
            with self.suspend():
                subprocess.call([*shlex.split(editor), temp])
            with open(temp, "rb") as f:
                edited = f.read()
        finally:
            os.unlink(temp)
        if edited == data:
            self.notify("unchanged: nothing written", timeout=2)
            return
        self.write_data(path, edited, version)

    @work(thread=True, group="write", exit_on_error=False)
    def write_data(self, path: str, data: bytes, version: int) -> None:
        """set with the version that was read: another client's change in between becomes a conflict."""
        from kazoo.exceptions import BadVersionError

        client = self.engine.client
        try:
            client.set(path, data, version=version)
        except BadVersionError:
            theirs, stat = client.get(path)
            self.call_from_thread(self._show_conflict, path, data, theirs or b"", stat.version, version)
            return
        except KazooException as exc:
            self.post_message(EngineNote(f"zktui: set: {inert(path)}: {type(exc).__name__}"))
            return
        self.post_message(EngineNote(f"saved {inert(path)} (version {version + 1})"))

    def _show_conflict(self, path: str, yours: bytes, theirs: bytes, theirs_version: int, your_version: int):
        from zktui.tui.screens.conflict import ConflictScreen
        from zktui.tui.screens.edit import EditScreen

        def decide(choice: str | None) -> None:
            if choice == "overwrite":
                self.write_data(path, yours, theirs_version)
            elif choice == "edit":
                self.push_screen(EditScreen(path, yours, theirs_version),
                                 callback=lambda new: new is not None and self.write_data(path, new, theirs_version))
            elif choice == "discard":
                self.log_view.note(f"kept the server's version of {inert(path)}; your edit was discarded")
            else:
                self.log_view.note(f"nothing written to {inert(path)}: your edit was not saved (E or e to retry)")

        self.push_screen(ConflictScreen(path, yours, theirs, theirs_version, your_version), callback=decide)

    def action_new_child(self) -> None:
        from zktui.tui.screens.new_node import NewNodeScreen

        parent = self.selected
        if parent is None or self.refuse_if_read_only("create"):
            return

        def create(request) -> None:
            if request is not None:
                line = request.command_line(parent)
                self.log_view.command(f"{inert(self.engine.cwd)}> ", inert(line))
                self.run_command(line)

        self.push_screen(NewNodeScreen(parent), callback=create)

    def action_delete(self) -> None:
        path = self.selected
        if path is None or path == "/" or self.refuse_if_read_only("delete"):
            return
        self.count_and_confirm_delete(path)

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def count_and_confirm_delete(self, path: str) -> None:
        from zktui.core import protocol

        try:
            below = protocol.get_all_children_number(self.engine.client, path)
        except KazooException as exc:
            self.post_message(EngineNote(f"zktui: delete: {inert(path)}: {type(exc).__name__}"))
            return
        self.call_from_thread(self._confirm_delete, path, below)

    def _confirm_delete(self, path: str, below: int) -> None:
        from zktui.tui.screens.confirm import ConfirmScreen

        if below:
            question = f"Delete {inert(path)} and the {below:,} nodes below it?"
            detail = "A JSON backup is written first; `import BACKUP PATH --force` restores it."
            line = f"deleteall --yes {shlex.quote(path)}"
        else:
            # The version read: another client's change since then is a conflict, not something deleted unseen.
            version = self.node_version if path == self.selected and self.node_version is not None else None
            guard = f"-v {version} " if version is not None else ""
            question, detail, line = f"Delete {inert(path)}?", "", f"delete {guard}{shlex.quote(path)}"

        def go(confirmed: bool | None) -> None:
            if confirmed:
                self.log_view.command(f"{inert(self.engine.cwd)}> ", inert(line))
                self.run_command(line)

        self.push_screen(ConfirmScreen(question, detail, danger=True, confirm_label="Delete"), callback=go)

    def action_goto(self) -> None:
        from zktui.tui.screens.goto import GotoScreen

        def complete(text: str) -> list[str]:
            head, _, prefix = text.rpartition("/")
            parent = head or "/"
            names = self.tree.names_of.get(parent)
            if names is None:
                self.tree.load_children(parent, 0) if parent in self.tree.by_path else None
                return []
            return [f"{head}/{n}" for n in names if n.startswith(prefix)][:200]

        self.push_screen(GotoScreen(self.selected or "/", complete),
                         callback=lambda path: path and self.go_to(self.engine.path(path)))

    def action_find(self) -> None:
        from zktui.tui.screens.find import FindScreen

        screen = FindScreen(lambda: sorted(self.tree.by_path), lambda text: self.search_server(screen, text))
        self.push_screen(screen, callback=lambda path: path and self.go_to(path))

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def search_server(self, screen, text: str) -> None:
        from zktui.core.walk import walk

        found: list[str] = []
        lowered = text.lower()
        try:
            for count, entry in enumerate(walk(self.engine.client, "/", cancel=self.engine.cancel), 1):
                if lowered in entry.path.lower():
                    found.append(entry.path)
                if count % 2000 == 0:
                    self.call_from_thread(screen.search_progress, count)
        except KazooException as exc:
            self.call_from_thread(screen.search_results, found, f"search stopped: {type(exc).__name__}")
            return
        self.call_from_thread(screen.search_results, found, None)

    def action_help(self) -> None:
        from zktui.commands.help import overview
        from zktui.tui.screens.help import HelpScreen

        keys = [(b.key_display or b.key, b.description) for b in self.BINDINGS if b.description]
        keys += [("j / k", "down / up in the tree"), ("h / l", "collapse / expand"),
                 ("Tab", "complete in the prompt"), ("ctrl+p", "command palette (every command, themes)")]
        self.push_screen(HelpScreen(keys, overview()))

    def shutdown(self) -> None:
        """After the screen closed: stop the background walk and the tracker, then the session."""
        self.discovery_cancel.set()
        if self.tracker is not None:
            self.tracker.stop()
        self.engine.close()
        gc.unfreeze()  # what discovery's end froze is collectable again (tests run many apps in one process)
