"""Per-server configuration of a sandbox ensemble: ports, zoo.cfg, myid and logging."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass

LOOPBACK = "127.0.0.1"
# Ports for server k (0-based) of an ensemble with base port P: client P+k, quorum P+100+k,
# election P+200+k, AdminServer P+300+k, and for a TLS ensemble the secure client port P+400+k.
# Keeps every role readable from the port number.
ROLE_OFFSETS = {"client": 0, "quorum": 100, "election": 200, "admin": 300, "secure_client": 400}
MAX_SERVERS = 99


@dataclass(frozen=True)
class ServerSpec:
    myid: int
    client_port: int
    quorum_port: int
    election_port: int
    admin_port: int
    secure_client_port: int | None = None  # only a TLS ensemble has one

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.client_port}"

    @property
    def secure_address(self) -> str | None:
        return f"{LOOPBACK}:{self.secure_client_port}" if self.secure_client_port else None

    def ports(self) -> dict[str, int]:
        ports = {role: getattr(self, f"{role}_port") for role in ROLE_OFFSETS}
        return {role: port for role, port in ports.items() if port is not None}

    def to_dict(self) -> dict:
        return asdict(self)


def layout(servers: int, base_port: int, tls: bool = False) -> list[ServerSpec]:
    if not 1 <= servers <= MAX_SERVERS:
        raise ValueError(f"an ensemble has 1 to {MAX_SERVERS} servers, not {servers}")
    highest_offset = ROLE_OFFSETS["secure_client" if tls else "admin"]
    if not 1024 <= base_port <= 65535 - highest_offset - servers:
        raise ValueError(f"base port {base_port} is out of range (1024 to {65535 - highest_offset - servers})")
    return [
        ServerSpec(
            myid=k + 1,
            client_port=base_port + k,
            quorum_port=base_port + ROLE_OFFSETS["quorum"] + k,
            election_port=base_port + ROLE_OFFSETS["election"] + k,
            admin_port=base_port + ROLE_OFFSETS["admin"] + k,
            secure_client_port=base_port + ROLE_OFFSETS["secure_client"] + k if tls else None,
        )
        for k in range(servers)
    ]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the JVM binds: connections of a previous run lingering in TIME_WAIT do not make the port taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def taken_ports(specs: list[ServerSpec]) -> list[tuple[ServerSpec, str, int]]:
    return [(spec, role, port) for spec in specs for role, port in spec.ports().items() if not port_is_free(port)]


def free_base_port(servers: int, attempts: int = 200, tls: bool = False) -> int:
    """A base port whose whole layout is free right now (tests run ensembles side by side)."""
    rng = random.Random()
    for _ in range(attempts):
        base = rng.randrange(20000, 60000, 10)
        if not taken_ports(layout(servers, base, tls)):
            return base
    raise RuntimeError("no free block of ports found on 127.0.0.1")


def server_directory(root: str, myid: int) -> str:
    return os.path.join(root, f"zk{myid}")


def render_zoo_cfg(
    spec: ServerSpec, ensemble: list[ServerSpec], directory: str, tick_time: int, extra_lines: Sequence[str] = ()
) -> str:
    """zoo.cfg for one server; `extra_lines` (TLS, SASL settings) go at the end."""
    lines = [
        f"tickTime={tick_time}",
        "initLimit=10",
        "syncLimit=5",
        f"dataDir={os.path.join(directory, 'data')}",
        f"clientPort={spec.client_port}",
        f"clientPortAddress={LOOPBACK}",
        # Clients may ask for long sessions even with a short test tickTime (fault drills pause servers for 20 s).
        "maxSessionTimeout=120000",
        "maxClientCnxns=0",
        "4lw.commands.whitelist=*",
        "admin.enableServer=true",
        f"admin.serverAddress={LOOPBACK}",
        f"admin.serverPort={spec.admin_port}",
        "autopurge.purgeInterval=0",
    ]
    if len(ensemble) > 1:
        lines.append("standaloneEnabled=false")
        # The client address in each server line puts it into /zookeeper/config, so clients (`config -c`, the
        # ensemble panel) learn every server from any one of them.
        lines += [
            f"server.{s.myid}={LOOPBACK}:{s.quorum_port}:{s.election_port}:participant;{LOOPBACK}:{s.client_port}"
            for s in ensemble
        ]
    lines += extra_lines
    return "\n".join(lines) + "\n"


def render_log4j(directory: str) -> str:
    log_file = os.path.join(directory, "zookeeper.log")
    return "\n".join(
        [
            "log4j.rootLogger=INFO, FILE",
            "log4j.appender.FILE=org.apache.log4j.FileAppender",
            f"log4j.appender.FILE.File={log_file}",
            "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] %-5p [%t] %c{1}: %m%n",
            "",
        ]
    )


def write_server_files(
    root: str, spec: ServerSpec, ensemble: list[ServerSpec], tick_time: int, extra_config: Sequence[str] = ()
) -> str:
    """Create the server's directory with myid, zoo.cfg and log4j.properties; return the directory."""
    directory = server_directory(root, spec.myid)
    os.makedirs(os.path.join(directory, "data"), exist_ok=True)
    with open(os.path.join(directory, "data", "myid"), "w") as f:
        f.write(f"{spec.myid}\n")
    with open(os.path.join(directory, "zoo.cfg"), "w") as f:
        f.write(render_zoo_cfg(spec, ensemble, directory, tick_time, extra_config))
    with open(os.path.join(directory, "log4j.properties"), "w") as f:
        f.write(render_log4j(directory))
    return directory
