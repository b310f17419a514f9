"""Faults of the ensemble while zktui runs: a killed server, a killed leader, a server paused for 20 s, every
server down for longer than the session timeout, an expired session, and commands running meanwhile.

These tests break servers, so they share one private 3-server ensemble (module-scoped), never the session
`ensemble` other tests use; every test leaves all of its servers running again.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

from zktui.commands.engine import Engine, load_handlers
from zktui.commands.registry import CommandError
from zktui.core.session import ConnectOptions, ConnState
from zktui.sandbox import Ensemble
from zktui.tui.messages import ConnectionChanged
from zktui.tui.widgets.live_panel import LivePanel
from zktui.tui.widgets.status_bar import StatusBar

from .helpers import wait_until as wait_until_sync
from .tui_helpers import (
    Recorder,
    data_text,
    expand,
    go_to,
    log_text,
    make_app,
    run_app,
    type_command,
    wait_connected,
    wait_until,
)

pytestmark = pytest.mark.failover

# Elections, reconnects and JVM starts on a busy 2-core machine: generous, they only bound a failure.
SLOW = 60.0


@pytest.fixture(scope="module")
def faulty():
    with Ensemble(servers=3, tick_time=500) as running:
        yield running


@pytest.fixture
def healthy(faulty):
    """The ensemble with every server running and a leader; restored after the test, whatever it broke."""
    faulty.wait_for_leader(timeout=SLOW)
    yield faulty
    for myid in faulty.ids:
        if faulty.mode(myid) == "paused":
            faulty.resume(myid)
        if faulty.pid(myid) is None:
            faulty.start(myid, wait=False)
    faulty.wait_serving(faulty.ids, timeout=SLOW)
    faulty.wait_for_leader(timeout=SLOW)


@pytest.fixture
def writer(healthy):
    """Another client, retrying through failovers, writing what the app must notice."""
    client = KazooClient(hosts=healthy.hosts, timeout=10.0,
                         command_retry=KazooRetry(max_tries=-1, max_delay=1.0, deadline=SLOW),
                         connection_retry=KazooRetry(max_tries=-1, max_delay=1.0))
    client.start(timeout=30)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def base(writer):
    path = f"/faults/{uuid.uuid4().hex[:8]}"
    writer.retry(writer.create, f"{path}/a", b"v1", makepath=True)
    writer.retry(writer.create, f"{path}/w")
    writer.retry(writer.create, f"{path}/servers/host-0", ephemeral=True, makepath=True)  # a group for the panel
    return path


def server_of(ensemble: Ensemble, address: str | None) -> int:
    return next(s.myid for s in ensemble.specs if s.address == address)


def status(app) -> StatusBar:
    return app.query_one(StatusBar)


def error_lines(app) -> list[str]:
    """Lines of the log that report a failure to the user (`zktui: <what>: ...`)."""
    return [line for line in log_text(app).splitlines() if line.startswith("zktui:")]


async def in_thread(function, *args):
    """A blocking sandbox or kazoo call without freezing the app's event loop."""
    return await asyncio.to_thread(function, *args)


def states(recorder_states: list[ConnState]) -> Recorder:
    return Recorder(also=lambda m: isinstance(m, ConnectionChanged) and recorder_states.append(m.change.state))


async def arm_watches(pilot, base: str) -> None:
    """A one-shot data watch (`get -w`) and a persistent recursive one (`addWatch`), from the prompt."""
    await type_command(pilot, f"get -w {base}/a")
    await wait_until(pilot, lambda: "v1" in log_text(pilot.app), "get -w's output")
    await type_command(pilot, f"addWatch {base}/w")
    await pilot.press("escape")


