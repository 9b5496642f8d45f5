#!/usr/bin/env bash
# Runs a command with the moto AWS emulator listening on a free 127.0.0.1 port, exported as
# LAB_MOTO_ENDPOINT. Integration tests use it; without moto they are skipped locally and fail
# under CI. An endpoint already in LAB_MOTO_ENDPOINT is used as it is.
set -euo pipefail

if [[ -n "${LAB_MOTO_ENDPOINT:-}" ]]; then
  exec "$@"
fi

if ! command -v moto_server >/dev/null 2>&1; then
  if [[ -n "${CI:-}" && "${CI}" != "false" ]]; then
    echo "with-moto: moto_server not found under CI; install it with: pip install 'moto[server]==5.2.1'" >&2
    exit 1
  fi
  echo "with-moto: moto_server not found: integration tests will be SKIPPED (pip install 'moto[server]==5.2.1')" >&2
  exec "$@"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp -t moto.XXXXXX.log)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
# shellcheck disable=SC2317,SC2329 # called by the EXIT trap
cleanup() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

endpoint="http://127.0.0.1:${port}"
answers() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "${endpoint}/moto-api/" >/dev/null 2>&1
}
for _ in $(seq 1 100); do
  if answers; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "with-moto: moto_server exited during start-up:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if ! answers; then
  echo "with-moto: moto_server did not answer on ${endpoint} within 10 s" >&2
  cat "$log" >&2
  exit 1
fi

echo "with-moto: moto $(python3 -c 'import moto; print(moto.__version__)') on ${endpoint}" >&2
export LAB_MOTO_ENDPOINT="$endpoint"
status=0
"$@" || status=$?
exit "$status"
