"""Find an installed ZooKeeper (jars and zkCli.sh) and a Java runtime."""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass

INSTALL_HINT = (
    "install it with `apt-get install zookeeper` (Debian/Ubuntu) or `brew install zookeeper` (macOS), "
    "or set ZOOKEEPER_HOME to an unpacked ZooKeeper release"
)
DEBIAN_JAVA_DIR = "/usr/share/java"
DEBIAN_ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
# The Debian jar's manifest names most of its dependencies; the AdminServer (Jetty) also needs the
# servlet API, and logging to files needs a log4j binding for slf4j.
DEBIAN_EXTRA_JARS = ("servlet-api.jar", "log4j-1.2.jar", "slf4j-log4j12.jar")
HOMEBREW_PREFIXES = ("/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew")


class SandboxError(Exception):
    """A sandbox operation failed; the message is one line meant for the user."""


@dataclass(frozen=True)
class Installation:
    java: str
    classpath: tuple[str, ...]
    source: str
    zkcli: str | None

    @property
    def classpath_string(self) -> str:
        return os.pathsep.join(self.classpath)


def _release_jars(home: str) -> list[str]:
    jars = sorted(glob.glob(os.path.join(home, "lib", "*.jar")))
    jars += sorted(glob.glob(os.path.join(home, "zookeeper-*.jar")))
    return jars


def _find_java(env: dict[str, str]) -> str:
    java_home = env.get("JAVA_HOME")
    if java_home:
        candidate = os.path.join(java_home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("java", path=env.get("PATH"))
    if not found:
        raise SandboxError(
            "Java not found: install it with `apt-get install default-jre-headless` "
            "(or `apt-get install zookeeper`, which pulls it in), or set JAVA_HOME"
        )
    return found


def _from_release(home: str, source: str) -> tuple[tuple[str, ...], str | None] | None:
    jars = _release_jars(home)
    if not any("zookeeper" in os.path.basename(j) for j in jars):
        return None
    zkcli = os.path.join(home, "bin", "zkCli.sh")
    return tuple(jars), zkcli if os.path.exists(zkcli) else None


def _from_debian(java_dir: str = DEBIAN_JAVA_DIR) -> tuple[tuple[str, ...], str | None] | None:
    main_jar = os.path.join(java_dir, "zookeeper.jar")
    if not os.path.exists(main_jar):
        return None
    jars = [main_jar]
    jars += [os.path.join(java_dir, name) for name in DEBIAN_EXTRA_JARS if os.path.exists(os.path.join(java_dir, name))]
    return tuple(jars), DEBIAN_ZKCLI if os.path.exists(DEBIAN_ZKCLI) else None


def find_installation(env: dict[str, str] | None = None) -> Installation:
    """Look in $ZOOKEEPER_HOME, then Debian's package, then Homebrew; raise SandboxError if none."""
    env = dict(os.environ if env is None else env)
    home = env.get("ZOOKEEPER_HOME")
    if home:
        found = _from_release(home, "ZOOKEEPER_HOME")
        if found is None:
            raise SandboxError(f"ZOOKEEPER_HOME={home} holds no ZooKeeper jars (expected lib/*.jar); {INSTALL_HINT}")
        return Installation(_find_java(env), found[0], f"ZOOKEEPER_HOME={home}", found[1])
    found = _from_debian()
    if found is not None:
        return Installation(_find_java(env), found[0], "debian", found[1])
    for prefix in HOMEBREW_PREFIXES:
        libexec = os.path.join(prefix, "opt", "zookeeper", "libexec")
        found = _from_release(libexec, "homebrew") if os.path.isdir(libexec) else None
        if found is not None:
            return Installation(_find_java(env), found[0], f"homebrew {libexec}", found[1])
    raise SandboxError(f"ZooKeeper not found: {INSTALL_HINT}")
