#!/usr/bin/env bash
# Installs the lab's on-instance scripts at /opt/lab (bin/* executable) and the systemd units of
# the image. The units are installed but NOT enabled: lab-bootstrap enables what a node's role
# needs at boot. LAB_ROOT (default /) prefixes every path it writes, so tests can run it.
set -euo pipefail

files="${LAB_FILES:-/tmp/lab-files}"
units_dir="${LAB_SYSTEMD_FILES:-/tmp/lab-systemd}"
root="${LAB_ROOT:-/}"
root="${root%/}"

required_scripts=(lab-bootstrap lab-health-probe)
units=(zookeeper bookkeeper pulsar-broker omb-worker)

log() { printf 'install-lab: %s\n' "$*" >&2; }

install -d -m 0755 "${root}/opt/lab" "${root}/opt/lab/bin" "${root}/etc/lab" "${root}/var/log/lab" \
  "${root}/etc/systemd/system"
cp -R "${files}/." "${root}/opt/lab/"
shopt -s nullglob
lab_bin=("${root}/opt/lab/bin/"*)
shopt -u nullglob
if ((${#lab_bin[@]} > 0)); then
  chmod 0755 "${lab_bin[@]}"
fi
for script in "${required_scripts[@]}"; do
  if [[ ! -x "${root}/opt/lab/bin/${script}" ]]; then
    log "missing /opt/lab/bin/${script} (expected in packer/files/lab/bin/)"
    exit 1
  fi
done

for unit in "${units[@]}"; do
  if [[ ! -f "${units_dir}/${unit}.service" ]]; then
    log "missing unit ${unit}.service in ${units_dir}"
    exit 1
  fi
  install -m 0644 "${units_dir}/${unit}.service" "${root}/etc/systemd/system/${unit}.service"
done

if [[ -z "$root" ]]; then
  systemctl daemon-reload
  for unit in "${units[@]}"; do
    state=$(systemctl is-enabled "${unit}.service" 2>/dev/null || true)
    if [[ "$state" != "disabled" ]]; then
      log "${unit}.service should be installed but disabled, is '${state}'"
      exit 1
    fi
  done
fi
log "installed /opt/lab and units: ${units[*]} (not enabled)"
