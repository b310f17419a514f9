"""Path validation as ZooKeeper does it, and zktui's own one-line explanations of kazoo's exceptions."""

from __future__ import annotations

from kazoo import exceptions as kz
from kazoo.handlers.threading import KazooTimeoutError

# Commands that change the tree: after a lost connection the change may or may not have been applied.
_WRITE_COMMANDS = frozenset(
    {"create", "set", "delete", "deleteall", "rmr", "setAcl", "setquota", "delquota", "reconfig"}
)
# jute.maxbuffer's default (0xfffff); a request over it makes the server drop the connection.
JUTE_MAXBUFFER = 0xFFFFF


class BadPathError(ValueError):
    """A path ZooKeeper would refuse; `message` is PathUtils' text, `index` the offending character."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class ZkCommandError(Exception):
    """A command failed; front ends print `zktui: <command>: <reason>`."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(command, reason)
        self.command = command
        self.reason = reason

    def __str__(self) -> str:
        return f"zktui: {self.command}: {self.reason}"

    @classmethod
    def from_exception(cls, command: str, exc: BaseException, **context) -> ZkCommandError:
        """Wrap any exception with describe_error's reason (context: path, current_version, ...)."""
        return cls(command, describe_error(command, exc, **context))


def _is_invalid_char(char: str) -> bool:
    code = ord(char)
    # Anything above U+FFFF is a surrogate pair in Java's UTF-16, and surrogates are in the refused range.
    return 0 < code <= 0x1F or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xF8FF or code >= 0xFFF0


def _reason(path: str) -> tuple[str, int] | None:
    """The first problem PathUtils finds after the first character, with its index, or None."""
    last = "/"
    for i in range(1, len(path)):
        char = path[i]
        if char == "\0":
            return "null character not allowed", i
        if char == "/" and last == "/":
            return "empty node name specified", i
        at_end_of_name = i + 1 == len(path) or path[i + 1] == "/"
        if char == "." and last == ".":
            if path[i - 2] == "/" and at_end_of_name:
                return "relative paths not allowed", i
        elif char == ".":
            if last == "/" and at_end_of_name:
                return "relative paths not allowed", i
        elif _is_invalid_char(char):
            return "invalid character", i
        last = char
    return None


def validate_path(path: str, sequential: bool = False) -> None:
    """Raise BadPathError with the message ZooKeeper's PathUtils.validatePath gives for `path`.

    `sequential` checks the path as the server will see it, with the sequence number appended, so that
    `create -s /queue/` is accepted.
    """
    if path is None:
        raise BadPathError("Path cannot be null", 0)
    checked = path + "1" if sequential else path
    if not checked:
        raise BadPathError("Path length must be > 0", 0)
    if checked[0] != "/":
        raise BadPathError("Path must start with / character", 0)
    if len(checked) == 1:
        return
    if checked.endswith("/"):
        raise BadPathError("Path must not end with / character", len(checked) - 1)
    found = _reason(checked)
    if found is not None:
        reason, index = found
        raise BadPathError(
            f'Invalid path string "{checked}" caused by {reason} @{_utf16_index(checked, index)}', index
        )


def _utf16_index(text: str, index: int) -> int:
    """Java counts UTF-16 code units; characters above U+FFFF take two."""
    return index + sum(1 for char in text[:index] if ord(char) > 0xFFFF)


def _parent(path: str | None) -> str | None:
    if not path or path == "/":
        return None
    return path.rsplit("/", 1)[0] or "/"


def _describe_connection_loss(command: str, data_size: int | None) -> str:
    if data_size is not None and data_size > JUTE_MAXBUFFER:
        return f"data of {data_size} bytes is over the server's limit (jute.maxbuffer, about 1 MB)"
    if command in _WRITE_COMMANDS:
        return (
            "connection lost (SUSPENDED): the change may or may not have been applied; check before retrying"
        )
    return "connection lost (SUSPENDED): the server did not answer; retry once reconnected"


def _describe_bad_version(path: str, current: int | None, expected: int | None) -> str:
    if current is not None and expected is not None:
        return f"bad version: {path} is at version {current}, not {expected}"
    if current is not None:
        return f"bad version: {path} is at version {current}"
    return f"bad version: {path} changed since it was read"


