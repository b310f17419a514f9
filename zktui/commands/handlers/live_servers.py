"""The ensemble as a whole: `ensemble` (every server's role and health), `sessions`, `who SESSION`, `timeline`.

Servers are those of the connect string plus, when connected, those `/zookeeper/config` lists.
"""

from __future__ import annotations

from typing import Any

from zktui.commands.registry import CommandError, Output, handles
from zktui.core.escape import inert
from zktui.core.servers import ServerAddress
from zktui.live.ensemble import EnsemblePoller
from zktui.live.sessions import SessionDirectory, collect_ephemerals
from zktui.live.timeline import timeline_of

ENSEMBLE_COLUMNS = ("ADDRESS", "MODE", "ZXID", "EPOCH", "LATENCY", "CONNECTIONS", "OUTSTANDING")
SESSION_COLUMNS = ("SESSION", "CLIENT", "SERVER", "EPHEMERALS")


def poller_for(engine: Any, command: str) -> EnsemblePoller:
    if engine.options is None or not engine.options.servers:
        raise CommandError(command, "no hosts: use connect")
    session = engine.session
    client = session.client if session is not None and session.connected else None
    return EnsemblePoller(engine.options.servers, dict(engine.options.admin_ports), client=client)


@handles("ensemble")
def ensemble(engine: Any, invocation: Any) -> Output:
    snapshot = poller_for(engine, "ensemble").poll_once()
    rows = [
        (state.address, state.mode, _or_dash(state.zxid, "0x{:x}"), _or_dash(state.epoch),
         _or_dash(state.latency_ms, "{:g} ms"), _or_dash(state.connections), _or_dash(state.outstanding))
        for state in snapshot.servers
    ]
    data = [{key: state.to_dict()[key] for key in ("address", "mode", "zxid", "epoch", "latency_ms", "connections")}
            for state in snapshot.servers]
    return Output(inert(_table(ENSEMBLE_COLUMNS, rows), keep_newlines=True), data)


@handles("sessions")
def sessions(engine: Any, invocation: Any) -> Output:
    servers, admin_ports = _servers(engine, "sessions")
    directory = SessionDirectory.collect(servers, admin_ports)
    ephemerals = collect_ephemerals(servers, admin_ports)
    rows, data = [], []
    for info in directory.all():
        owned = None if ephemerals is None else len(ephemerals.get(info.session_id, ()))
        rows.append((info.session_hex, info.client, info.server, _or_dash(owned)))
        data.append({"session": info.session_hex, "client": info.client, "server": info.server,
                     "ephemerals": owned})
    text = _table(SESSION_COLUMNS, rows)
    if not directory.complete:
        text += f"\n(no answer from {', '.join(directory.unanswered)}: its sessions are missing)"
    return Output(inert(text, keep_newlines=True), data)


@handles("who")
def who(engine: Any, invocation: Any) -> Output:
    session_id = parse_session_id(invocation.args["session"])
    servers, admin_ports = _servers(engine, "who")
    directory = SessionDirectory.collect(servers, admin_ports)
    ephemerals = collect_ephemerals(servers, admin_ports)
    owned = None if ephemerals is None else ephemerals.get(session_id, [])
    alive = directory.is_alive(session_id)
    info = directory.info(session_id)
    lines = [f"session 0x{session_id:x}"]
    if info is not None:
        lines += [f"client: {info.client}", f"server: {info.server}"]
        if info.connection.timeout is not None:
            lines.append(f"timeout: {info.connection.timeout} ms")
    elif alive is False:
        lines.append("on no server: the session is gone (expired or closed); its ephemeral nodes are a zombie's "
                     "until the leader expires it" if owned else "on no server: the session is gone")
    else:
        lines.append(f"not on the servers that answered (no answer from {', '.join(directory.unanswered)})")
    if owned is None:
        lines.append("ephemeral nodes: unknown (no server answered dump)")
    else:
        lines.append(f"ephemeral nodes: {len(owned)}")
        lines += [f"  {path}" for path in owned]
    data = {"session": f"0x{session_id:x}", "alive": alive, "client": info.client if info else None,
            "server": info.server if info else None, "ephemerals": owned}
    return Output(inert("\n".join(lines), keep_newlines=True), data)


@handles("timeline")
def timeline(engine: Any, invocation: Any) -> Output:
    events = timeline_of(engine)
    path = invocation.flag("save")
    if path:
        try:
            count = events.save_jsonl(path)
        except OSError as exc:
            raise CommandError("timeline", f"cannot write {inert(path)}: {inert(exc.strerror or str(exc))}") from None
        return Output(f"{count} event{'s' if count != 1 else ''} written to {inert(path)}",
                      {"saved": path, "events": count})
    lines = events.lines()
    return Output(inert("\n".join(lines), keep_newlines=True) if lines else "(no events yet)",
                  [event.to_dict() for event in events.events()])


def parse_session_id(text: str) -> int:
    """`0x1000...` (hex, as ZooKeeper prints them) or decimal (as the AdminServer and kazoo give them)."""
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise CommandError("who", f"'{inert(text)}' is not a session id (0x... in hex, or decimal)") from None
    if not 0 < value < 2**64:
        raise CommandError("who", f"'{inert(text)}' is not a session id (out of range)")
    return value


def _servers(engine: Any, command: str) -> tuple[list[ServerAddress], dict[str, int] | None]:
    poller = poller_for(engine, command)
    return poller.servers(), poller.admin_ports


def _or_dash(value: Any, template: str = "{}") -> str:
    return "-" if value is None else template.format(value)


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in (columns, *rows)]
    return "\n".join(lines)
