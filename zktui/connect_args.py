"""Connection options shared by the TUI, the shell and exec: argparse flags -> ConnectOptions."""

from __future__ import annotations

import argparse
import os

from zktui.core.session import ConnectOptions

DEFAULT_HOSTS = "127.0.0.1:2181"


def default_hosts() -> str:
    return os.environ.get("ZKTUI_HOSTS") or DEFAULT_HOSTS


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--timeout", type=float, default=10.0, help="session timeout in seconds (default 10)")
    group.add_argument("--connect-timeout", type=float, default=15.0, help="seconds to wait for a server")
    group.add_argument("--read-only", action="store_true", help="refuse every write (zktui's own guard)")
    group.add_argument("--allow-read-only-server", action="store_true",
                       help="accept a server in ZooKeeper's read-only mode (cut off from its quorum)")
    group.add_argument("--auth", action="append", default=[], metavar="SCHEME:CREDENTIAL",
                       help="add credentials at connect, e.g. digest:user:pass (repeatable)")
    group.add_argument("--admin-port", action="append", default=[], metavar="HOST:PORT=ADMINPORT",
                       help="AdminServer port of a server, used when four-letter words are not whitelisted "
                       "(repeatable; default 8080)")
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--tls", action="store_true", help="connect with TLS (the server's secureClientPort)")
    tls.add_argument("--certfile", help="client certificate (PEM)")
    tls.add_argument("--keyfile", help="client private key (PEM)")
    tls.add_argument("--keyfile-password", help="password of the private key")
    tls.add_argument("--ca", help="CA certificate(s) to verify the server (PEM)")
    tls.add_argument("--no-verify", action="store_true", help="do not verify the server's certificate")
    sasl = parser.add_argument_group("SASL")
    sasl.add_argument("--sasl-mechanism", choices=("DIGEST-MD5", "GSSAPI"), help="SASL mechanism")
    sasl.add_argument("--sasl-user", help="SASL user name (DIGEST-MD5)")
    sasl.add_argument("--sasl-password", help="SASL password (DIGEST-MD5); default $ZKTUI_SASL_PASSWORD")
    sasl.add_argument("--sasl-service", default="zookeeper", help="Kerberos service name (GSSAPI)")


def _auth_pairs(values: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        scheme, sep, credential = value.partition(":")
        if not sep or not scheme:
            raise SystemExit(f"zktui: --auth {scheme or value}: expected SCHEME:CREDENTIAL, e.g. digest:user:pass")
        pairs.append((scheme, credential))
    return tuple(pairs)


def _admin_ports(values: list[str]) -> tuple[tuple[str, int], ...]:
    pairs = []
    for value in values:
        address, sep, port = value.rpartition("=")
        if not sep or not address or not port.isdigit():
            raise SystemExit(f"zktui: --admin-port {value}: expected HOST:PORT=ADMINPORT, e.g. zk1:2181=8080")
        pairs.append((address, int(port)))
    return tuple(pairs)


def options_from_args(args: argparse.Namespace, hosts: str | None) -> ConnectOptions:
    sasl = None
    if args.sasl_mechanism:
        sasl = {"mechanism": args.sasl_mechanism, "service": args.sasl_service}
        if args.sasl_mechanism == "DIGEST-MD5":
            sasl["username"] = args.sasl_user
            sasl["password"] = args.sasl_password or os.environ.get("ZKTUI_SASL_PASSWORD")
    return ConnectOptions(
        hosts=hosts or default_hosts(),
        session_timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        auth=_auth_pairs(args.auth),
        read_only=args.read_only,
        allow_read_only_server=args.allow_read_only_server,
        use_ssl=args.tls or bool(args.certfile or args.ca),
        certfile=args.certfile,
        keyfile=args.keyfile,
        keyfile_password=args.keyfile_password,
        ca=args.ca,
        verify_certs=not args.no_verify,
        sasl_options=sasl,
        admin_ports=_admin_ports(args.admin_port),
    )