async def prove_watches_and_view_live(pilot, writer: KazooClient, base: str, tag: str, session_lived: bool) -> None:
    """Another client's writes reach every watch: the tree's, the data pane's, the live panel's, get -w's and
    addWatch's.

    get -w's one-shot watch outlives a reconnect within the session and fires once, at the first of these
    writes (the Java client's SetWatches); a new session ends it, and the log says so."""
    app = pilot.app
    await in_thread(writer.retry, writer.create, f"{base}/{tag}")
    await wait_until(pilot, lambda: f"{base}/{tag}" in app.tree.by_path, f"{base}/{tag} in the tree", SLOW)
    await in_thread(writer.retry, writer.set, f"{base}/a", f"after {tag}".encode())
    await wait_until(pilot, lambda: data_text(app).strip() == f"after {tag}", "the data pane updated", SLOW)
    await in_thread(lambda: writer.retry(writer.create, f"{base}/servers/{tag}", ephemeral=True))
    await wait_until(pilot, lambda: panel_shows_member(app, base, tag), f"{tag} joining in the live panel", SLOW)
    if session_lived:
        fired = f"type:NodeDataChanged path:{base}/a"
        await wait_until(pilot, lambda: fired in log_text(app), "get -w's watch fired", SLOW)
        assert log_text(app).count(fired) == 1
        assert "one-shot watch (-w) ended" not in log_text(app)
    else:
        await wait_until(pilot, lambda: "one-shot watch (-w) ended with the session" in log_text(app),
                         "get -w's end noted", SLOW)
    await in_thread(writer.retry, writer.create, f"{base}/w/{tag}")
    await wait_until(pilot, lambda: f"type:NodeCreated path:{base}/w/{tag}" in log_text(app),
                     "addWatch's event", SLOW)


def panel_shows_member(app, base: str, member: str) -> bool:
    """The live panel's group for base/servers lists member."""
    lines = [line.plain for line in app.query_one(LivePanel).recipe_lines]
    return any(line.startswith(f"{base}/servers ") for line in lines) and any(member in line for line in lines)


async def open_view(pilot, base: str) -> None:
    await wait_connected(pilot)
    await wait_until(pilot, lambda: panel_shows_member(pilot.app, base, "host-0"), "the group in the live panel",
                     SLOW)
    await go_to(pilot, base)
    await expand(pilot, base)
    await go_to(pilot, f"{base}/a")
    await arm_watches(pilot, base)


# ----- a server dies -----


def test_killing_the_connected_server_keeps_the_view_the_session_and_every_watch(healthy, writer, base):
    seen: list[ConnState] = []
    app = make_app(healthy.hosts)

    async def scenario(pilot):
        await open_view(pilot, base)
        session, server = app.engine.session.session_id, app.engine.session.server
        await in_thread(healthy.kill, server_of(healthy, server))
        await wait_until(pilot, lambda: ConnState.SUSPENDED in seen, "SUSPENDED shown", SLOW)
        await wait_until(pilot, lambda: status(app).state is ConnState.CONNECTED and status(app).server != server,
                         "connected to another server", SLOW)
        assert app.engine.session.session_id == session == status(app).session_id  # the same session
        assert app.selected == f"{base}/a" and f"{base}/w" in app.tree.by_path  # the view stayed
        await prove_watches_and_view_live(pilot, writer, base, "after-kill", session_lived=True)
        assert error_lines(app) == []

    run_app(app, scenario, states(seen))


def test_killing_the_leader_shows_the_state_and_a_command_meanwhile_ends(healthy, writer, base):
    seen: list[ConnState] = []
    app = make_app(healthy.hosts)

    async def scenario(pilot):
        await open_view(pilot, base)
        session = app.engine.session.session_id
        leader = await in_thread(healthy.leader)
        await in_thread(healthy.kill, leader)
        await type_command(pilot, f"ls {base}")  # while the ensemble elects a new leader
        started = asyncio.get_running_loop().time()
        await wait_until(pilot, lambda: "[a, servers, w]" in log_text(app) or error_lines(app), "ls to end", SLOW)
        assert asyncio.get_running_loop().time() - started < 2 * app.options.session_timeout + 5
        assert all("\n" not in line and "Traceback" not in line for line in error_lines(app))
        await wait_until(pilot, lambda: status(app).state is ConnState.CONNECTED and app.engine.session.connected,
                         "connected again", SLOW)
        await in_thread(healthy.wait_for_leader, SLOW, leader)
        assert app.engine.session.session_id == session
        assert app.selected == f"{base}/a"
        await prove_watches_and_view_live(pilot, writer, base, "after-election", session_lived=True)
        assert [line for line in error_lines(app) if not line.startswith("zktui: ls: ")] == []

    run_app(app, scenario, states(seen))


