/** What the validation instance is checked against: the AMI's own tags. */
export interface ImageExpectations {
  pulsarVersion: string;
  ombCommit: string;
  /** Corretto major version from the JavaVersion tag; any 17+ when absent. */
  javaVersion?: string | undefined;
}

/** One check's outcome on the validation instance. */
export interface ImageCheck {
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
}

/** The layout every image must have (the shared image contract). */
export const IMAGE_LAYOUT = {
  pulsarHome: '/opt/pulsar',
  ombHome: '/opt/omb',
  labBin: '/opt/lab/bin',
  units: ['zookeeper', 'bookkeeper', 'pulsar-broker', 'omb-worker'],
  scripts: ['lab-bootstrap', 'lab-health-probe'],
  tools: ['jq', 'curl', 'nc'],
} as const;

/** Names of the checks `buildCheckScript` reports, in order. */
export function expectedCheckNames(): string[] {
  return [
    'pulsar.version',
    'pulsar.path',
    'java.version',
    'omb.commit',
    'omb.scripts',
    ...IMAGE_LAYOUT.units.map((unit) => `unit.${unit}`),
    ...IMAGE_LAYOUT.scripts.map((script) => `script.${script}`),
    'tools',
  ];
}

const MARKER = 'LAB-CHECK';

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The bash script run on the validation instance (over SSM). It prints one tab-separated line per
 * check — `LAB-CHECK name ok|fail expected actual` — and always exits 0: the verdict is made
 * here from those lines, so a missing line is a failed check, not a silent pass.
 */
export function buildCheckScript(expect: ImageExpectations): string {
  const lines = [
    '#!/usr/bin/env bash',
    'set -uo pipefail',
    '# LAB_ROOT (default /) prefixes every path, so tests can run this against a fake image.',
    'root="${LAB_ROOT:-/}"; root="${root%/}"',
    `expected_pulsar=${quote(expect.pulsarVersion)}`,
    `expected_omb=${quote(expect.ombCommit)}`,
    `expected_java=${quote(expect.javaVersion ?? '')}`,
    `report() { printf '${MARKER}\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$(printf '%s' "$3" | tr '\\t\\n' '  ')" "$(printf '%s' "$4" | tr '\\t\\n' '  ')"; }`,
    'verdict() { if [[ "$1" == "$2" ]]; then echo ok; else echo fail; fi; }',
    '',
    '# Pulsar: the broker jar carries the release version; /opt/pulsar points at the release directory.',
    'jar=$(find "$root/opt/pulsar/lib" -maxdepth 1 -name "org.apache.pulsar-pulsar-broker-[0-9]*.jar" 2>/dev/null | head -n 1)',
    'actual=${jar##*/org.apache.pulsar-pulsar-broker-}; actual=${actual%.jar}',
    '[[ -n "$jar" ]] || actual="no broker jar in /opt/pulsar/lib"',
    'report pulsar.version "$(verdict "$actual" "$expected_pulsar")" "$expected_pulsar" "$actual"',
    'target=$(readlink -f "$root/opt/pulsar" 2>/dev/null || echo missing); target=${target#"$root"}',
    'report pulsar.path "$(verdict "$target" "/opt/apache-pulsar-$expected_pulsar")" "/opt/apache-pulsar-$expected_pulsar" "$target"',
    '',
    'java_line=$(java -version 2>&1 | head -n 1)',
    'java_major=$(printf "%s" "$java_line" | sed -n \'s/.*version "\\([0-9]*\\).*/\\1/p\')',
    'if [[ -n "$expected_java" ]]; then',
    '  report java.version "$(verdict "$java_major" "$expected_java")" "$expected_java" "${java_line:-no java}"',
    'elif [[ "$java_major" =~ ^[0-9]+$ ]] && ((java_major >= 17)); then',
    '  report java.version ok "17 or newer" "$java_line"',
    'else',
    '  report java.version fail "17 or newer" "${java_line:-no java}"',
    'fi',
    '',
    'omb=$(git -C "$root/opt/omb" rev-parse HEAD 2>/dev/null || echo "no git checkout at /opt/omb")',
    'report omb.commit "$(verdict "$omb" "$expected_omb")" "$expected_omb" "$omb"',
    'if [[ -x "$root/opt/omb/bin/benchmark" && -x "$root/opt/omb/bin/benchmark-worker" ]]; then',
    '  report omb.scripts ok "bin/benchmark, bin/benchmark-worker executable" "present"',
    'else',
    '  report omb.scripts fail "bin/benchmark, bin/benchmark-worker executable" "missing"',
    'fi',
    '',
    '# Units are installed but not enabled: lab-bootstrap enables what a role needs.',
    `for unit in ${IMAGE_LAYOUT.units.join(' ')}; do`,
    '  if [[ -f "$root/etc/systemd/system/${unit}.service" ]]; then',
    '    state=$(systemctl is-enabled "${unit}.service" 2>/dev/null || true)',
    '    report "unit.${unit}" "$(verdict "$state" disabled)" "installed, disabled" "installed, ${state:-unknown}"',
    '  else',
    '    report "unit.${unit}" fail "installed, disabled" "missing"',
    '  fi',
    'done',
    '',
    `for script in ${IMAGE_LAYOUT.scripts.join(' ')}; do`,
    `  if [[ -x "$root${IMAGE_LAYOUT.labBin}/\${script}" ]]; then`,
    '    report "script.${script}" ok "executable" "executable"',
    `  elif [[ -e "$root${IMAGE_LAYOUT.labBin}/\${script}" ]]; then`,
    '    report "script.${script}" fail "executable" "not executable"',
    '  else',
    '    report "script.${script}" fail "executable" "missing"',
    '  fi',
    'done',
    '',
    'missing=""',
    `for tool in ${IMAGE_LAYOUT.tools.join(' ')}; do command -v "$tool" >/dev/null || missing="$missing $tool"; done`,
    `if [[ -z "$missing" ]]; then report tools ok "${IMAGE_LAYOUT.tools.join(' ')}" "present"; else report tools fail "${IMAGE_LAYOUT.tools.join(' ')}" "missing:$missing"; fi`,
    'exit 0',
    '',
  ];
  return lines.join('\n');
}

/**
 * Reads the check lines of `buildCheckScript`'s output. Every expected check that printed no
 * line is reported as failed with "no result".
 */
export function parseCheckOutput(stdout: string, expected: readonly string[] = expectedCheckNames()): ImageCheck[] {
  const found = new Map<string, ImageCheck>();
  for (const line of stdout.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t');
    if (fields[0] !== MARKER || fields.length < 5) continue;
    const [, name, verdict, want, actual] = fields as [string, string, string, string, string];
    found.set(name, { name, ok: verdict === 'ok', expected: want, actual });
  }
  const checks = expected.map(
    (name) => found.get(name) ?? { name, ok: false, expected: 'a result', actual: 'no result' },
  );
  for (const [name, check] of found) if (!expected.includes(name)) checks.push(check);
  return checks;
}
