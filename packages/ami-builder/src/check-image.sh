#!/usr/bin/env bash
# Checks a pulsar-aws-lab image from the inside (run over SSM on a validation instance). Prints
# one tab-separated line per check — LAB-CHECK name ok|fail expected actual — and always exits
# 0: @lab/ami-builder decides from those lines, so a missing line is a failed check.
# Expected values come from the AMI's tags through EXPECTED_PULSAR, EXPECTED_OMB and the
# optional EXPECTED_JAVA. LAB_ROOT (default /) prefixes every path, so tests can run it against
# a fake image.
set -uo pipefail

expected_pulsar="${EXPECTED_PULSAR:?EXPECTED_PULSAR is required}"
expected_omb="${EXPECTED_OMB:?EXPECTED_OMB is required}"
expected_java="${EXPECTED_JAVA:-}"
root="${LAB_ROOT:-/}"
root="${root%/}"

units=(zookeeper bookkeeper pulsar-broker omb-worker)
scripts=(lab-bootstrap lab-health-probe)
tools=(jq curl nc)

clean() { printf '%s' "$1" | tr '\t\n' '  '; }
report() { printf 'LAB-CHECK\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(clean "$3")" "$(clean "$4")"; }
verdict() { if [[ "$1" == "$2" ]]; then echo ok; else echo fail; fi; }

# Pulsar: the broker jar carries the release version; /opt/pulsar points at the release directory.
jar=$(find "${root}/opt/pulsar/lib/" -maxdepth 1 -name 'org.apache.pulsar-pulsar-broker-[0-9]*.jar' 2>/dev/null | head -n 1)
if [[ -n "$jar" ]]; then
  actual="${jar##*/org.apache.pulsar-pulsar-broker-}"
  actual="${actual%.jar}"
else
  actual="no broker jar in /opt/pulsar/lib"
fi
report pulsar.version "$(verdict "$actual" "$expected_pulsar")" "$expected_pulsar" "$actual"
if [[ -L "${root}/opt/pulsar" ]]; then
  target=$(readlink -f "${root}/opt/pulsar")
  target="${target#"$root"}"
else
  target="not a symlink"
fi
report pulsar.path "$(verdict "$target" "/opt/apache-pulsar-${expected_pulsar}")" "/opt/apache-pulsar-${expected_pulsar}" "$target"

java_line=$(java -version 2>&1 | head -n 1)
java_major=$(printf '%s' "$java_line" | sed -n 's/.*version "\([0-9]*\).*/\1/p')
if [[ -n "$expected_java" ]]; then
  report java.version "$(verdict "$java_major" "$expected_java")" "$expected_java" "${java_line:-no java}"
elif [[ "$java_major" =~ ^[0-9]+$ ]] && ((java_major >= 17)); then
  report java.version ok "17 or newer" "$java_line"
else
  report java.version fail "17 or newer" "${java_line:-no java}"
fi

omb=$(git -C "${root}/opt/omb" rev-parse HEAD 2>/dev/null || echo "no git checkout at /opt/omb")
report omb.commit "$(verdict "$omb" "$expected_omb")" "$expected_omb" "$omb"
if [[ -x "${root}/opt/omb/bin/benchmark" && -x "${root}/opt/omb/bin/benchmark-worker" ]]; then
  report omb.scripts ok "bin/benchmark, bin/benchmark-worker executable" "present"
else
  report omb.scripts fail "bin/benchmark, bin/benchmark-worker executable" "missing"
fi

# Units are installed but not enabled: lab-bootstrap enables what a node's role needs.
for unit in "${units[@]}"; do
  if [[ -f "${root}/etc/systemd/system/${unit}.service" ]]; then
    state=$(systemctl is-enabled "${unit}.service" 2>/dev/null || true)
    report "unit.${unit}" "$(verdict "$state" disabled)" "installed, disabled" "installed, ${state:-unknown}"
  else
    report "unit.${unit}" fail "installed, disabled" "missing"
  fi
done

for script in "${scripts[@]}"; do
  if [[ -x "${root}/opt/lab/bin/${script}" ]]; then
    report "script.${script}" ok "executable" "executable"
  elif [[ -e "${root}/opt/lab/bin/${script}" ]]; then
    report "script.${script}" fail "executable" "not executable"
  else
    report "script.${script}" fail "executable" "missing"
  fi
done

missing=""
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || missing="${missing} ${tool}"
done
if [[ -z "$missing" ]]; then
  report tools ok "${tools[*]}" "present"
else
  report tools fail "${tools[*]}" "missing:${missing}"
fi
exit 0
