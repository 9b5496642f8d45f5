#!/usr/bin/env bash
# OS tuning for a message broker: open-file and process limits for the `pulsar` user (the
# systemd units set LimitNOFILE too), low swappiness, deep accept queues and large socket
# buffers. LAB_ROOT (default /) prefixes every path it writes, so tests can run it.
set -euo pipefail

root="${LAB_ROOT:-/}"
root="${root%/}"

log() { printf 'tune-os: %s\n' "$*" >&2; }

install -d -m 0755 "${root}/etc/security/limits.d" "${root}/etc/sysctl.d"

cat >"${root}/etc/security/limits.d/90-pulsar.conf" <<'LIMITS'
pulsar soft nofile 1048576
pulsar hard nofile 1048576
pulsar soft nproc  65536
pulsar hard nproc  65536
LIMITS

cat >"${root}/etc/sysctl.d/90-pulsar.conf" <<'SYSCTL'
vm.swappiness = 1
vm.max_map_count = 262144
fs.file-max = 2097152
net.core.somaxconn = 65535
net.core.netdev_max_backlog = 16384
net.core.rmem_max = 16777216
net.core.wmem_max = 16777216
net.ipv4.tcp_rmem = 4096 87380 16777216
net.ipv4.tcp_wmem = 4096 65536 16777216
net.ipv4.tcp_max_syn_backlog = 8192
net.ipv4.ip_local_port_range = 10240 65535
SYSCTL

if [[ -z "$root" ]]; then
  # Applies the file now, which also rejects a key this kernel does not know.
  sysctl -q -p /etc/sysctl.d/90-pulsar.conf
fi
log "limits and sysctls written"
