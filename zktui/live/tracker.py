"""Locks, elections and groups kept live: who holds, who waits, who joined or left, and since when.

Threads. `start` and `pin` do blocking I/O in the caller's thread (run them in a worker). Watch events
arrive on kazoo's callback thread, where only a set of dirty parents is updated: no I/O there. The
tracker's own worker thread waits DEBOUNCE_S after the first event of a burst, then `flush()` re-reads
each dirty parent once, re-detects and reports transitions to `on_change` (called on that worker thread).
An internal thread rather than the caller's timer keeps the tracker usable from the shell and from tests.

Watches. One persistent recursive watch per tracked parent (nested parents share their ancestor's watch),
so the server keeps a handful of registrations, not one per contender. Beyond ROOT_WATCH_THRESHOLD
parents a single recursive watch on the discovery root is cheaper to register and re-add after every
reconnect; events for untracked paths are then dropped on arrival. After any reconnect each watch sends
RESYNC (events may have been missed, or the session is new): everything is discovered again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from zktui.core.paths import is_under, parent
from zktui.core.priority import Foreground
from zktui.core.protocol import add_watch, remove_watches
from zktui.core.watches import REMOVED, RESYNC
from zktui.live import shapes
from zktui.live.discovery import discover, read_listing
from zktui.live.layout import ParentListing
from zktui.live.model import Contender, Recipe
from zktui.live.recipes import detect_all
from zktui.live.timeline import TimelineEvent

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.1
ROOT_WATCH_THRESHOLD = 32
HANDOVERS_KEPT = 20  # per lock: enough to see a pattern, bounded however busy the lock is
LOCK_KINDS = ("lock", "rwlock", "semaphore")
ELECTION_KINDS = ("election", "leader-node")
PINNED_RECIPE = "pinned group"
ZOMBIE_WARNING = "⚠ zombie: its session is on no server (the node stays until the session expires)"


class ClientLookup(Protocol):
    def client_of(self, session_id: int) -> str | None: ...

    def is_zombie(self, session_id: int, node_ctime_ms: int) -> bool: ...


ChangeListener = Callable[[list[TimelineEvent]], None]


@dataclass(frozen=True)
class EntryView:
    """A holder, waiter or member as readers see it. `since` is epoch ms: for holders when we saw them take
    the recipe (`since_observed`) or, for holders already there when we looked, their node's ctime."""

    node: str
    seq: int | None
    session: str
    client: str | None
    since: int
    since_observed: bool = False
    held_ms: int | None = None
    waited_ms: int | None = None
    role: str | None = None
    zombie: bool = False
    identity: str | None = None  # what the node's data says about its client (decode_identity)  # its session is on no server: the node stays until the leader expires the session

    def to_json(self, ages: bool = True) -> dict[str, Any]:
        shape: dict[str, Any] = {"node": self.node, "seq": self.seq, "session": self.session,
                                 "client": self.client, "since": self.since}
        for key in ("held_ms", "waited_ms", "role") if ages else ("role",):
            if getattr(self, key) is not None:
                shape[key] = getattr(self, key)
        if self.identity is not None:
            shape["identity"] = self.identity
        if self.zombie:
            shape["zombie"] = True
        return shape


@dataclass(frozen=True)
class Handover:
    """A lock or leadership passing from some holders to others (either side may be empty)."""

    at_ms: int
    previous: tuple[str, ...]  # node names
    current: tuple[str, ...]
    held_ms: int | None  # how long the longest previous holder held it, when known
    previous_labels: tuple[str, ...] = ()  # the same holders as people know them (see contender_label)
    current_labels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at_ms, "from": list(self.previous), "to": list(self.current), "held_ms": self.held_ms}


