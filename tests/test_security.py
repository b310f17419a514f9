"""TLS and SASL DIGEST-MD5 connections through zktui's options, against real servers of their own.

Each mode has a private one-server sandbox (module-scoped: certificates and JVMs are made once per module).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from zktui.commands.engine import Engine, load_handlers
from zktui.commands.registry import CommandError
from zktui.core.fourletter import FourLetterWordError, four_letter_word
from zktui.core.session import ConnectOptions
from zktui.sandbox import Ensemble
from zktui.sandbox.config import layout, render_zoo_cfg
from zktui.sandbox.install import SandboxError
from zktui.sandbox.security import ensure_certificates, write_jaas

# Failing connections wait this long; short keeps the module quick, the slack absorbs a slow machine.
FAILING_CONNECT_TIMEOUT = 3.0
SLACK = 5.0
SASL_USER, SASL_PASSWORD = "bob", "secret"

load_handlers()


@pytest.fixture(scope="module")
def tls_ensemble() -> Iterator[Ensemble]:
    """Client certificates required (ssl.clientAuth=need)."""
    with Ensemble(servers=1, tick_time=500, tls=True) as running:
        yield running


@pytest.fixture(scope="module")
def tls_wanted_ensemble() -> Iterator[Ensemble]:
    """Client certificates asked for but optional (ssl.clientAuth=want)."""
    with Ensemble(servers=1, tick_time=500, tls=True, tls_client_auth="want") as running:
        yield running


@pytest.fixture(scope="module")
def sasl_ensemble() -> Iterator[Ensemble]:
    with Ensemble(servers=1, tick_time=500, sasl_users={SASL_USER: SASL_PASSWORD}) as running:
        yield running


def tls_options(ensemble: Ensemble, **changes) -> ConnectOptions:
    files = ensemble.tls_files
    settings = dict(hosts=ensemble.tls_hosts, use_ssl=True, ca=files.ca, certfile=files.certfile,
                    keyfile=files.keyfile)
    settings.update(changes)
    return ConnectOptions(**settings)


def sasl_options(ensemble: Ensemble, password: str, **changes) -> ConnectOptions:
    sasl = {"mechanism": "DIGEST-MD5", "username": SASL_USER, "password": password}
    return ConnectOptions(hosts=ensemble.hosts, sasl_options=sasl, **changes)


def connected_engine(options: ConnectOptions) -> Engine:
    engine = Engine()
    engine.connect(options)
    return engine


def failed_connect(options: ConnectOptions) -> tuple[CommandError, float]:
    """The CommandError a connect with these options ends in, and how long it took to come."""
    engine = Engine()
    started = time.monotonic()
    with pytest.raises(CommandError) as failure:
        engine.connect(options)
    return failure.value, time.monotonic() - started


def zktui_exec(*words: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zktui", "exec", *words], capture_output=True, text=True,
                          timeout=60, env=env)


# ----- configuration (no server) -----


def test_tls_layout_adds_a_secure_port_role_and_keeps_the_others():
    plain, secure = layout(2, 30000), layout(2, 30000, tls=True)
    assert [s.ports() for s in plain] == [
        {"client": 30000 + k, "quorum": 30100 + k, "election": 30200 + k, "admin": 30300 + k} for k in range(2)
    ]
    assert [s.ports() for s in secure] == [{**p.ports(), "secure_client": 30400 + k} for k, p in enumerate(plain)]
    assert secure[1].secure_address == "127.0.0.1:30401" and plain[1].secure_address is None
    with pytest.raises(ValueError, match="out of range"):
        layout(1, 65535 - 350, tls=True)


def test_extra_zoo_cfg_lines_follow_the_standard_ones():
    specs = layout(1, 30000)
    config = render_zoo_cfg(specs[0], specs, "/tmp/x/zk1", tick_time=500, extra_lines=["secureClientPort=30400"])
    assert config.splitlines()[-1] == "secureClientPort=30400"
    assert "clientPort=30000" in config.splitlines()


def test_jaas_file_quotes_passwords_and_refuses_odd_user_names(tmp_path):
    path = write_jaas(str(tmp_path), {"bob": 'se"cr\\et'})
    text = open(path).read()
    assert "org.apache.zookeeper.server.auth.DigestLoginModule required" in text
    assert 'user_bob="se\\"cr\\\\et";' in text
    assert os.stat(path).st_mode & 0o077 == 0
    with pytest.raises(ValueError, match="SASL user name"):
        write_jaas(str(tmp_path), {"bob smith": "x"})


def test_plain_ensemble_has_no_tls_addresses(tmp_path):
    plain = Ensemble(servers=1, directory=str(tmp_path))
    with pytest.raises(SandboxError, match="no TLS port"):
        print(plain.tls_hosts)


# ----- TLS -----


def test_certificates_are_made_once_per_directory(tls_ensemble):
    files = ensure_certificates(tls_ensemble.directory)
    assert files.client == tls_ensemble.tls_files
    before = [open(path, "rb").read() for path in (files.ca, files.server_keystore, files.client.certfile)]
    again = ensure_certificates(tls_ensemble.directory)
    assert [open(path, "rb").read() for path in (again.ca, again.server_keystore, again.client.certfile)] == before
    assert b"BEGIN PRIVATE KEY" in before[1] and b"BEGIN CERTIFICATE" in before[1]


def test_secure_port_speaks_only_tls_and_the_plain_port_stays(tls_ensemble):
    spec = tls_ensemble.specs[0]
    assert four_letter_word("127.0.0.1", spec.client_port, "ruok") == "imok"
    try:
        reply = four_letter_word("127.0.0.1", spec.secure_client_port, "ruok")
    except FourLetterWordError:  # the server may reset the connection instead of closing it
        reply = ""
    assert reply != "imok"


def test_engine_runs_commands_over_tls_with_ca_and_client_certificate(tls_ensemble):
    engine = connected_engine(tls_options(tls_ensemble))
    try:
        assert engine.session.server == tls_ensemble.specs[0].secure_address
        engine.run("create /over-tls data")
        assert engine.run("get /over-tls").text == "data"
        assert "over-tls" in engine.run("ls /").text
    finally:
        engine.close()
    # What went over TLS is in the server, seen through the plain port too.
    plain = connected_engine(ConnectOptions(hosts=tls_ensemble.hosts))
    try:
        assert plain.run("get /over-tls").text == "data"
    finally:
        plain.close()


def test_without_the_ca_the_server_is_not_trusted_and_connect_fails_in_one_line(tls_ensemble):
    untrusted = tls_options(tls_ensemble, ca=None, connect_timeout=FAILING_CONNECT_TIMEOUT)
    error, took = failed_connect(untrusted)
    assert error.command == "connect"
    assert tls_ensemble.tls_hosts in error.reason
    assert "\n" not in str(error)
    assert took < FAILING_CONNECT_TIMEOUT + SLACK
    # The CA was the only thing missing: without verification the same client gets in.
    engine = connected_engine(tls_options(tls_ensemble, ca=None, verify_certs=False))
    engine.close()


def test_untrusted_server_is_reported_as_a_certificate_problem(tls_ensemble):
    error, _ = failed_connect(tls_options(tls_ensemble, ca=None, connect_timeout=FAILING_CONNECT_TIMEOUT))
    assert "certificate" in error.reason


def test_required_client_certificate_refuses_a_client_without_one(tls_ensemble):
    anonymous = tls_options(tls_ensemble, certfile=None, keyfile=None, connect_timeout=FAILING_CONNECT_TIMEOUT)
    error, took = failed_connect(anonymous)
    assert error.command == "connect" and "\n" not in str(error)
    assert took < FAILING_CONNECT_TIMEOUT + SLACK


def test_wanted_client_certificate_is_optional_and_names_the_client_when_given(tls_wanted_ensemble):
    anonymous = connected_engine(tls_options(tls_wanted_ensemble, certfile=None, keyfile=None))
    try:
        assert "x509" not in anonymous.run("whoami").text
    finally:
        anonymous.close()
    with_certificate = connected_engine(tls_options(tls_wanted_ensemble))
    try:
        assert "x509: CN=zktui sandbox client" in with_certificate.run("whoami").text
    finally:
        with_certificate.close()


def test_exec_over_tls_with_the_cli_flags(tls_ensemble):
    files = tls_ensemble.tls_files
    plain = connected_engine(ConnectOptions(hosts=tls_ensemble.hosts))
    try:
        plain.run("create /seen-by-exec")
    finally:
        plain.close()
    result = zktui_exec("--hosts", tls_ensemble.tls_hosts, "--tls", "--ca", files.ca, "--certfile", files.certfile,
                        "--keyfile", files.keyfile, "ls", "/")
    assert result.returncode == 0, result.stderr
    assert "seen-by-exec" in result.stdout


def test_tls_settings_survive_in_the_state_file(tls_ensemble):
    loaded = Ensemble.load(tls_ensemble.directory)
    assert loaded.tls_hosts == tls_ensemble.tls_hosts
    assert loaded.tls_files == tls_ensemble.tls_files
    assert loaded.tls_client_auth == "need"


# ----- SASL DIGEST-MD5 -----


def test_sasl_setting_survives_in_the_state_file_without_the_passwords(sasl_ensemble):
    loaded = Ensemble.load(sasl_ensemble.directory)
    assert loaded.sasl and loaded.sasl_users == {}
    state = open(os.path.join(sasl_ensemble.directory, "ensemble.json")).read()
    assert SASL_PASSWORD not in state


def test_sasl_login_shows_the_sasl_identity(sasl_ensemble):
    engine = connected_engine(sasl_options(sasl_ensemble, SASL_PASSWORD))
    try:
        assert f"sasl: {SASL_USER}" in engine.run("whoami").text.splitlines()
    finally:
        engine.close()


def test_sasl_acl_admits_the_sasl_user_and_refuses_a_plain_session(sasl_ensemble):
    bob = connected_engine(sasl_options(sasl_ensemble, SASL_PASSWORD))
    try:
        bob.run(f"create /bobs secret-data sasl:{SASL_USER}:cdrwa")
        assert bob.run("get /bobs").text == "secret-data"
    finally:
        bob.close()
    plain = connected_engine(ConnectOptions(hosts=sasl_ensemble.hosts))
    try:
        with pytest.raises(CommandError) as refused:
            plain.run("get /bobs")
        assert "addauth" in refused.value.reason
        assert "\n" not in str(refused.value)
    finally:
        plain.close()


def test_wrong_sasl_password_fails_fast_in_one_line(sasl_ensemble):
    wrong = sasl_options(sasl_ensemble, "not-" + SASL_PASSWORD, connect_timeout=FAILING_CONNECT_TIMEOUT)
    error, took = failed_connect(wrong)
    assert error.command == "connect"
    assert "authentication failed" in error.reason
    assert "\n" not in str(error)
    assert took < FAILING_CONNECT_TIMEOUT + SLACK


def test_exec_with_sasl_flags_and_the_password_from_the_environment(sasl_ensemble):
    env = {**os.environ, "ZKTUI_SASL_PASSWORD": SASL_PASSWORD}
    result = zktui_exec("--hosts", sasl_ensemble.hosts, "--sasl-mechanism", "DIGEST-MD5", "--sasl-user", SASL_USER,
                        "whoami", env=env)
    assert result.returncode == 0, result.stderr
    assert f"sasl: {SASL_USER}" in result.stdout.splitlines()
