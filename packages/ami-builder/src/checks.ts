import { readFileSync } from 'node:fs';

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

let checkScriptSource: string | undefined;

/** The bash source of the image checks (`check-image.sh`, shipped next to this module). */
export function checkScriptSourceText(): string {
  checkScriptSource ??= readFileSync(new URL('./check-image.sh', import.meta.url), 'utf8');
  return checkScriptSource;
}

/**
 * The script run on the validation instance over SSM: `check-image.sh` with the expected values
 * (the AMI's tags) exported in front. It prints one `LAB-CHECK` line per check and exits 0; the
 * verdict is made by `parseCheckOutput`.
 */
export function buildCheckScript(expect: ImageExpectations): string {
  const source = checkScriptSourceText();
  const shebang = source.indexOf('\n');
  return [
    source.slice(0, shebang),
    `export EXPECTED_PULSAR=${quote(expect.pulsarVersion)}`,
    `export EXPECTED_OMB=${quote(expect.ombCommit)}`,
    `export EXPECTED_JAVA=${quote(expect.javaVersion ?? '')}`,
    source.slice(shebang + 1),
  ].join('\n');
}

/**
 * Reads the check lines of `buildCheckScript`'s output. Every expected check that printed no
 * line is reported as failed with "no result".
 */
export function parseCheckOutput(
  stdout: string,
  expected: readonly string[] = expectedCheckNames(),
): ImageCheck[] {
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