def test_a_server_paused_for_20_s_is_left_for_another_and_rejoins(healthy, writer, base):
    seen: list[ConnState] = []
    app = make_app(healthy.hosts)

    async def scenario(pilot):
        await open_view(pilot, base)
        session, server = app.engine.session.session_id, app.engine.session.server
        paused = server_of(healthy, server)
        await in_thread(healthy.pause, paused)
        paused_at = time.monotonic()
        try:
            # The hung server answers nothing: zktui gives up on it and moves on within the session timeout.
            await wait_until(pilot, lambda: status(app).state is ConnState.CONNECTED and status(app).server != server,
                             "connected to another server", SLOW)
            assert ConnState.SUSPENDED in seen and app.engine.session.session_id == session
            await prove_watches_and_view_live(pilot, writer, base, "during-pause", session_lived=True)
            await wait_until(pilot, lambda: time.monotonic() - paused_at >= 20, "20 s of pause", 30)
        finally:
            healthy.resume(paused)
        await in_thread(healthy.wait_serving, [paused], SLOW)
        await prove_watches_and_view_live(pilot, writer, base, "after-resume", session_lived=True)
        assert app.engine.session.session_id == session and status(app).state is ConnState.CONNECTED
        assert error_lines(app) == []

    run_app(app, scenario, states(seen))


# ----- the whole ensemble down, and an expired session -----


def test_every_server_down_longer_than_the_session_timeout(healthy, writer, base):
    """ZooKeeper keeps sessions across a restart of the whole ensemble (the new leader restores them with
    a fresh timeout): what zktui must do is show the outage, end commands in time, and show afterwards
    exactly what the server has."""
    seen: list[ConnState] = []
    app = make_app(healthy.hosts, session_timeout=4.0)

    async def scenario(pilot):
        await open_view(pilot, base)
        session = app.engine.session.session_id
        await type_command(pilot, f"create -e {base}/mine")
        await wait_until(pilot, lambda: f"Created {base}/mine" in log_text(app), "the ephemeral node created")
        await pilot.press("escape")
        await in_thread(lambda: [healthy.kill(myid) for myid in healthy.ids])
        down_at = time.monotonic()
        await wait_until(pilot, lambda: status(app).state is ConnState.SUSPENDED, "SUSPENDED shown", SLOW)
        await type_command(pilot, f"ls {base}")  # nothing can answer it
        await wait_until(pilot, lambda: any(line.startswith("zktui: ls: ") for line in error_lines(app)),
                         "ls to give up", 2 * app.options.session_timeout + 10)
        assert error_lines(app) == ["zktui: ls: the server did not answer in time (connection SUSPENDED)"]
        assert time.monotonic() - down_at > app.options.session_timeout
        # All along the view stayed as it was.
        assert app.selected == f"{base}/a" and {f"{base}/mine", f"{base}/w"} <= set(app.tree.by_path)
        assert status(app).state is ConnState.SUSPENDED
        await in_thread(lambda: [healthy.start(myid, wait=False) for myid in healthy.ids])
        await in_thread(healthy.wait_serving, healthy.ids, SLOW)
        await wait_until(pilot, lambda: status(app).state is ConnState.CONNECTED, "connected again", SLOW)
        mine_on_server = await in_thread(writer.retry, writer.exists, f"{base}/mine")
        await wait_until(pilot, lambda: (f"{base}/mine" in app.tree.by_path) == (mine_on_server is not None),
                         "the ephemeral node shown as the server has it", SLOW)
        await prove_watches_and_view_live(pilot, writer, base, "after-outage",
                                          session_lived=app.engine.session.session_id == session)
        listed = sorted(await in_thread(writer.retry, writer.get_children, base))
        await wait_until(pilot, lambda: sorted(app.tree.names_of.get(base, [])) == listed, "the listing", SLOW)

    run_app(app, scenario, states(seen))


