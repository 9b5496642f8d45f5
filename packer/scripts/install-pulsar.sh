#!/usr/bin/env bash
# Installs the Apache Pulsar binary distribution at /opt/apache-pulsar-<version> with /opt/pulsar
# pointing at it, owned by the `pulsar` user, after checking the tarball against a SHA-512 pinned
# below — never against a digest fetched from the same host as the tarball.
#
#   PULSAR_VERSION   required, e.g. 4.0.4; must have a pinned digest (or PULSAR_SHA512)
#   PULSAR_TARBALL   a local copy of the tarball (no download)
#   PULSAR_URL       where to download it (default: Maven Central's copy, see below)
#   PULSAR_SHA512    a digest you vetted yourself, for a version without a pin
#   PULSAR_OWNER     owner of the installed tree (default pulsar)
#   LAB_ROOT         prefix of every path written (default /): the local target and the tests
#                    install into a directory
set -euo pipefail

: "${PULSAR_VERSION:?PULSAR_VERSION is required (e.g. 4.0.4)}"
owner="${PULSAR_OWNER:-pulsar}"
root="${LAB_ROOT:-/}"
root="${root%/}"

name="apache-pulsar-${PULSAR_VERSION}"

log() { printf 'install-pulsar: %s\n' "$*" >&2; }

# The SHA-512 of apache-pulsar-<version>-bin.tar.gz per supported version. Each was computed from
# Maven Central's org.apache.pulsar:pulsar-server-distribution:<version>:tar.gz:bin (the same
# apache-pulsar-<version>/ tree as Apache's release tarball), after checking that file against
# Maven Central's own .sha1. Adding a version: verify the release, then add its line here.
pinned_sha512() {
  case "$1" in
    4.0.4) echo 6dd1a9698217363fe314fa9bfdbb093bb5d769f479deea9981ce4487db8ccdfa78a62ebb885d06b1d984f8298d8f9a7021beca9230609b570ef77f2209f19011 ;;
    *) return 1 ;;
  esac
}

expected="${PULSAR_SHA512:-}"
if [[ -z "$expected" ]] && ! expected=$(pinned_sha512 "$PULSAR_VERSION"); then
  log "no pinned SHA-512 for Pulsar ${PULSAR_VERSION} (pinned: 4.0.4); verify that release and pin its digest in install-pulsar.sh, or pass PULSAR_SHA512"
  exit 2
fi
expected="${expected,,}"
if [[ ! "$expected" =~ ^[0-9a-f]{128}$ ]]; then
  log "PULSAR_SHA512 must be 128 hexadecimal digits, got '${expected}'"
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n "${PULSAR_TARBALL:-}" ]]; then
  if [[ ! -f "$PULSAR_TARBALL" ]]; then
    log "PULSAR_TARBALL ${PULSAR_TARBALL} is not a file"
    exit 2
  fi
  tarball="$PULSAR_TARBALL"
  log "using ${tarball}"
else
  url="${PULSAR_URL:-https://repo1.maven.org/maven2/org/apache/pulsar/pulsar-server-distribution/${PULSAR_VERSION}/pulsar-server-distribution-${PULSAR_VERSION}-bin.tar.gz}"
  tarball="${work}/${name}-bin.tar.gz"
  log "downloading ${url}"
  curl --fail --silent --show-error --location --retry 5 --retry-delay 5 --output "$tarball" "$url"
fi

actual=$(sha512sum "$tarball" | cut -d ' ' -f 1)
if [[ "$actual" != "$expected" ]]; then
  log "SHA-512 mismatch for ${tarball}: expected ${expected}, got ${actual}"
  exit 1
fi
log "SHA-512 verified"

install -d -m 0755 "${root}/opt"
tar -xzf "$tarball" -C "${root}/opt"
if [[ ! -x "${root}/opt/${name}/bin/pulsar" ]]; then
  log "the tarball has no ${name}/bin/pulsar"
  exit 1
fi
# Relative, so the link also resolves under LAB_ROOT.
ln -sfn "$name" "${root}/opt/pulsar"
chown -R "${owner}:" "${root}/opt/${name}"
chown -h "${owner}:" "${root}/opt/pulsar"
log "installed ${name} at /opt/pulsar"
