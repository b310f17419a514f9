"""`lab ACTION [ARGUMENT]`: the demo's failover lab (zktui.sandbox.lab), from any front end the demo opens."""

from __future__ import annotations

import time
from typing import Any

from kazoo.exceptions import KazooException

from zktui.commands.registry import CommandError, Output, handles
from zktui.core.decode import decode_identity
from zktui.core.paths import join
from zktui.live.names import sequence_of
from zktui.live.timeline import TimelineEvent
from zktui.sandbox.install import SandboxError
from zktui.sandbox.workload import JOBS_LOCK


@handles("lab")
def lab(engine: Any, invocation: Any) -> Output:
    if engine.lab is None:
        raise CommandError("lab", "lab actions work in `zktui demo` only: they break the demo's own ensemble")
    action, argument = invocation.arg("action"), invocation.arg("argument")
    if action == "kill-worker" and argument is None:
        argument = _jobs_lock_holder(engine)  # the most telling one to kill: its lock has to pass on
    try:
        text = engine.lab.run(action, argument)
    except SandboxError as exc:
        raise CommandError("lab", str(exc).splitlines()[0]) from None
    if action != "status":
        engine.timeline.extend([TimelineEvent(time.time(), "lab", f"lab: {text}", {"action": action,
                                                                                 "argument": argument})])
    return Output(text, {"action": action, "argument": argument, "result": text})


def _jobs_lock_holder(engine: Any) -> str | None:
    """The identifier (kazoo Lock keeps it in the node's data) of the lowest contender of /locks/jobs."""
    session = engine.session
    if session is None or not session.connected:
        return None
    client = engine.client
    try:
        names = client.get_children(JOBS_LOCK)
        contenders = sorted((seq, name) for name in names if (seq := sequence_of(name)) is not None)
        if not contenders:
            return None
        data, _ = client.get(join(JOBS_LOCK, contenders[0][1]))
    except KazooException:
        return None
    return decode_identity(data) if data else None
