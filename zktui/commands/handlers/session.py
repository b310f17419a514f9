"""Session-level commands: auth, identity, config, connections, history, watches, help, cd/pwd."""

from __future__ import annotations

from dataclasses import replace

from kazoo.exceptions import AuthFailedError

from zktui import __version__
from zktui.commands.handlers.nodes import checked_path, one_shot_watcher
from zktui.commands.help import command_help, overview
from zktui.commands.parser import UsageError, find_command
from zktui.commands.registry import CommandError, Output, handles
from zktui.core import protocol, watches
from zktui.core.escape import has_unsafe, inert
from zktui.core.session import ConnectOptions
from zktui.core.zkformat import format_stat, stat_to_json

CONFIG_NODE = "/zookeeper/config"


@handles("addauth")
def addauth(engine, invocation) -> Output:
    scheme, credential = invocation.args["scheme"], invocation.args.get("auth") or ""
    try:
        engine.session.add_auth(scheme, credential)
    except AuthFailedError:
        raise CommandError("addauth", f"the server refused the {inert(scheme)} credentials (and closed the "
                           "connection; zktui reconnected without them)") from None
    except UnicodeEncodeError:  # never quote the credential: it is a secret
        raise CommandError("addauth", "the scheme or credential is not valid UTF-8 text (a lone surrogate); "
                           "nothing was sent") from None
    # Remember it so a reconnect after `connect`/expiry keeps it; never echo the secret back.
    engine.options = replace(engine.options, auth=(*engine.options.auth, (scheme, credential)))
    return Output("", {"scheme": scheme, "added": True})


@handles("whoami")
def whoami(engine, invocation) -> Output:
    identities = protocol.who_am_i(engine.client)
    lines = ["Auth scheme: User"] + [f"{inert(scheme)}: {inert(user)}" for scheme, user in identities]
    return Output("\n".join(lines), [{"scheme": s, "user": u} for s, u in identities])


@handles("config")
def config(engine, invocation) -> Output:
    watcher = one_shot_watcher(engine) if invocation.flag("w") else None
    data, node_stat = engine.client.get(CONFIG_NODE, watch=watcher)
    text = (data or b"").decode("utf-8", errors="replace")
    servers = [line for line in text.splitlines() if line.startswith("server.")]
    if invocation.flag("c"):  # like zkCli: "<config version> <connect string>"
        clients = [_client_address(line) for line in servers]
        version = next((line.split("=", 1)[1] for line in text.splitlines() if line.startswith("version=")), "0")
        shown = f"{version} {','.join(c for c in clients if c)}"
    else:
        shown = text.rstrip("\n")
    if invocation.flag("s"):
        shown += "\n" + format_stat(node_stat)
    return Output(inert(shown, keep_newlines=True), {"config": text, "servers": servers,
                                                      "stat": stat_to_json(node_stat)})


def _client_address(server_line: str) -> str | None:
    """`server.1=127.0.0.1:2281:2381:participant;127.0.0.1:2181` -> `127.0.0.1:2181` (client part)."""
    _, _, client = server_line.partition(";")
    if not client:
        return None
    return client if ":" in client and not client.startswith("0.0.0.0") else client.replace("0.0.0.0", "127.0.0.1")


@handles("connect")
def connect(engine, invocation) -> Output:
    base = engine.options or ConnectOptions()
    session = engine.connect(replace(base, hosts=invocation.args["hosts"]))
    return Output(f"connected to {inert(session.server or invocation.args['hosts'])} "
                  f"(session 0x{session.session_id:x})", {"hosts": engine.options.hosts,
                                                           "session": f"0x{session.session_id:x}"})


@handles("close")
def close(engine, invocation) -> Output:
    was = engine.session is not None
    engine.close()
    return Output("closed" if was else "not connected", {"closed": was})


@handles("version")
def version(engine, invocation) -> Output:
    lines = [f"zktui {__version__}"]
    server_version = None
    if engine.session is not None and engine.session.server:
        from zktui.core.fourletter import FourLetterWordError, server_summary

        host, _, port = engine.session.server.rpartition(":")
        try:
            server_version = server_summary(host, int(port), timeout=2).version
        except FourLetterWordError:
            server_version = None
        if server_version:
            lines.append(f"ZooKeeper {inert(server_version)} ({engine.session.server})")
    return Output("\n".join(lines), {"zktui": __version__, "server": server_version})


@handles("history")
def history(engine, invocation) -> Output:
    from zktui.commands.engine import redact

    start = max(0, len(engine.history) - 100)
    entries = [(n, redact(line)) for n, line in enumerate(engine.history) if n >= start]
    return Output("\n".join(f"{n} - {inert(line)}" for n, line in entries), [line for _, line in entries])


@handles("redo")
def redo(engine, invocation) -> Output:
    number = invocation.args["cmdno"]
    if not 0 <= number < len(engine.history):
        raise CommandError("redo", f"no command number {number} in the history (0 to {len(engine.history) - 1})")
    line = engine.history[number]
    engine.history.append(line)
    return engine.run(line, record=False)


@handles("quit")
def quit_(engine, invocation) -> Output:
    engine.quit_requested = True
    return Output("", {"quit": True})


@handles("printwatches")
def printwatches(engine, invocation) -> Output:
    switch = invocation.args.get("switch")
    if switch is not None:
        engine.print_watches = switch == "on"
    state = "on" if engine.print_watches else "off"
    return Output(f"printwatches is {state}", {"printwatches": state})


@handles("addWatch")
def add_watch(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    recursive = invocation.flag("m", "PERSISTENT_RECURSIVE") == "PERSISTENT_RECURSIVE"
    try:
        protocol.add_watch(engine.client, path, one_shot_watcher(engine), recursive=recursive)
    except ValueError as exc:  # the other mode on the same path (ZooKeeper 3.8): a traceback before
        raise CommandError("addWatch", inert(str(exc))) from None
    mode = "PERSISTENT_RECURSIVE" if recursive else "PERSISTENT"
    return Output("", {"path": path, "mode": mode})


@handles("removewatches")
def remove_watches(engine, invocation) -> Output:
    path = checked_path(engine, invocation)
    kind = "children" if invocation.flag("c") else "data" if invocation.flag("d") else "any"
    if invocation.flag("l"):  # only our side: works while the server cannot be reached
        watches.install(engine.client).forget(protocol.server_path(engine.client, path), kind)
    else:
        protocol.remove_watches(engine.client, path, kind=kind)
    return Output("", {"path": path, "removed": kind})


@handles("cd")
def cd(engine, invocation) -> Output:
    target = invocation.args.get("path")
    path = checked_path(engine, invocation) if target else "/"
    if engine.client.exists(path) is None:
        raise CommandError("cd", f"Node does not exist: {inert(path)}")
    engine.cwd = path
    return Output("", {"cwd": path})


@handles("pwd")
def pwd(engine, invocation) -> Output:
    return Output(inert(engine.cwd), engine.cwd)


@handles("help")
def help_(engine, invocation) -> Output:
    name = invocation.args.get("command")
    if not name:
        return Output(overview(), None)
    try:
        command = find_command(name)
    except UsageError as exc:  # the message quotes the typed word: escaped, as a control in it would draw
        raise CommandError("help", inert(exc.message) if has_unsafe(exc.message) else exc.message) from None
    return Output(command_help(command), {"name": command.name, "usage": command.usage,
                                          "summary": command.summary})
