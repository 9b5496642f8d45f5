#!/usr/bin/env bash
# Last step of the bake: records what went into the image in /opt/lab/image.json, checks that
# the SSM agent will start at boot, and removes build leftovers.
set -euo pipefail

: "${PULSAR_VERSION:?PULSAR_VERSION is required}"
: "${OMB_COMMIT:?OMB_COMMIT is required}"
: "${JAVA_VERSION:?JAVA_VERSION is required}"

log() { printf 'finish: %s\n' "$*" >&2; }

jq -n \
  --arg pulsarVersion "$PULSAR_VERSION" \
  --arg ombCommit "$OMB_COMMIT" \
  --arg javaVersion "$JAVA_VERSION" \
  --arg builtAt "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  '{pulsarVersion: $pulsarVersion, ombCommit: $ombCommit, javaVersion: $javaVersion, builtAt: $builtAt}' \
  >/opt/lab/image.json

if [[ "$(systemctl is-enabled amazon-ssm-agent)" != "enabled" ]]; then
  log "amazon-ssm-agent is not enabled"
  exit 1
fi

rm -rf /tmp/lab-files /tmp/lab-systemd
dnf clean all -q
log "image finished"