@dataclass(frozen=True)
class RecipeView:
    path: str
    kind: str
    recipe: str
    holders: tuple[EntryView, ...] = ()
    waiters: tuple[EntryView, ...] = ()
    members: tuple[EntryView, ...] = ()
    handovers: tuple[Handover, ...] = ()
    max_leases: int | None = None

    def to_json(self, ages: bool = True) -> dict[str, Any]:
        """`Recipe.to_json()`'s shape with clients filled in; `ages` adds held_ms/waited_ms and handovers."""
        if self.kind == "membership":
            return {"path": self.path, "recipe": self.recipe,
                    "members": [_member_json(member) for member in self.members]}
        shape: dict[str, Any] = {"path": self.path, "recipe": self.recipe,
                                 "holders": [holder.to_json(ages) for holder in self.holders],
                                 "waiters": [waiter.to_json(ages) for waiter in self.waiters]}
        if self.kind == "semaphore":
            shape["max_leases"] = self.max_leases
        if ages and self.handovers:
            shape["handovers"] = [handover.to_json() for handover in self.handovers]
        return shape


def contender_label(contender: Contender) -> str:
    """`worker-3 (#12)` when the node's data names its client, else the node's name."""
    if contender.identity and contender.seq is not None:
        return f"{contender.identity} (#{contender.seq})"
    return contender.identity or contender.node


def _member_json(member: EntryView) -> dict[str, Any]:
    shape: dict[str, Any] = {"node": member.node, "session": member.session, "client": member.client,
                             "since": member.since}
    if member.identity is not None:
        shape["identity"] = member.identity
    if member.zombie:
        shape["zombie"] = True
    return shape


def recipe_view(
    recipe: Recipe,
    now_ms: int,
    sessions: ClientLookup | None = None,
    holder_since: Mapping[str, tuple[int, bool]] | None = None,
    handovers: Iterable[Handover] = (),
) -> RecipeView:
    """A recipe for readers. Holders not in `holder_since` (node -> (epoch ms, observed)) count from ctime.
    `sessions` (a SessionDirectory) gives each owner's client address and whether it is a zombie."""
    holder_since = holder_since or {}

    def client_of(session: int) -> str | None:
        return sessions.client_of(session) if sessions is not None and session else None

    def zombie(contender: Contender) -> bool:
        return bool(sessions is not None and contender.session
                    and sessions.is_zombie(contender.session, contender.ctime_ms))

    def entry(contender: Contender, holding: bool = False, waiting: bool = False) -> EntryView:
        since, observed = holder_since.get(contender.node, (contender.ctime_ms, False)) if holding else (
            contender.ctime_ms, False)
        age = max(0, now_ms - since)
        return EntryView(contender.node, contender.seq, contender.session_hex,
                         client_of(contender.session), since, observed,
                         held_ms=age if holding else None, waited_ms=age if waiting else None,
                         role=contender.role, zombie=zombie(contender), identity=contender.identity)

    return RecipeView(
        recipe.path, recipe.kind, recipe.recipe,
        holders=tuple(entry(holder, holding=True) for holder in recipe.holders),
        waiters=tuple(entry(waiter, waiting=True) for waiter in recipe.waiters),
        members=tuple(entry(member) for member in recipe.members),
        handovers=tuple(handovers),
        max_leases=recipe.max_leases,
    )


