#!/usr/bin/env bash
# Make sure Java and ZooKeeper are installed; install Debian's package when we can (root + apt-get).
set -euo pipefail
have_zookeeper() {
  command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] || return 1
  [ -n "${ZOOKEEPER_HOME:-}" ] && return 0
  [ -f /usr/share/java/zookeeper.jar ] && return 0
  for prefix in /opt/homebrew /usr/local /home/linuxbrew/.linuxbrew; do
    [ -d "$prefix/opt/zookeeper/libexec" ] && return 0
  done
  return 1
}
have_zookeeper && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Java and ZooKeeper with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends zookeeper default-jre-headless
  have_zookeeper && exit 0
fi
echo "ZooKeeper and Java are needed. Install them with:" >&2
echo "    sudo apt-get install zookeeper        (Debian/Ubuntu)" >&2
echo "    brew install zookeeper                 (macOS)" >&2
echo "or set ZOOKEEPER_HOME to an unpacked ZooKeeper release and JAVA_HOME to a JDK." >&2
exit 1
