#!/usr/bin/env bash
# Base packages for the Pulsar image on Amazon Linux 2023: Amazon Corretto (the JDK also builds
# OMB; install-omb.sh brings its own Maven), the tools the lab's on-instance scripts rely on (jq,
# curl, iproute for ip and ss), git, the `pulsar` system user, and the SSM agent (the only way
# in: no SSH keys, no inbound ports).
set -euo pipefail

: "${JAVA_VERSION:?JAVA_VERSION is required (17 or 21)}"

log() { printf 'base: %s\n' "$*" >&2; }

log "updating the system"
dnf -y -q upgrade --refresh

log "installing Amazon Corretto ${JAVA_VERSION} and tools"
dnf -y -q install \
  "java-${JAVA_VERSION}-amazon-corretto-headless" \
  "java-${JAVA_VERSION}-amazon-corretto-devel" \
  git jq iproute tar gzip procps-ng amazon-ssm-agent

# curl-minimal provides `curl` on AL2023; make sure one of them is there.
command -v curl >/dev/null || dnf -y -q install curl-minimal

java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [[ "$java_major" != "$JAVA_VERSION" ]]; then
  log "expected Java ${JAVA_VERSION}, found '${java_major}'"
  exit 1
fi

if ! id pulsar >/dev/null 2>&1; then
  log "creating the pulsar system user"
  useradd --system --user-group --no-create-home --home-dir /opt/pulsar --shell /sbin/nologin pulsar
fi

systemctl enable --now amazon-ssm-agent
log "done"
