"""Text exactly as ZooKeeper 3.8's zkCli.sh prints it (stat, data, listings, ACLs, errors), plus JSON forms.

Pure functions over kazoo's ZnodeStat and ACL objects. The zkCli behaviours reproduced here were read from
Debian's zkCli.sh 3.8 and are checked against it by tests/test_zkcli_parity.py.
"""

from __future__ import annotations

import codecs
import os
import re
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone, tzinfo

from kazoo import exceptions as kz
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import ZnodeStat
from kazoo.security import ACL, Id, Permissions

from zktui.core.errors import BadPathError

_U64 = (1 << 64) - 1
CONTAINER_OWNER = 0x8000000000000000
TTL_OWNER_PREFIX = 0xFF

# ----- zxids and session ids -----


def _unsigned(value: int) -> int:
    # jute longs are signed; Java's Long.toHexString prints the two's complement bits.
    return value & _U64


def format_zxid(zxid: int) -> str:
    """`0x100000002`, as zkCli prints it (lower-case hex, no padding)."""
    return f"0x{_unsigned(zxid):x}"


def session_hex(owner: int) -> str:
    """A session id (or any ephemeralOwner) as zkCli prints it."""
    return f"0x{_unsigned(owner):x}"


def zxid_parts(zxid: int) -> tuple[int, int]:
    """(epoch, counter): the leader epoch in the high 32 bits, the transaction counter in the low 32."""
    value = _unsigned(zxid)
    return value >> 32, value & 0xFFFFFFFF


def node_kind(stat: ZnodeStat) -> str:
    """persistent, ephemeral, container or ttl, from ephemeralOwner.

    Servers report ephemeralOwner 0 for container and TTL nodes to clients (3.8 hides the marker), so
    those two kinds are only seen in data that did not come through a client read (snapshots, logs).
    """
    owner = _unsigned(stat.ephemeralOwner)
    if owner == 0:
        return "persistent"
    if owner == CONTAINER_OWNER:
        return "container"
    if owner >> 56 == TTL_OWNER_PREFIX:
        return "ttl"
    return "ephemeral"


# ----- Java's Date.toString() -----

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# tzdata's "+04"/"-0930", and Python's "UTC+05:00" for fixed offsets: names Java does not have.
_NUMERIC_ABBREVIATION = re.compile(r"(UTC)?[+-]\d{2}(:?\d{2})?")
# Zones where the JVM keeps a legacy abbreviation but tzdata now has a numeric one (or a different name);
# "standard daylight" as Java 17 prints them. Other zones agree with tzdata, or fall back to GMT+hh:mm.
_JAVA_ZONE_NAMES = {
    "America/Adak": "HAST HADT",
    "America/Argentina/Buenos_Aires": "ART",
    "America/Bogota": "COT",
    "America/Buenos_Aires": "ART",
    "America/Caracas": "VET",
    "America/Guayaquil": "ECT",
    "America/La_Paz": "BOT",
    "America/Lima": "PET",
    "America/Montevideo": "UYT",
    "America/Santiago": "CLT CLST",
    "America/Sao_Paulo": "BRT",
    "Africa/Windhoek": "WAT",
    "Asia/Almaty": "ALMT",
    "Asia/Amman": "EET",
    "Asia/Baghdad": "AST",
    "Asia/Bahrain": "AST",
    "Asia/Baku": "AZT",
    "Asia/Bangkok": "ICT",
    "Asia/Brunei": "BNT",
    "Asia/Colombo": "IST",
    "Asia/Dhaka": "BDT",
    "Asia/Dubai": "GST",
    "Asia/Ho_Chi_Minh": "ICT",
    "Asia/Irkutsk": "IRKT",
    "Asia/Kabul": "AFT",
    "Asia/Kathmandu": "NPT",
    "Asia/Krasnoyarsk": "KRAT",
    "Asia/Kuala_Lumpur": "MYT",
    "Asia/Kuwait": "AST",
    "Asia/Muscat": "GST",
    "Asia/Novosibirsk": "NOVT",
    "Asia/Omsk": "OMST",
    "Asia/Qatar": "AST",
    "Asia/Riyadh": "AST",
    "Asia/Saigon": "ICT",
    "Asia/Singapore": "SGT",
    "Asia/Tashkent": "UZT",
    "Asia/Tbilisi": "GET",
    "Asia/Tehran": "IRST",
    "Asia/Ulaanbaatar": "ULAT",
    "Asia/Vladivostok": "VLAT",
    "Asia/Yangon": "MMT",
    "Asia/Yekaterinburg": "YEKT",
    "Asia/Yerevan": "AMT",
    "Atlantic/Azores": "AZOT AZOST",
    "Atlantic/Cape_Verde": "CVT",
    "Europe/Istanbul": "TRT",
    "Europe/Minsk": "MSK",
    "Europe/Samara": "SAMT",
    "Indian/Maldives": "MVT",
    "Indian/Mauritius": "MUT",
    "Pacific/Fiji": "FJT",
}