class LiveTracker:
    """The recipes under a root (plus pinned paths), kept up to date from persistent watches."""

    def __init__(
        self,
        client,
        on_change: ChangeListener | None = None,
        sessions: ClientLookup | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._on_change = on_change
        self._sessions = sessions
        self._clock = clock
        self._root = "/"
        self._yield_to: Foreground | None = None
        self._state_lock = threading.Lock()  # listings, recipes, since, history: swapped together
        self._listings: dict[str, ParentListing] = {}
        self._recipes: dict[str, Recipe] = {}
        self._holder_since: dict[str, dict[str, tuple[int, bool]]] = {}  # recipe path -> node -> since
        self._handovers: dict[str, deque[Handover]] = {}
        self._pinned: frozenset[str] = frozenset()
        # Read without a lock on kazoo's thread: replaced whole, never mutated.
        self._tracked: frozenset[str] = frozenset()
        self._watched: set[str] = set()
        self._pending_lock = threading.Lock()
        # Parent -> the children whose events came (re-read only those), or None: re-read every child.
        self._dirty: dict[str, set[str] | None] = {}
        self._resync = False
        self._flush_lock = threading.Lock()  # one flush at a time: the worker's or a caller's
        self._wakeup = threading.Event()
        self._stopped = threading.Event()
        self._worker: threading.Thread | None = None
        self._handler = self._on_event  # one object, so overlapping watches deliver each event once
        self.last_error: BaseException | None = None

    # ----- lifecycle (caller's worker thread) -----

    def start(self, root: str = "/", cancel: threading.Event | None = None,
              progress: Callable[[int], None] | None = None, yield_to: Foreground | None = None) -> None:
        """Discover the recipes under root, then watch them. Blocking: call from a worker thread.

        `yield_to`: discovery walks (this one and those after a reconnect) pause for foreground reads."""
        self._root = root
        self._yield_to = yield_to
        listings = {listing.path: listing for listing in discover(self._client, root, cancel, progress, yield_to)}
        for path in self._pinned:
            listings[path] = read_listing(self._client, path)
        self._apply(listings, discovered=True, report=False)
        self._arm_watches()
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="zktui-live-tracker", daemon=True)
            self._worker.start()
        # Whatever changed between the walk and the watches being armed is picked up by a first re-read.
        self._mark_dirty(set(self._tracked))

    def pin(self, path: str) -> None:
        """Track path as a group even when it is empty or does not exist yet (e.g. `/servers`). Blocking."""
        with self._state_lock:
            self._pinned = self._pinned | {path}
        self._apply({path: read_listing(self._client, path)}, discovered=True, report=False)
        self._arm_watches()

    def stop(self) -> None:
        """Stop the worker and remove the watches this tracker added (blocking I/O)."""
        self._stopped.set()
        self._wakeup.set()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=5)
        for path in sorted(self._watched):
            try:
                remove_watches(self._client, path, "any")
            except Exception as exc:  # the session may be gone already; the server then dropped them
                log.debug("removing watch on %s failed: %r", path, exc)
        self._watched.clear()

    def set_sessions(self, sessions: ClientLookup | None) -> None:
        """Use a fresher session directory (e.g. from the ensemble poller) for client addresses."""
        self._sessions = sessions

    # ----- snapshots (any thread) -----

    def locks(self) -> tuple[RecipeView, ...]:
        return self._views(LOCK_KINDS)

    def elections(self) -> tuple[RecipeView, ...]:
        return self._views(ELECTION_KINDS)

    def members(self) -> tuple[RecipeView, ...]:
        return self._views(("membership",))

    def handovers(self, path: str) -> tuple[Handover, ...]:
        with self._state_lock:
            return tuple(self._handovers.get(path, ()))

    # ----- events -----

    def flush(self) -> list[TimelineEvent]:
        """Re-read every dirty parent once (or everything after a RESYNC) and report what changed."""
        with self._flush_lock:
            with self._pending_lock:
                dirty, self._dirty = self._dirty, {}
                resync, self._resync = self._resync, False
            if resync:
                listings = {listing.path: listing
                            for listing in discover(self._client, self._root, yield_to=self._yield_to)}
                # Parents tracked before but without recipe children now read as empty: their recipe ended.
                for path in self._tracked - listings.keys():
                    listings[path] = read_listing(self._client, path) if path in self._pinned else \
                        ParentListing(path, ())
                events = self._apply(listings, discovered=True, report=True)
                self._arm_watches()
            elif dirty:
                # A group churning 2,000 times a second is re-read ten times a second: only the members
                # that came or changed are read again, the others are taken from the last listing.
                events = self._apply({path: read_listing(self._client, path,
                                                         known=None if changed is None else self._listings.get(path),
                                                         changed=changed or ())
                                      for path, changed in sorted(dirty.items())},
                                     discovered=False, report=True)
            else:
                return []
        if events and self._on_change is not None:
            self._on_change(events)
        return events

    def _on_event(self, event) -> None:
        """kazoo's callback thread: note what to re-read, wake the worker, nothing else."""
        if event.type in (RESYNC, REMOVED):
            if event.type == REMOVED:
                self._watched.discard(event.path)  # re-armed by the rediscovery
            with self._pending_lock:
                self._resync = True
        else:
            tracked = self._tracked
            event_parent = parent(event.path)
            if event.path not in tracked and event_parent not in tracked:
                return
            with self._pending_lock:
                if event.path in tracked:  # its own data: read it all again
                    self._dirty[event.path] = None
                if event_parent in tracked:  # one child came, went or changed
                    changed = self._dirty.setdefault(event_parent, set())
                    if changed is not None:
                        changed.add(event.path.rsplit("/", 1)[1])
        self._wakeup.set()

    def _mark_dirty(self, paths: set[str]) -> None:
        """Re-read every child of these parents at the next flush."""
        with self._pending_lock:
            self._dirty.update(dict.fromkeys(paths))
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wakeup.wait()
            if self._stopped.wait(DEBOUNCE_S):  # let the rest of a burst arrive; then read once
                return
            self._wakeup.clear()
            try:
                self.flush()
            except Exception as exc:  # connection trouble: the reconnect's RESYNC reads everything again
                self.last_error = exc
                log.warning("live tracker: re-reading failed: %r", exc)

    def _arm_watches(self) -> None:
        tracked = sorted(self._tracked)
        wanted = [self._root] if len(tracked) > ROOT_WATCH_THRESHOLD else tracked
        for path in wanted + sorted(self._pinned):
            if any(is_under(path, watched) for watched in set(self._watched)):
                continue
            add_watch(self._client, path, self._handler, recursive=True)
            self._watched.add(path)

    # ----- state -----

    def _views(self, kinds: tuple[str, ...]) -> tuple[RecipeView, ...]:
        now_ms = int(self._clock() * 1000)
        with self._state_lock:
            return tuple(
                recipe_view(recipe, now_ms, self._sessions, self._holder_since.get(path),
                            self._handovers.get(path, ()))
                for path, recipe in sorted(self._recipes.items()) if recipe.kind in kinds
            )

    def _client_of(self, session: int) -> str | None:
        sessions = self._sessions
        return sessions.client_of(session) if sessions is not None else None

    def _apply(self, updated: dict[str, ParentListing], discovered: bool, report: bool) -> list[TimelineEvent]:
        """Swap in re-read listings, re-detect, keep since/history, and return the transitions."""
        now_ms = int(self._clock() * 1000)
        with self._state_lock:
            listings = {**self._listings, **updated}
            recipes = self._detect(listings)
            events: list[TimelineEvent] = []
            for path in sorted(self._recipes.keys() | recipes.keys()):
                events += self._transitions(self._recipes.get(path), recipes.get(path), now_ms, discovered,
                                            report)
            self._listings, self._recipes = listings, recipes
            self._tracked = frozenset(listings) | self._pinned
        return events if report else []

    def _detect(self, listings: Mapping[str, ParentListing]) -> dict[str, Recipe]:
        recipes = {recipe.path: recipe for recipe in detect_all(listings.values())}
        for path in self._pinned:
            if path not in recipes and path in listings:
                members = [child for child in listings[path].children if child.ephemeral]
                recipes[path] = shapes.membership(path, PINNED_RECIPE, members)
        return recipes

    def _transitions(self, old: Recipe | None, new: Recipe | None, now_ms: int, discovered: bool,
                     report: bool) -> list[TimelineEvent]:
        kind = (new or old).kind  # type: ignore[union-attr]
        path = (new or old).path  # type: ignore[union-attr]
        if kind == "membership":
            return self._member_changes(path, old, new, now_ms)
        if kind in LOCK_KINDS + ELECTION_KINDS:
            return self._holder_changes(path, kind, old, new, now_ms, discovered, report)
        return []

    def _member_changes(self, path: str, old: Recipe | None, new: Recipe | None,
                        now_ms: int) -> list[TimelineEvent]:
        before = {member.node: member for member in (old.members if old else ())}
        after = {member.node: member for member in (new.members if new else ())}
        events = [self._event(now_ms, "member-joined", f"{path}: member {node} joined", path, after[node])
                  for node in after.keys() - before.keys()]
        events += [self._event(now_ms, "member-left", f"{path}: member {node} left", path, before[node])
                   for node in before.keys() - after.keys()]
        return sorted(events, key=lambda event: event.data["node"])

    def _holder_changes(self, path: str, kind: str, old: Recipe | None, new: Recipe | None, now_ms: int,
                        discovered: bool, report: bool) -> list[TimelineEvent]:
        noun = "leadership" if kind in ELECTION_KINDS else "lock"
        before = {holder.node: holder for holder in (old.holders if old else ())}
        after = {holder.node: holder for holder in (new.holders if new else ())}
        since = self._holder_since.setdefault(path, {})
        gone, came = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
        held = [now_ms - since[node][0] for node in gone if node in since]
        for node in gone:
            since.pop(node, None)
        for node in came:
            # Seen taking it now, unless we only just looked: then all we know is when its node was created.
            since[node] = (after[node].ctime_ms, False) if discovered else (now_ms, True)
        events = self._waiter_changes(path, old, new, set(after), now_ms)
        if not report or (not gone and not came):
            return events  # a first look is a starting point, not a handover
        handover = Handover(now_ms, tuple(gone), tuple(came), max(held) if held else None,
                            tuple(contender_label(before[node]) for node in gone),
                            tuple(contender_label(after[node]) for node in came))
        self._handovers.setdefault(path, deque(maxlen=HANDOVERS_KEPT)).append(handover)
        data = {"path": path, "recipe": (new or old).recipe,  # type: ignore[union-attr]
                "from": [self._who(before[node]) for node in gone],
                "to": [self._who(after[node]) for node in came], "held_ms": handover.held_ms}
        if gone and came:
            text = (f"{path}: {noun} passed from {', '.join(handover.previous_labels)} "
                    f"to {', '.join(handover.current_labels)}")
            kind_name = f"{noun}-handover"
        elif came:
            text, kind_name = f"{path}: {noun} taken by {', '.join(handover.current_labels)}", f"{noun}-acquired"
        else:
            text, kind_name = f"{path}: {noun} released by {', '.join(handover.previous_labels)}", f"{noun}-released"
        if held:
            text += f" after {max(held) / 1000:.1f}s"
        return [TimelineEvent(now_ms / 1000, kind_name, text, data), *events]

    def _waiter_changes(self, path: str, old: Recipe | None, new: Recipe | None, holders: set[str],
                        now_ms: int) -> list[TimelineEvent]:
        before = {waiter.node: waiter for waiter in (old.waiters if old else ())}
        after = {waiter.node: waiter for waiter in (new.waiters if new else ())}
        events = [self._event(now_ms, "waiter-added", f"{path}: {contender_label(after[node])} waits", path,
                              after[node])
                  for node in sorted(after.keys() - before.keys())]
        events += [self._event(now_ms, "waiter-left", f"{path}: {contender_label(before[node])} stopped waiting",
                               path, before[node])
                   for node in sorted(before.keys() - after.keys() - holders)]
        return events

    def _who(self, contender: Contender) -> dict[str, Any]:
        return {"node": contender.node, "session": contender.session_hex,
                "client": self._client_of(contender.session) if contender.session else None}

    def _event(self, now_ms: int, kind: str, text: str, path: str, contender: Contender) -> TimelineEvent:
        who = self._who(contender)
        client = f", client {who['client']}" if who["client"] else ""
        return TimelineEvent(now_ms / 1000, kind, f"{text} (session {who['session']}{client})",
                             {"path": path, **who})
