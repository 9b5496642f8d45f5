#!/usr/bin/env bash
# Downloads the Apache Pulsar release tarball and its published .sha512, refuses a tarball that
# does not match, and installs it at /opt/apache-pulsar-<version> with /opt/pulsar pointing at
# it, owned by the `pulsar` user. LAB_ROOT (default /) prefixes every path it writes, so tests
# run it in a temporary directory against a file:// mirror.
set -euo pipefail

: "${PULSAR_VERSION:?PULSAR_VERSION is required (e.g. 4.0.4)}"
mirror="${PULSAR_MIRROR:-https://archive.apache.org/dist/pulsar}"
owner="${PULSAR_OWNER:-pulsar}"
root="${LAB_ROOT:-/}"
root="${root%/}"

name="apache-pulsar-${PULSAR_VERSION}"
tarball="${name}-bin.tar.gz"
url="${mirror%/}/pulsar-${PULSAR_VERSION}/${tarball}"

log() { printf 'install-pulsar: %s\n' "$*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {
  curl --fail --silent --show-error --location --retry 5 --retry-delay 5 --output "$2" "$1"
}

log "downloading ${url}"
fetch "$url" "${work}/${tarball}"
fetch "${url}.sha512" "${work}/${tarball}.sha512"

# Apache publishes either `<hex>  <file>` or gpg's grouped upper-case form; the digest is the
# first run of 128 hex digits once whitespace is removed.
published=$(tr -d '[:space:]' <"${work}/${tarball}.sha512")
if [[ ! "$published" =~ ([0-9a-fA-F]{128}) ]]; then
  log "no SHA-512 digest found in ${url}.sha512"
  exit 1
fi
expected="${BASH_REMATCH[1],,}"
actual=$(sha512sum "${work}/${tarball}" | cut -d ' ' -f 1)
if [[ "$actual" != "$expected" ]]; then
  log "SHA-512 mismatch for ${tarball}: expected ${expected}, got ${actual}"
  exit 1
fi
log "SHA-512 verified"

install -d -m 0755 "${root}/opt"
tar -xzf "${work}/${tarball}" -C "${root}/opt"
if [[ ! -x "${root}/opt/${name}/bin/pulsar" ]]; then
  log "the tarball has no ${name}/bin/pulsar"
  exit 1
fi
# Relative, so the link also resolves under LAB_ROOT.
ln -sfn "$name" "${root}/opt/pulsar"
chown -R "${owner}:" "${root}/opt/${name}"
chown -h "${owner}:" "${root}/opt/pulsar"
log "installed ${name} at /opt/pulsar"
