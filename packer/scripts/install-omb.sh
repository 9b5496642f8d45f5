#!/usr/bin/env bash
# Builds OpenMessaging Benchmark (OMB) at a pinned commit into /opt/omb (bin/benchmark,
# bin/benchmark-worker), with only the Pulsar driver, using a pinned Maven from Maven Central.
# The same script bakes the AMI and prepares the local target.
#
#   OMB_COMMIT        required: the full 40-character commit to build
#   OMB_SOURCE        a git URL (default https://github.com/openmessaging/benchmark.git), a local
#                     git checkout, or a tarball made by `git archive` of that commit
#   OMB_MAVEN_REPO    the Maven repository of the build (default /opt/omb/.m2/repository). OMB's
#                     scripts run from the source tree with a classpath that points into it, so
#                     it must stay where it is.
#   MAVEN_VERSION     Maven to build with (default 3.9.16; OMB's enforcer needs >= 3.8.6, more
#                     than Amazon Linux 2023's package); MAVEN_TARBALL: a local copy of its -bin.tar.gz
#   LOMBOK_VERSION    default 1.18.30: OMB pins 1.18.24, which fails to compile on JDK 21
#   LAB_ROOT          prefix of every path written (default /)
# Needs a JDK (javac) 17 or newer, git (for a git source), curl, tar, sha512sum.
set -euo pipefail

: "${OMB_COMMIT:?OMB_COMMIT is required (a full git commit id)}"
source_ref="${OMB_SOURCE:-https://github.com/openmessaging/benchmark.git}"
maven_version="${MAVEN_VERSION:-3.9.16}"
lombok_version="${LOMBOK_VERSION:-1.18.30}"
root="${LAB_ROOT:-/}"
root="${root%/}"
target="${root}/opt/omb"
maven_repo="${OMB_MAVEN_REPO:-${target}/.m2/repository}"

log() { printf 'install-omb: %s\n' "$*" >&2; }
fail() {
  log "$1"
  exit "${2:-1}"
}

[[ "$OMB_COMMIT" =~ ^[0-9a-f]{40}$ ]] || fail "OMB_COMMIT must be a full 40-character lowercase commit id, got '${OMB_COMMIT}'" 2
command -v javac >/dev/null || fail "no javac on PATH: OMB needs a JDK 17 or newer to build" 2

# Maven's own SHA-512 per pinned version, as Apache publishes it (also on Maven Central).
maven_sha512() {
  case "$1" in
    3.9.16) echo 831a8591fe20c8243b1dbe7d71e3244f31d1665b0804b2e825e38cbbe5ce0cafb8338851f90780735568773e0a6cd07bbec107cda0b896b008b861075358b6f6 ;;
    *) return 1 ;;
  esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch_source() {
  rm -rf "$target"
  install -d -m 0755 "$(dirname "$target")"
  if [[ -f "$source_ref" ]]; then
    # `git archive` records the commit in the tar header; read it before trusting the content.
    local recorded
    recorded=$(gzip -dcf "$source_ref" | git get-tar-commit-id 2>/dev/null || true)
    [[ "$recorded" == "$OMB_COMMIT" ]] ||
      fail "${source_ref} is not a git archive of ${OMB_COMMIT} (its header records '${recorded:-no commit}')"
    install -d -m 0755 "$target"
    tar -xzf "$source_ref" -C "$target"
    log "extracted ${source_ref} (git archive of ${OMB_COMMIT})"
  else
    log "cloning ${source_ref}"
    git clone --quiet "$source_ref" "$target"
    git -C "$target" -c advice.detachedHead=false checkout --quiet "$OMB_COMMIT"
    local head
    head=$(git -C "$target" rev-parse HEAD)
    [[ "$head" == "$OMB_COMMIT" ]] || fail "expected commit ${OMB_COMMIT}, checked out ${head}"
  fi
}

# OMB's framework depends on every driver, and driver-bookkeeper's distributedlog-core-shaded
# does not resolve (its parent POM is missing from Maven Central): build the Pulsar driver only.
only_pulsar_driver() {
  local pom
  for pom in "${target}/pom.xml" "${target}/benchmark-framework/pom.xml"; do
    [[ -f "$pom" ]] || fail "${pom} is missing: not an OMB source tree"
  done
  awk '
    /<module>/ { if ($0 !~ /<module>(benchmark-framework|driver-api|driver-pulsar)<\/module>/) next }
    { print }
  ' "${target}/pom.xml" >"${work}/pom.xml"
  awk '
    /<dependency>/ { block = $0; inside = 1; next }
    inside { block = block "\n" $0 }
    inside && /<\/dependency>/ {
      inside = 0
      if (block ~ /<artifactId>driver-/ && block !~ /<artifactId>driver-(api|pulsar)</) next
      print block
      next
    }
    !inside { print }
  ' "${target}/benchmark-framework/pom.xml" >"${work}/framework-pom.xml"
  cat "${work}/pom.xml" >"${target}/pom.xml"
  cat "${work}/framework-pom.xml" >"${target}/benchmark-framework/pom.xml"
  if grep -Eq '<artifactId>driver-(artemis|bookkeeper|kafka|rabbitmq)</artifactId>' "${target}/benchmark-framework/pom.xml"; then
    fail "could not remove the other drivers from benchmark-framework/pom.xml"
  fi
}

install_maven() {
  local expected tarball="${MAVEN_TARBALL:-}"
  expected=$(maven_sha512 "$maven_version") || fail "no pinned SHA-512 for Maven ${maven_version} (pinned: 3.9.16)" 2
  if [[ -z "$tarball" ]]; then
    tarball="${work}/apache-maven-${maven_version}-bin.tar.gz"
    curl --fail --silent --show-error --location --retry 5 --retry-delay 5 --output "$tarball" \
      "https://repo1.maven.org/maven2/org/apache/maven/apache-maven/${maven_version}/apache-maven-${maven_version}-bin.tar.gz"
  fi
  [[ "$(sha512sum "$tarball" | cut -d ' ' -f 1)" == "$expected" ]] || fail "SHA-512 mismatch for ${tarball} (Maven ${maven_version})"
  tar -xzf "$tarball" -C "$work"
  MVN="${work}/apache-maven-${maven_version}/bin/mvn"
  log "Maven ${maven_version} verified"
}

fetch_source
only_pulsar_driver
install_maven

log "building OMB ${OMB_COMMIT} (Pulsar driver only)"
(
  cd "$target"
  "$MVN" -B -ntp -q -Dmaven.repo.local="$maven_repo" -Dlombok.version="$lombok_version" \
    -DskipTests -Dlicense.skip=true -Dspotless.check.skip=true -Dspotless.apply.skip=true \
    -Dspotbugs.skip=true -Dcheckstyle.skip=true clean package
)

[[ -s "${target}/benchmark-framework/target/classpath.txt" ]] ||
  fail "the build left no benchmark-framework/target/classpath.txt, which bin/benchmark needs"
for script in bin/benchmark bin/benchmark-worker; do
  [[ -x "${target}/${script}" ]] || fail "missing ${target}/${script} after the build"
done
printf '%s\n' "$OMB_COMMIT" >"${target}/.lab-omb-commit"
chmod -R a+rX "$target"
log "OMB ${OMB_COMMIT} ready at /opt/omb"
