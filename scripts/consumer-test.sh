#!/usr/bin/env bash
# What a user gets from npm, tried from an empty directory: the tarballs of every publishable
# package (made by `release-dry-run.sh --keep`, or taken from a directory given as argument) are
# installed with `npm install` into a fresh directory outside the workspace, then the CLIs run
# as a newcomer would run them and the first code example of every library's README runs as a
# reader would paste it (scripts/readme-examples.mjs). Each command is echoed, then its output;
# the first failure ends the test with a non-zero exit and its name.
#
# Nothing reaches AWS: dummy credentials, no instance metadata, and the moto emulator
# (scripts/with-moto.sh; moto_server on PATH, e.g. through scripts/lab-tools.sh) as
# AWS_ENDPOINT_URL for everything that calls an AWS API. Node >= 22 from scripts/ensure-node.sh.
#
# Needs `pnpm install` and `pnpm build` done when it makes the tarballs.
#   bash scripts/lab-tools.sh bash scripts/consumer-test.sh            # pack, install, try
#   bash scripts/lab-tools.sh bash scripts/consumer-test.sh DIR        # reuse the *.tgz in DIR
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Seconds since the test began (the second half is another process, see --in-consumer).
started=$((SECONDS - ${CONSUMER_TEST_ELAPSED:-0}))

fail() {
  echo "consumer-test: FAILED: $1" >&2
  exit 1
}
step() { printf '\n=== %s (%ss)\n' "$1" "$((SECONDS - started))"; }
# Echoes a command, then runs it; its failure ends the test, named.
try() {
  printf '\n$ %s\n' "$*"
  "$@" || fail "\`$*\` exited with $?"
}

# The second half runs under with-moto.sh (which exports LAB_MOTO_ENDPOINT): this same script,
# called again with the consumer directory.
if [[ ${1:-} == --in-consumer ]]; then
  consumer=${2:?--in-consumer needs a directory}
  [[ -n ${LAB_MOTO_ENDPOINT:-} ]] ||
    fail 'moto_server is not on PATH: run under scripts/lab-tools.sh, or pip install "moto[server]==5.2.1"'
  export AWS_ENDPOINT_URL=$LAB_MOTO_ENDPOINT
  cd "$consumer"

  step 'the CLIs, as a newcomer runs them'
  try npx lab-orchestrate full --test-plan poc --dry-run
  try npx lab-ami build --pulsar-version 4.0.4 --region us-east-1 --dry-run
  try npx lab-cleanup --help
  try npx lab-orchestrate --help

  step "every library README's first example"
  try node "$root/scripts/readme-examples.mjs" "$consumer" --typecheck-with "$root"
  exit 0
fi

(($# <= 1)) || fail 'usage: consumer-test.sh [TARBALL_DIR]'
PATH="$(bash "$root/scripts/ensure-node.sh")"
export PATH

work=$(mktemp -d -t lab-consumer.XXXXXX)
# shellcheck disable=SC2317,SC2329 # called by the EXIT trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

if (($# == 1)); then
  tarballs=$(cd "$1" 2>/dev/null && pwd) || fail "no such directory: $1"
else
  step 'release dry run (keeps the tarballs)'
  tarballs=$work/tarballs
  bash "$root/scripts/release-dry-run.sh" --keep "$tarballs" || fail 'the release dry run failed'
fi
shopt -s nullglob
packed=("$tarballs"/*.tgz)
shopt -u nullglob
((${#packed[@]} > 0)) || fail "no *.tgz in $tarballs"

# Nothing may reach a real AWS account, read the user's AWS configuration or write to their home.
export AWS_EC2_METADATA_DISABLED=true
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=consumer-test-not-a-secret
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export PULSAR_AWS_LAB_HOME=$work/home
export NO_COLOR=1

consumer=$work/consumer
mkdir -p "$consumer"
step "npm install of ${#packed[@]} tarballs in an empty directory ($consumer)"
(cd "$consumer" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --loglevel=error "${packed[@]}") || fail 'npm install of the tarballs failed'
echo "node $(node --version), npm $(npm --version)"

CONSUMER_TEST_ELAPSED=$((SECONDS - started)) bash "$root/scripts/with-moto.sh" \
  bash "${BASH_SOURCE[0]}" --in-consumer "$consumer"
step "consumer test passed in $((SECONDS - started)) s"