def _local_zone_key() -> str | None:
    """The IANA name of the process's zone, found the way the JVM finds it (TZ, then /etc/localtime)."""
    name = os.environ.get("TZ")
    if name is None:
        name = os.path.realpath("/etc/localtime")
    name = name.lstrip(":")
    marker = "zoneinfo/"
    return name.split(marker, 1)[1] if marker in name else name or None


def _gmt_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds == 0:
        return "GMT"
    sign = "+" if seconds > 0 else "-"
    minutes = abs(seconds) // 60
    return f"GMT{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _java_zone_name(abbreviation: str | None, offset: timedelta, is_dst: bool, key: str | None) -> str:
    legacy = _JAVA_ZONE_NAMES.get(key or "")
    if legacy is not None:
        names = legacy.split()
        return names[-1] if is_dst else names[0]
    if not abbreviation or _NUMERIC_ABBREVIATION.fullmatch(abbreviation):
        return _gmt_offset(offset)
    return abbreviation


def java_date(ms: int, tz: tzinfo | None = None) -> str:
    """`Mon Nov 23 09:08:26 UTC 2026`: Java's Date.toString() for epoch milliseconds.

    With tz None the process's local zone is used, as the JVM uses its default zone.
    """
    seconds = ms // 1000
    try:
        if tz is None:
            local = time.localtime(seconds)
            moment = datetime(*local[:6])
            offset = timedelta(seconds=local.tm_gmtoff)
            zone = _java_zone_name(local.tm_zone, offset, local.tm_isdst > 0, _local_zone_key())
        else:
            moment = datetime.fromtimestamp(seconds, timezone.utc).astimezone(tz)
            dst = moment.dst()
            zone = _java_zone_name(
                moment.tzname(), moment.utcoffset() or timedelta(0), bool(dst), getattr(tz, "key", None)
            )
    except (OverflowError, OSError, ValueError):
        return str(ms)  # beyond what datetime can represent: show the raw number rather than fail
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {zone} {moment.year}"
    )


# ----- stat -----


def format_stat(stat: ZnodeStat, tz: tzinfo | None = None) -> str:
    """The eleven-line stat block of zkCli's `stat`, `get -s`, `ls -s`, `getAcl -s`."""
    return "\n".join(
        (
            f"cZxid = {format_zxid(stat.czxid)}",
            f"ctime = {java_date(stat.ctime, tz)}",
            f"mZxid = {format_zxid(stat.mzxid)}",
            f"mtime = {java_date(stat.mtime, tz)}",
            f"pZxid = {format_zxid(stat.pzxid)}",
            f"cversion = {stat.cversion}",
            f"dataVersion = {stat.version}",
            f"aclVersion = {stat.aversion}",
            f"ephemeralOwner = {session_hex(stat.ephemeralOwner)}",
            f"dataLength = {stat.dataLength}",
            f"numChildren = {stat.numChildren}",
        )
    )


def stat_to_json(stat: ZnodeStat) -> dict[str, int | str]:
    """zkCli's field names; zxids and ephemeralOwner as "0x..." strings, times as epoch milliseconds."""
    return {
        "cZxid": format_zxid(stat.czxid),
        "ctime": stat.ctime,
        "mZxid": format_zxid(stat.mzxid),
        "mtime": stat.mtime,
        "pZxid": format_zxid(stat.pzxid),
        "cversion": stat.cversion,
        "dataVersion": stat.version,
        "aclVersion": stat.aversion,
        "ephemeralOwner": session_hex(stat.ephemeralOwner),
        "dataLength": stat.dataLength,
        "numChildren": stat.numChildren,
    }


# ----- data and listings -----


