#!/usr/bin/env bash
# Test double for the system commands lab-bootstrap runs. Copied under each command's name; it
# records every call as one JSON line in $STUB_LOG and behaves like a fresh instance would.
set -euo pipefail
name="$(basename "$0")"

# In bash alone: starting jq for every call would cost more than the bootstrap itself.
json() {
  local text=${1//\\/\\\\}
  text=${text//\"/\\\"}
  printf '"%s"' "$text"
}
line="{\"cmd\":$(json "$name"),\"root\":$(json "${LAB_ROOT:-}"),\"args\":["
separator=""
for arg in "$@"; do
  line+="$separator$(json "$arg")"
  separator=","
done
printf '%s]}\n' "$line" >>"$STUB_LOG"

case "$name" in
  blkid) exit 2 ;;      # a fresh volume holds no filesystem
  mountpoint) exit 1 ;; # nothing mounted yet
  ip)
    # `ip -o -4 addr show`: loopback and the test VPC's interface.
    printf '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n'
    printf '2: ens5    inet 10.42.0.0/16 brd 10.42.255.255 scope global ens5\\       valid_lft forever preferred_lft forever\n'
    ;;
  nc)
    cat >/dev/null
    if [[ -n "${STUB_ZK_MODE:-}" ]]; then
      printf 'Zookeeper version: 3.9.2\nMode: %s\n' "$STUB_ZK_MODE"
    else
      exit 1
    fi
    ;;
  pulsar)
    case "$1" in
      zookeeper-shell)
        if [[ -f "$STUB_STATE/initialized" ]]; then
          printf 'cZxid = 0x10\nctime = now\n'
        else
          echo "Node does not exist: ${*: -1}" >&2
          exit 1
        fi
        ;;
      initialize-cluster-metadata)
        if [[ -n "${STUB_INIT_FAILS:-}" ]]; then
          echo "metadata store unreachable" >&2
          exit 3
        fi
        sleep 0.2 # widens the window a racing second initializer would hit
        touch "$STUB_STATE/initialized"
        echo "Cluster metadata setup correctly"
        ;;
      *)
        echo "unexpected pulsar command $1" >&2
        exit 64
        ;;
    esac
    ;;
esac
