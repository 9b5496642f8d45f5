#!/usr/bin/env bash
# Builds OpenMessaging Benchmark at a pinned commit into /opt/omb (bin/benchmark,
# bin/benchmark-worker). The Maven repository lives inside the checkout because OMB's scripts
# run from the source tree with a classpath that points into it, and the worker runs as `pulsar`.
set -euo pipefail

: "${OMB_COMMIT:?OMB_COMMIT is required (a full git commit id)}"
repository="${OMB_REPOSITORY:-https://github.com/openmessaging/benchmark.git}"
target=/opt/omb

log() { printf 'install-omb: %s\n' "$*" >&2; }

log "cloning ${repository}"
git clone --quiet "$repository" "$target"
git -C "$target" -c advice.detachedHead=false checkout --quiet "$OMB_COMMIT"
head=$(git -C "$target" rev-parse HEAD)
if [[ "$head" != "$OMB_COMMIT" ]]; then
  log "expected commit ${OMB_COMMIT}, checked out ${head}"
  exit 1
fi

log "building OMB at ${head}"
(
  cd "$target"
  mvn -B -ntp -q -Dmaven.repo.local="${target}/.m2/repository" -DskipTests -Dlicense.skip=true \
    -Dspotless.check.skip=true clean verify
)

if [[ ! -s "${target}/benchmark-framework/target/classpath.txt" ]]; then
  log "the build left no benchmark-framework/target/classpath.txt, which bin/benchmark needs"
  exit 1
fi
for script in bin/benchmark bin/benchmark-worker; do
  if [[ ! -x "${target}/${script}" ]]; then
    log "missing ${target}/${script} after the build"
    exit 1
  fi
done
chmod -R a+rX "$target"
log "OMB ${head} ready at ${target}"
