"""The one table of commands. Parser, `help`, completion, the palette and the README derive from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    name: str  # "-s"
    help: str
    metavar: str | None = None  # set when the flag takes a value
    kind: str = "text"  # of the value: int, text, mode, ...
    choices: tuple[str, ...] = ()

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    kind: str = "text"  # path, data, acl, file, server, command, word, ...
    optional: bool = False
    rest: bool = False  # swallows the remaining words (joined with spaces)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    group: str
    args: tuple[Arg, ...] = ()
    flags: tuple[Flag, ...] = ()
    writes: bool = False  # refused in read-only mode
    bulk_destructive: bool = False  # confirms in the shell, needs --yes in exec
    needs_session: bool = True
    aliases: tuple[str, ...] = ()
    details: str = ""

    def flag(self, name: str) -> Flag | None:
        for flag in self.flags:
            if flag.name == name:
                return flag
        return None

    @property
    def usage(self) -> str:
        parts = [self.name]
        for flag in self.flags:
            parts.append(f"[{flag.name} {flag.metavar}]" if flag.takes_value else f"[{flag.name}]")
        for arg in self.args:
            word = arg.name + ("..." if arg.rest else "")
            parts.append(f"[{word}]" if arg.optional else word)
        return " ".join(parts)


def _path(optional: bool = False, name: str = "path", help: str = "znode path (relative to the current path)") -> Arg:
    return Arg(name, help, kind="path", optional=optional)


STAT = Flag("-s", "also print the node's stat")
WATCH = Flag("-w", "leave a one-shot watch; its event is printed when it fires")
VERSION = Flag("-v", "only if the node is at this version (compare-and-set)", "version", kind="int")
LAB_ACTIONS = ("status", "kill-leader", "kill", "restart", "pause", "resume", "heal", "kill-worker", "add-workers")
YES = Flag("--yes", "do not ask for confirmation (needed in `zktui exec`)")
VIEWS = ("auto", "json", "text", "hex", "gzip", "zlib", "base64")
FOUR_LETTER_SUMMARIES = {
    "srvr": "server details: version, mode, zxid, latency, connections",
    "mntr": "monitoring variables, one per line",
    "cons": "the clients connected to each server, with their sessions",
    "wchs": "summary of each server's watches",
    "wchp": "data watches (get/exists) by path: who waits on what",
    "wchc": "watches by session",
    "dump": "sessions with their ephemeral nodes, and expiry queues",
    "conf": "each server's configuration",
    "ruok": "is the server running (imok)",
    "envi": "each server's environment",
}
SERVER_ARG = Arg("server", "host:port or the number of a server in the connect string (default: all)",
                 kind="server", optional=True)

COMMANDS: tuple[Command, ...] = (
    # ----- zkCli: reading -----
    Command("ls", "list a node's children", "nodes", (_path(True),),
            (STAT, WATCH, Flag("-R", "recursively: every path below, one a line"))),
    Command("get", "print a node's data", "nodes", (_path(),),
            (STAT, WATCH, Flag("-b", "print the data as base64"), Flag("-x", "print the data as a hex dump"),
             Flag("--view", "show the data as json, text, hex, gzip, zlib, base64 or auto", "view", "view",
                  VIEWS))),
    Command("stat", "print a node's stat", "nodes", (_path(True),), (WATCH,)),
    Command("getAcl", "print a node's ACL", "acl", (_path(True),), (STAT,)),
    Command("getAllChildrenNumber", "count every node below a path", "nodes", (_path(True),)),
    Command("getEphemerals", "ephemeral nodes of this session (under a path)", "nodes", (_path(True),)),
    Command("sync", "make the connected server catch up with the leader for a path", "nodes", (_path(True),)),
    # ----- zkCli: writing -----
    Command("create", "create a node", "nodes",
            (_path(), Arg("data", "the node's data", kind="data", optional=True),
             Arg("acl", "ACL, e.g. world:anyone:cdrwa,digest:user:HASH:cdrwa", kind="acl", optional=True)),
            (Flag("-s", "sequential: the server appends a 10-digit number"),
             Flag("-e", "ephemeral: removed when this session ends"),
             Flag("-c", "container: removed by the server once its last child goes"),
             Flag("-t", "TTL node, removed after TTL ms without changes or children", "ttl", kind="int")),
            writes=True),
    Command("set", "replace a node's data", "nodes", (_path(), Arg("data", "the new data", kind="data")),
            (STAT, VERSION, Flag("-b", "the data is base64: decode it first")), writes=True),
    Command("delete", "delete a node without children", "nodes", (_path(),), (VERSION,), writes=True),
    Command("deleteall", "delete a node and everything below it (a backup is written first)", "nodes",
            (_path(),), (Flag("-b", "deletes per multi-op batch", "batch", kind="int"), YES),
            writes=True, bulk_destructive=True, aliases=("rmr",)),
    Command("setAcl", "replace a node's ACL", "acl", (_path(), Arg("acl", "ACL, scheme:id:perms[,...]", kind="acl")),
            (STAT, VERSION, Flag("-R", "also every node below")), writes=True),
    # ----- zkCli: session -----
    Command("addauth", "add credentials to this session (e.g. addauth digest user:pass)", "session",
            (Arg("scheme", "auth scheme: digest, ip, sasl, ...", kind="scheme"),
             Arg("auth", "the credential, e.g. user:pass", kind="secret", optional=True))),
    Command("whoami", "the identities this session is authenticated as", "session"),
    Command("config", "the ensemble's configuration from /zookeeper/config", "session", (),
            (Flag("-c", "only the connect string"), WATCH, STAT)),
    Command("connect", "connect to another ensemble", "session",
            (Arg("hosts", "connect string: host:port[,host:port...][/chroot]", kind="hosts"),), needs_session=False),
    Command("close", "close this session", "session", needs_session=False),
    Command("version", "zktui's and the connected server's version", "session", needs_session=False),
    Command("history", "the commands typed so far", "session", needs_session=False),
    Command("redo", "run command number N of the history again", "session",
            (Arg("cmdno", "history number", kind="int"),), needs_session=False),
    Command("quit", "leave", "session", needs_session=False, aliases=("exit",)),
    # ----- zkCli: watches -----
    Command("addWatch", "add a persistent watch; its events are printed as they come", "watches", (_path(),),
            (Flag("-m", "PERSISTENT or PERSISTENT_RECURSIVE (default)", "mode", "mode",
                  ("PERSISTENT", "PERSISTENT_RECURSIVE")),)),
    Command("removewatches", "remove watches from a path", "watches", (_path(),),
            (Flag("-c", "child watches"), Flag("-d", "data watches"), Flag("-a", "any watches (default)"),
             Flag("-l", "only the local registration (also when the server cannot be reached)"))),
    Command("printwatches", "print watch events as they come (on) or not (off)", "watches",
            (Arg("switch", "on or off", kind="word", optional=True, choices=("on", "off")),), needs_session=False),
    # ----- navigation and inspection -----
    Command("cd", "change the current path", "navigation", (_path(True),)),
    Command("pwd", "print the current path", "navigation", needs_session=False),
    Command("tree", "print the subtree as a tree", "navigation", (_path(True),),
            (Flag("-d", "how many levels to show", "depth", kind="int"),)),
    Command("find", "find nodes by name or data", "navigation", (_path(True),),
            (Flag("-name", "glob on the node name, e.g. '*lock*'", "glob"),
             Flag("-data", "regular expression searched in the data (as text)", "regex"),
             Flag("-ephemeral", "only ephemeral nodes"))),
    Command("du", "node count and data size of a subtree, per child", "navigation", (_path(True),)),
    Command("diff", "compare two subtrees: nodes only in one, and nodes whose data differs", "navigation",
            (_path(name="path1"), _path(name="path2"))),
    # ----- bulk -----
    Command("export", "write a subtree to a JSON file (data, stats, ACLs)", "bulk",
            (_path(), Arg("file", "JSON file to write", kind="file")),
            details="  Containers and TTL nodes read as persistent: ZooKeeper hides their kind from clients."),
    Command("import", "create a subtree from an export file", "bulk",
            (Arg("file", "JSON file from `export`", kind="file"), _path()),
            (Flag("--force", "replace nodes that exist (a backup is written first)"),
             Flag("--ephemeral", "create the file's ephemeral nodes as ephemeral nodes of this session"), YES),
            writes=True, bulk_destructive=True),
    Command("cp", "copy a subtree", "bulk", (_path(name="source"), _path(name="target")), (), writes=True),
    Command("mv", "move a subtree (copy, then delete the source; a backup is written first)", "bulk",
            (_path(name="source"), _path(name="target")), (YES,), writes=True, bulk_destructive=True),
    # ----- servers -----
    *(
        Command(word, summary, "servers", (SERVER_ARG,), needs_session=False)
        for word, summary in FOUR_LETTER_SUMMARIES.items()
    ),
    Command("4lw", "send any four-letter word to the servers (`4lw stat`: `stat` alone is the node command)", "servers",
            (Arg("word", "the four-letter word", kind="word"), SERVER_ARG), needs_session=False),
    # ----- live: recipes, sessions, the ensemble and its timeline -----
    Command("locks", "locks under a path: holders, waiters in queue order, how long", "live", (_path(True),)),
    Command("members", "group members under a path: session, client, since when", "live", (_path(True),),
            (Flag("--pin", "treat PATH itself as a group, even when it is empty"),)),
    Command("elections", "elections and leader nodes under a path: leader, candidates", "live", (_path(True),)),
    Command("ensemble", "every server's mode, zxid (epoch), latency, connections, outstanding requests", "live",
            needs_session=False),
    Command("sessions", "every session: client address, server, ephemeral nodes owned", "live",
            needs_session=False),
    Command("who", "a session's client, server and ephemeral nodes (on no server: a zombie's)", "live",
            (Arg("session", "session id, 0x... hex or decimal", kind="session"),), needs_session=False),
    Command("timeline", "failovers, members, locks and this connection's state changes, in order", "live",
            (), (Flag("--save", "write the events as JSON lines to FILE", "FILE", kind="file"),), needs_session=False),
    # ----- the demo's failover lab -----
    Command("lab", "break the demo's ensemble on purpose: " + ", ".join(LAB_ACTIONS), "lab",
            (Arg("action", "what to do", kind="word", choices=LAB_ACTIONS),
             Arg("argument", "a server id (kill, restart, pause, resume), a worker name (kill-worker) or a count "
                 "(add-workers)", optional=True)),
            needs_session=False,
            details="Only in `zktui demo`: kill-leader, kill ID and pause ID show a failover; kill-worker kills a "
                    "lock worker (by default the one holding /locks/jobs), whose lock passes on once its session "
                    "expires; add-workers N adds contention; heal starts the servers that are down and resumes the "
                    "paused ones; status lists servers and workload processes."),
    Command("help", "list the commands, or explain one", "session",
            (Arg("command", "a command name", kind="command", optional=True),), needs_session=False),
)

_BY_NAME: dict[str, Command] = {}
for _command in COMMANDS:
    _BY_NAME[_command.name] = _command
    for _alias in _command.aliases:
        _BY_NAME[_alias] = _command


def lookup(name: str) -> Command | None:
    return _BY_NAME.get(name)


def command_names() -> list[str]:
    return sorted(_BY_NAME, key=str.lower)


GROUP_TITLES = {
    "nodes": "Nodes",
    "acl": "ACLs",
    "session": "Session",
    "watches": "Watches",
    "navigation": "Navigation and inspection",
    "bulk": "Bulk",
    "servers": "Servers (four-letter words, AdminServer fallback)",
    "live": "Live: locks, members, elections, sessions, the ensemble",
    "lab": "The demo's failover lab",
}

