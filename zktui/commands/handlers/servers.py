"""Four-letter words for the servers of the connect string: srvr, mntr, cons, ..., and `4lw WORD`.

Every server is asked at once; each answers in its own block, headed `--- host:port (mode)`. A server
that does not answer is shown as down; the others still answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zktui.commands.registry import CommandError, Output, handles
from zktui.commands.spec import FOUR_LETTER_SUMMARIES
from zktui.core.escape import inert
from zktui.core.servers import ServerAddress, ServerReply, ask_all, parse_server_address

_WORD = re.compile(r"[a-z]{4}")
# mntr's values line up in one column; keys longer than this push only their own value to the right.
_MNTR_KEY_COLUMN = 40


@handles(*FOUR_LETTER_SUMMARIES)
def named_word(engine, invocation) -> Output:
    word = invocation.command.name
    return _run(engine, word, word, invocation.arg("server"))


@handles("4lw")
def any_word(engine, invocation) -> Output:
    word = invocation.args["word"]
    if not _WORD.fullmatch(word):
        raise CommandError("4lw", f"'{inert(word)}' is not a four-letter word (4 lowercase letters, e.g. stat)")
    return _run(engine, "4lw", word, invocation.arg("server"))


def _run(engine, command: str, word: str, server: str | None) -> Output:
    targets = _targets(engine, command, server)
    replies = ask_all(targets, word, admin_ports=_admin_ports(engine), want_mode=word != "ruok")
    render = _ruok_line if word == "ruok" else _block
    return Output("\n".join(render(reply) for reply in replies), [reply.to_dict() for reply in replies])


def _targets(engine, command: str, server: str | None) -> list[ServerAddress]:
    """The servers to ask: all of the connect string, its N-th (1-based), or any host:port given."""
    if engine.options is None or not engine.options.servers:
        raise CommandError(command, "no hosts: use connect")
    hosts = engine.options.servers
    try:
        if server is None:
            return [parse_server_address(host) for host in hosts]
        if server.isdigit():
            number = int(server)
            if not 1 <= number <= len(hosts):
                raise CommandError(command, f"no server {number}: the connect string has {len(hosts)} "
                                            f"(1 to {len(hosts)}, or host:port)")
            return [parse_server_address(hosts[number - 1])]
        target = parse_server_address(server)
        # A host no resolver can encode (`srvr \x80`) raised UnicodeError from the socket call: refuse it here.
        target.host.encode("idna")
        return [target]
    except ValueError as exc:  # UnicodeError included
        raise CommandError(command, inert(str(exc))) from None


def _admin_ports(engine) -> Mapping[str, int] | None:
    """AdminServer ports the user configured (--admin-port), by client address."""
    return dict(engine.options.admin_ports) or None


def _header(reply: ServerReply) -> str:
    mode = f" ({inert(reply.mode)})" if reply.mode else ""
    via = " (via AdminServer)" if reply.via_admin else ""
    return f"--- {inert(reply.server)}{mode}{via}"


def _block(reply: ServerReply) -> str:
    if reply.error is not None:
        return f"{_header(reply)}\n{'' if reply.down else 'error: '}{inert(reply.error)}"
    body = _aligned_mntr(reply.text) if reply.word == "mntr" and not reply.via_admin else reply.text
    # Tabs are layout in four-letter-word replies (wchp, wchc, dump): spaces keep them readable once
    # inert, which would otherwise show every tab as a literal `\t`.
    body = inert(body.rstrip("\n").expandtabs(4), keep_newlines=True)
    if not reply.text:  # servers close the connection without a word on words they do not know
        body = "(no reply: the server may not know this word)"
    return f"{_header(reply)}\n{body or '(none)'}"


def _aligned_mntr(text: str) -> str:
    lines = []
    for line in text.splitlines():
        key, sep, value = line.partition("\t")
        lines.append(f"{key:<{_MNTR_KEY_COLUMN}} {value}" if sep else line)
    return "\n".join(lines)


def _ruok_line(reply: ServerReply) -> str:
    if reply.error is not None:
        answer = f"down: {reply.error}" if reply.down else f"error: {reply.error}"
    else:
        answer = reply.text.strip() or "(no answer)"
    via = " (via AdminServer)" if reply.via_admin else ""
    return f"{inert(reply.server)} {inert(answer)}{via}"