def test_after_expiry_a_new_session_re_reads_everything_and_old_ephemerals_are_gone(healthy, writer, base):
    app = make_app(healthy.hosts, session_timeout=4.0)

    async def scenario(pilot):
        await open_view(pilot, base)
        await type_command(pilot, f"create -e {base}/mine")
        await wait_until(pilot, lambda: f"{base}/mine" in app.tree.by_path, "the ephemeral node in the tree")
        await pilot.press("escape")
        old = app.engine.session.client.client_id
        # Another connection claiming the session and closing it ends it, as the leader's expiry does.
        await in_thread(expire, healthy.hosts, old)
        await wait_until(pilot, lambda: status(app).state is ConnState.CONNECTED and status(app).session_id
                         not in (None, old[0]), "a new session", SLOW)
        await wait_until(pilot, lambda: "everything was re-read" in log_text(app), "the resync said so", SLOW)
        await wait_until(pilot, lambda: f"{base}/mine" not in app.tree.by_path, "the old ephemeral gone", SLOW)
        assert await in_thread(writer.retry, writer.exists, f"{base}/mine") is None
        await prove_watches_and_view_live(pilot, writer, base, "after-expiry", session_lived=False)
        assert error_lines(app) == []

    run_app(app, scenario)


def expire(hosts: str, client_id: tuple[int, bytes]) -> None:
    thief = KazooClient(hosts=hosts, client_id=client_id, timeout=4.0)
    thief.start(timeout=30)
    thief.stop()
    thief.close()


# ----- long commands during failures -----


@pytest.fixture
def engine(healthy):
    load_handlers()
    running = Engine(ConnectOptions(hosts=healthy.hosts, session_timeout=4.0), confirm=lambda q: True)
    running.connect()
    yield running
    running.close()


def run_in_thread(engine: Engine, line: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def go() -> None:
        started = time.monotonic()
        try:
            outcome["output"] = engine.run(line)
        except CommandError as exc:
            outcome["error"] = str(exc)
        except BaseException as exc:  # noqa: BLE001 - what the test looks for
            outcome["unexpected"] = repr(exc)
        outcome["took"] = time.monotonic() - started

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread, outcome


def test_a_long_find_and_an_export_during_failures_end_in_time(healthy, writer, base, engine, tmp_path):
    paths = [f"{base}/tree/n{i:02d}/m{j:02d}" for i in range(40) for j in range(40)]
    writer.retry(writer.create, f"{base}/tree")
    for i in range(40):
        writer.retry(writer.create, f"{base}/tree/n{i:02d}")
    for start in range(0, len(paths), 400):
        transaction = writer.transaction()
        for path in paths[start : start + 400]:
            transaction.create(path, b"x" * 100)
        transaction.commit()
    limit = 2 * engine.options.session_timeout + 10  # the request timeout, and slack for a busy machine

    # The connected server dies under the commands: they complete, or end with one clear line.
    for round_ in range(2):
        victim = server_of(healthy, engine.session.server)
        running = [run_in_thread(engine, f"find -data nothing-matches {base}"),
                   run_in_thread(engine, f"export {base} {tmp_path / f'out{round_}.json'}")]
        healthy.kill(victim)
        for thread, outcome in running:
            thread.join(limit)
            assert not thread.is_alive(), "a command hung"
            assert "unexpected" not in outcome, outcome
            assert "output" in outcome or "\n" not in outcome["error"], outcome
        healthy.start(victim, wait=False)
        wait_until_sync(lambda: engine.session.connected, SLOW, message="reconnected")
        healthy.wait_serving([victim], SLOW)

    # Every server down: nothing can answer, and every command ends within its timeout with a clear error.
    for myid in healthy.ids:
        healthy.kill(myid)
    running = [run_in_thread(engine, line) for line in
               (f"find -data x {base}", f"export {base} {tmp_path / 'down.json'}", f"ls -R {base}", f"get {base}/a")]
    for thread, outcome in running:
        thread.join(limit)
        assert not thread.is_alive(), "a command hung past its timeout"
        assert outcome.get("error", "").endswith("the server did not answer in time (connection SUSPENDED)"), outcome
        assert outcome["took"] < limit
