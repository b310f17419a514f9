"""TLS and SASL for sandbox servers: certificates, the JAAS file, and what zoo.cfg and the JVM need for them.

Everything is generated locally (openssl, no network) once per ensemble directory and reused afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from zktui.sandbox.install import Installation, SandboxError

TLS_DIRECTORY = "tls"
JAAS_FILE = "jaas.conf"
CLIENT_AUTH_MODES = ("need", "want", "none")
CERT_DAYS = 3650
KEY_SPEC = "rsa:2048"
# The Debian zookeeper.jar manifest lists netty-handler and netty-transport but not what they need in turn.
NETTY_DEPENDENCIES = ("netty-codec", "netty-resolver", "netty-transport-native-unix-common")
SASL_PROVIDER = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"
DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule"
# A JAAS option name is one token of the config file's grammar: keep user names to its word characters.
_SASL_USER = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class ClientTlsFiles:
    """What a client needs to talk TLS to the sandbox (named as ConnectOptions names them)."""

    ca: str
    certfile: str
    keyfile: str


@dataclass(frozen=True)
class TlsFiles:
    ca: str
    ca_key: str
    server_keystore: str  # the server's private key followed by its certificate, as ZooKeeper's PEM loader reads
    client: ClientTlsFiles

    def all_present(self) -> bool:
        paths = (self.ca, self.ca_key, self.server_keystore, self.client.certfile, self.client.keyfile)
        return all(os.path.exists(path) for path in paths)


def tls_files(root: str) -> TlsFiles:
    directory = os.path.join(root, TLS_DIRECTORY)
    return TlsFiles(
        ca=os.path.join(directory, "ca.pem"),
        ca_key=os.path.join(directory, "ca.key"),
        server_keystore=os.path.join(directory, "server.pem"),
        client=ClientTlsFiles(
            ca=os.path.join(directory, "ca.pem"),
            certfile=os.path.join(directory, "client.pem"),
            keyfile=os.path.join(directory, "client.key"),
        ),
    )


# ----- certificates -----


def ensure_certificates(root: str) -> TlsFiles:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by the CA.

    Generated on the first call for `root`; later calls (restarts, `up` again) reuse them, so a client that
    already trusts the CA keeps working.
    """
    files = tls_files(root)
    if files.all_present():
        return files
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SandboxError("a TLS sandbox needs openssl to make its certificates: apt-get install openssl")
    directory = os.path.dirname(files.ca)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as work:
        _run(openssl, "req", "-x509", "-newkey", KEY_SPEC, "-nodes", "-sha256", "-days", str(CERT_DAYS),
             "-subj", "/CN=zktui sandbox CA", "-keyout", files.ca_key, "-out", files.ca,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        server_key = os.path.join(work, "server.key")
        server_cert = os.path.join(work, "server.crt")
        _issue(openssl, files, work, "localhost", "serverAuth", server_key, server_cert)
        # The client certificate names 127.0.0.1 too: ZooKeeper checks the client's address against it.
        _issue(openssl, files, work, "zktui sandbox client", "clientAuth", files.client.keyfile,
               files.client.certfile)
        with open(files.server_keystore, "w") as out:
            for part in (server_key, server_cert):
                with open(part) as f:
                    out.write(f.read())
    return files


def _issue(openssl: str, files: TlsFiles, work: str, common_name: str, usage: str, key: str, cert: str) -> None:
    request = os.path.join(work, f"{usage}.csr")
    extensions = os.path.join(work, f"{usage}.ext")
    with open(extensions, "w") as f:
        f.write(
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage={usage}\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
    _run(openssl, "req", "-newkey", KEY_SPEC, "-nodes", "-subj", f"/CN={common_name}", "-keyout", key,
         "-out", request)
    _run(openssl, "x509", "-req", "-sha256", "-days", str(CERT_DAYS), "-in", request, "-CA", files.ca,
         "-CAkey", files.ca_key, "-set_serial", str(secrets.randbits(63)), "-extfile", extensions, "-out", cert)


def _run(*command: str) -> None:
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxError(f"openssl {command[1]} failed making sandbox certificates: {detail}")


def tls_config_lines(secure_client_port: int, files: TlsFiles, client_auth: str) -> list[str]:
    """zoo.cfg lines for a secureClientPort next to the plain clientPort (4lw readiness checks stay plain).

    ZooKeeper turns unknown zoo.cfg keys into `zookeeper.`-prefixed system properties, which is where its
    X509Util reads the ssl.* settings from.
    """
    if client_auth not in CLIENT_AUTH_MODES:
        raise ValueError(f"client auth is one of {', '.join(CLIENT_AUTH_MODES)}, not {client_auth!r}")
    return [
        f"secureClientPort={secure_client_port}",
        "secureClientPortAddress=127.0.0.1",
        # Only the Netty connection factory speaks TLS.
        "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
        f"ssl.keyStore.location={files.server_keystore}",
        "ssl.keyStore.type=PEM",
        f"ssl.trustStore.location={files.ca}",
        "ssl.trustStore.type=PEM",
        f"ssl.clientAuth={client_auth}",
    ]


def with_netty(install: Installation) -> Installation:
    """The installation with the Netty jars its manifest misses (Debian's); a release's lib/ has them all."""
    have = {os.path.basename(path) for path in install.classpath}
    java_dir = os.path.dirname(install.classpath[0]) if install.classpath else ""
    missing = []
    for name in NETTY_DEPENDENCIES:
        pattern = re.compile(rf"^{re.escape(name)}(-\d[^/]*)?\.jar$")
        if any(pattern.match(jar) for jar in have):
            continue
        candidate = os.path.join(java_dir, f"{name}.jar")
        if os.path.exists(candidate):
            missing.append(candidate)
    return dataclasses.replace(install, classpath=(*install.classpath, *missing)) if missing else install


# ----- SASL -----


def write_jaas(root: str, users: dict[str, str]) -> str:
    """A JAAS file whose Server section lets `users` (name -> password) log in with DIGEST-MD5."""
    if not users:
        raise ValueError("SASL needs at least one user")
    for name in users:
        if not _SASL_USER.match(name):
            raise ValueError(f"SASL user name {name!r}: use letters, digits, '.', '_' or '-'")
    entries = "".join(f'\n    user_{name}="{_jaas_quoted(password)}"' for name, password in users.items())
    path = jaas_path(root)
    os.makedirs(root, exist_ok=True)
    # The file holds passwords: readable by us only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as f:
        f.write(f"Server {{\n    {DIGEST_LOGIN_MODULE} required{entries};\n}};\n")
    return path


def jaas_path(root: str) -> str:
    return os.path.join(root, JAAS_FILE)


def _jaas_quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def sasl_config_lines() -> list[str]:
    """zoo.cfg lines: `authProvider.1` becomes the zookeeper.authProvider.1 system property (ZooKeeper docs)."""
    return [f"authProvider.1={SASL_PROVIDER}"]


def sasl_jvm_options(root: str) -> list[str]:
    """The JAAS file is found only through a JVM system property; zoo.cfg cannot name it."""
    return [f"-Djava.security.auth.login.config={jaas_path(root)}"]