def _java_utf8_replace(error: UnicodeError) -> tuple[str, int]:
    """Replace bad UTF-8 as Java's `new String(bytes, UTF_8)` does: one U+FFFD per malformed sequence.

    Python and Java agree on what a malformed sequence is, except for encoded surrogates (ED A0..BF ..):
    Java replaces the whole three-byte form (or its first two bytes) with one U+FFFD, Python each byte.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    data, start = error.object, error.start
    if data[start] == 0xED and start + 1 < len(data) and 0xA0 <= data[start + 1] <= 0xBF:
        complete = start + 2 < len(data) and 0x80 <= data[start + 2] <= 0xBF
        return "\ufffd", start + (3 if complete else 2)
    return "\ufffd", error.end


codecs.register_error("zktui-java-replace", _java_utf8_replace)


def format_data(data: bytes | None) -> str:
    """The data line of `get`: UTF-8 decoded as Java does, `null` for a node created without data."""
    return "null" if data is None else data.decode("utf-8", errors="zktui-java-replace")


def java_order(name: str) -> bytes:
    # Java compares strings by UTF-16 code unit, which differs from code point order above U+FFFF.
    return name.encode("utf-16-be", errors="surrogatepass")


def format_children(names: Iterable[str]) -> str:
    """`[a, b, c]`: zkCli sorts the names (Java string order) before printing them."""
    return "[" + ", ".join(sorted(names, key=java_order)) + "]"


def format_ephemerals(paths: Sequence[str]) -> str:
    """`getEphemerals`: Java's List.toString, in the server's order (zkCli does not sort these)."""
    return "[" + ", ".join(paths) + "]"


def zkcli_get(data: bytes | None, stat: ZnodeStat | None = None, tz: tzinfo | None = None) -> str:
    """`get PATH`, or `get -s PATH` when stat is given."""
    text = format_data(data)
    return text if stat is None else text + "\n" + format_stat(stat, tz)


def zkcli_ls(names: Iterable[str], stat: ZnodeStat | None = None, tz: tzinfo | None = None) -> str:
    """`ls PATH`, or `ls -s PATH` when stat is given."""
    text = format_children(names)
    return text if stat is None else text + "\n" + format_stat(stat, tz)


# ----- ACLs -----

_PERM_LETTERS = (
    ("c", Permissions.CREATE),
    ("d", Permissions.DELETE),
    ("r", Permissions.READ),
    ("w", Permissions.WRITE),
    ("a", Permissions.ADMIN),
)


def perms_to_letters(perms: int) -> str:
    """31 -> `cdrwa` (zkCli's order); 0 -> ``."""
    return "".join(letter for letter, bit in _PERM_LETTERS if perms & bit)


def letters_to_perms(letters: str) -> int:
    """`rw` -> 3; ValueError for any letter outside cdrwa."""
    bits = dict(_PERM_LETTERS)
    perms = 0
    for letter in letters:
        if letter not in bits:
            raise ValueError(f"unknown permission {letter!r} in {letters!r}: use letters from cdrwa")
        perms |= bits[letter]
    return perms


def _jute_escape(text: str) -> str:
    # jute's ToStringOutputArchive escapes these characters in strings it prints.
    return (
        text.replace("%", "%25")
        .replace("\0", "%00")
        .replace("\n", "%0A")
        .replace("\r", "%0D")
        .replace(",", "%2C")
        .replace("}", "%7D")
    )


def format_acl(acls: Iterable[ACL]) -> str:
    """`getAcl`: for each entry jute's `'scheme,'id` line, then `: perms`."""
    return "\n".join(
        f"'{_jute_escape(acl.id.scheme)},'{_jute_escape(acl.id.id)}\n: {perms_to_letters(acl.perms)}"
        for acl in acls
    )


def zkcli_get_acl(acls: Iterable[ACL], stat: ZnodeStat | None = None, tz: tzinfo | None = None) -> str:
    """`getAcl PATH`, or `getAcl -s PATH` when stat is given."""
    text = format_acl(acls)
    return text if stat is None else text + "\n" + format_stat(stat, tz)


def acl_to_json(acls: Iterable[ACL]) -> list[dict[str, str]]:
    return [{"scheme": acl.id.scheme, "id": acl.id.id, "perms": perms_to_letters(acl.perms)} for acl in acls]


def parse_acl(text: str) -> list[ACL]:
    """zkCli's ACL syntax `scheme:id:perms[,scheme:id:perms...]` -> kazoo ACLs.

    The id runs from the first colon to the last, so `digest:user:hash:cdr` keeps `user:hash` and
    `auth::cdrwa` has an empty id. zkCli skips malformed entries with a warning; this raises ValueError.
    """
    if not text:
        raise ValueError("empty ACL: expected scheme:id:perms, e.g. world:anyone:cdrwa")
    acls = []
    for entry in text.split(","):
        first, last = entry.find(":"), entry.rfind(":")
        if first < 0 or first == last:
            raise ValueError(f"{entry!r} does not have the form scheme:id:perms (e.g. world:anyone:cdrwa)")
        if first == 0:
            raise ValueError(f"{entry!r} has no scheme (world, auth, digest, ip, x509, sasl, ...)")
        perms = letters_to_perms(entry[last + 1 :])
        try:  # kazoo would fail to encode it on its connection thread, which that ended
            entry.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{entry!r} is not valid UTF-8 text (a lone surrogate)") from None
        acls.append(ACL(perms, Id(entry[:first], entry[first + 1 : last])))
    return acls


# ----- errors -----

# KeeperException.getCodeMessage for the codes zkCli prints as "KeeperErrorCode = <message> for <path>".
_KEEPER_CODE_MESSAGES = {
    kz.SystemZookeeperError: "SystemError",
    kz.RuntimeInconsistency: "RuntimeInconsistency",
    kz.DataInconsistency: "DataInconsistency",
    kz.ConnectionLoss: "ConnectionLoss",
    kz.MarshallingError: "MarshallingError",
    kz.UnimplementedError: "Unimplemented",
    kz.OperationTimeoutError: "OperationTimeout",
    kz.BadArgumentsError: "BadArguments",
    kz.NewConfigNoQuorumError: "NewConfigNoQuorum",
    kz.ReconfigInProcessError: "ReconfigInProgress",
    kz.APIError: "APIError",
    kz.NoNodeError: "NoNode",
    kz.NoAuthError: "NoAuth",
    kz.BadVersionError: "BadVersion",
    kz.NoChildrenForEphemeralsError: "NoChildrenForEphemerals",
    kz.NodeExistsError: "NodeExists",
    kz.InvalidACLError: "InvalidACL",
    kz.AuthFailedError: "AuthFailed",
    kz.NotEmptyError: "Directory not empty",
    kz.SessionExpiredError: "Session expired",
    kz.InvalidCallbackError: "Invalid callback",
    kz.SessionMovedError: "Session moved",
    kz.NotReadOnlyCallError: "Not a read-only call",
    kz.EphemeralOnLocalSessionError: "Ephemeral node on local session",
    kz.NoWatcherError: "No such watcher",
    kz.ReconfigDisabledError: "Reconfig is disabled",
    kz.SessionClosedRequireSaslError: "Session closed because client failed to authenticate",
    kz.QuotaExceededError: "Quota has exceeded",
    kz.ThrottledOpError: "Op throttled due to high load",
    # Codes getCodeMessage has no text for: Java prints the enum constant's name.
    kz.UnknownSessionError: "Unknown error UNKNOWNSESSION",
    kz.RequestTimeoutError: "Unknown error REQUESTTIMEOUT",
}

# CliWrapperException's own wording, "<prefix><path>"; note the inconsistent spacing before the colon.
_CLI_PREFIXES = (
    (kz.NoNodeError, "Node does not exist: "),
    (kz.NoChildrenForEphemeralsError, "Ephemerals cannot have children: "),
    (kz.NodeExistsError, "Node already exists: "),
    (kz.NotEmptyError, "Node not empty: "),
    (kz.NotReadOnlyCallError, "Not a read-only call: "),
    (kz.InvalidACLError, "Acl is not valid : "),
    (kz.NoAuthError, "Insufficient permission : "),
    (kz.BadArgumentsError, "Arguments are not valid : "),
    (kz.BadVersionError, "version No is not valid : "),
    (kz.QuotaExceededError, "Quota has exceeded : "),
)


def keeper_error_message(exc: BaseException, path: str | None) -> str:
    """KeeperException.getMessage(): `KeeperErrorCode = ConnectionLoss for /x`."""
    message = next((text for kind, text in _KEEPER_CODE_MESSAGES.items() if type(exc) is kind), None)
    if message is None:
        message = next((text for kind, text in _KEEPER_CODE_MESSAGES.items() if isinstance(exc, kind)), None)
    if message is None:
        message = f"Unknown error {getattr(exc, 'code', type(exc).__name__)}"
    return f"KeeperErrorCode = {message}" + ("" if path is None else f" for {path}")


def zkcli_error(command: str, path: str | None, exc: BaseException) -> str:
    """The line(s) zkCli 3.8 prints on stderr when `command` on `path` fails with `exc`.

    A path of None prints as `null`, as Java does for exceptions without a path.
    """
    if isinstance(exc, BadPathError):
        return exc.message
    if isinstance(exc, kz.ConnectionClosedError | kz.ZookeeperStoppedError):
        return "Not connected"
    if isinstance(exc, KazooTimeoutError):
        exc = (
            kz.ConnectionLoss()
        )  # the Java client reports a request that gets no answer as a lost connection
    if command == "create" and isinstance(exc, kz.InvalidACLError):
        # CreateCommand prints the KeeperException's own message before the wrapped one.
        return keeper_error_message(exc, path) + "\n" + zkcli_error("", path, exc)
    if command == "create" and isinstance(exc, kz.EphemeralOnLocalSessionError):
        return "Unable to create ephemeral node on a local session\n" + keeper_error_message(exc, path)
    for kind, prefix in _CLI_PREFIXES:
        if isinstance(exc, kind):
            return prefix + ("null" if path is None else path)
    if isinstance(exc, kz.ReconfigInProcessError):
        return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
    if isinstance(exc, kz.NewConfigNoQuorumError):
        return (
            "No quorum of new config is connected and up-to-date with the leader of last committed config "
            "- try invoking reconfiguration after new servers are connected and synced"
        )
    if isinstance(exc, kz.ZookeeperError):
        return keeper_error_message(exc, path)
    return str(exc)