def describe_error(
    command: str,
    exc: BaseException,
    path: str | None = None,
    current_version: int | None = None,
    expected_version: int | None = None,
    data_size: int | None = None,
) -> str:
    """zktui's one-line, human reason for `exc` raised by `command` on `path`.

    `current_version`/`expected_version` make a BadVersionError concrete; `data_size` (bytes sent) turns a
    connection loss caused by an oversized request into an explanation of jute.maxbuffer.
    """
    node = path or "the node"
    if isinstance(exc, ZkCommandError):
        return exc.reason
    if isinstance(exc, BadPathError):
        return f"bad path: {exc.message}"
    if isinstance(exc, kz.NoNodeError):
        if command == "create" and _parent(path):
            return f"no node {_parent(path)}: create the parent first"
        return f"no node {node}"
    if isinstance(exc, kz.NodeExistsError):
        return f"{node} already exists"
    if isinstance(exc, kz.NotEmptyError):
        return f"{node} is not empty: use deleteall"
    if isinstance(exc, kz.BadVersionError):
        return _describe_bad_version(node, current_version, expected_version)
    if isinstance(exc, kz.NoAuthError):
        return f"not authorised for {node}: addauth digest user:pass"
    if isinstance(exc, kz.InvalidACLError):
        return (
            "invalid ACL: check scheme:id:perms (an auth: or digest: entry needs a matching addauth, "
            "an ip: entry a valid address)"
        )
    if isinstance(exc, kz.NoChildrenForEphemeralsError):
        return f"{_parent(path) or node} is ephemeral: ephemeral nodes cannot have children"
    if isinstance(exc, kz.BadArgumentsError):
        if path and (path == "/zookeeper" or path.startswith("/zookeeper/")):
            return "/zookeeper is reserved for the server itself"
        return f"the server refused the arguments for {node}"
    if isinstance(exc, kz.ConnectionLoss):
        return _describe_connection_loss(command, data_size)
    if isinstance(exc, kz.ConnectionClosedError | kz.ZookeeperStoppedError):
        return "not connected: the client is closed"
    if isinstance(exc, kz.SessionExpiredError):
        return "session expired: its ephemeral nodes and watches are gone; reconnecting with a new session"
    if isinstance(exc, kz.OperationTimeoutError | kz.RequestTimeoutError):
        return "the server timed out the request"
    if isinstance(exc, KazooTimeoutError | TimeoutError):
        return "timed out waiting for the server"
    if isinstance(exc, kz.LockTimeout):
        return "timed out waiting for the lock"
    return _describe_other(command, exc, node)


def _describe_other(command: str, exc: BaseException, node: str) -> str:
    if isinstance(exc, kz.AuthFailedError):
        return "authentication failed: the server refused the credentials"
    if isinstance(exc, kz.UnimplementedError):
        return f"the server does not support {command} (too old, or the feature is disabled, e.g. TTL nodes)"
    if isinstance(exc, kz.NotReadOnlyCallError):
        return "the server is read-only (it has lost its quorum): writes are refused"
    if isinstance(exc, kz.SessionMovedError):
        return "the session moved to another server"
    if isinstance(exc, kz.EphemeralOnLocalSessionError):
        return "ephemeral nodes need a global session (this one is local)"
    if isinstance(exc, kz.NoWatcherError):
        return f"no such watch on {node}"
    if isinstance(exc, kz.QuotaExceededError):
        return f"quota exceeded under {node}"
    if isinstance(exc, kz.ThrottledOpError):
        return "the server is overloaded and throttled the request: retry later"
    if isinstance(exc, kz.ReconfigDisabledError):
        return "dynamic reconfiguration is disabled on the server (reconfigEnabled=false)"
    if isinstance(exc, kz.ReconfigInProcessError):
        return "another reconfiguration is in progress"
    if isinstance(exc, kz.NewConfigNoQuorumError):
        return "no quorum of the new configuration is connected and up to date"
    if isinstance(exc, kz.ZookeeperError):
        code = getattr(exc, "code", None)
        return f"server error {type(exc).__name__} (code {code})"
    text = str(exc)
    return text if text else type(exc).__name__


def hint_for(
    command: str,
    exc: BaseException,
    path: str | None = None,
    current_version: int | None = None,
    expected_version: int | None = None,
    data_size: int | None = None,
) -> str | None:
    """What zktui adds after zkCli's own error line: the next step, or the fact zkCli leaves out."""
    if isinstance(exc, kz.NodeExistsError):
        return None
    if isinstance(exc, kz.NoNodeError):
        parent = _parent(path)
        return f"create {parent} first" if command == "create" and parent else None
    if isinstance(exc, kz.NotEmptyError):
        return "deleteall removes it with everything below"
    if isinstance(exc, kz.BadVersionError):
        if current_version is None:
            return "it changed since it was read"
        return f"it is at version {current_version}" + (
            f", not {expected_version}" if expected_version is not None else ""
        )
    if isinstance(exc, kz.NoAuthError):
        return "addauth with a credential its ACL allows (getAcl shows the ACL to readers and admins)"
    return describe_error(command, exc, path, current_version, expected_version, data_size)
