/** One check of `lab-health-probe`. */
export interface ProbeCheck {
  name: string;
  /** `service` (a systemd unit) or `endpoint`. */
  kind: string;
  ok: boolean;
  detail: string;
}

/** The JSON document `lab-health-probe` prints. */
export interface ProbeReport {
  role: string | null;
  check: string;
  ok: boolean;
  elapsedMs?: number;
  checks: ProbeCheck[];
  /** Set when the probe could not run its checks (bad arguments, unknown role). */
  error?: string;
}

export type ParsedProbeOutput = { report: ProbeReport; problem?: undefined } | { problem: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the probe's JSON document from a command's stdout. Never throws: anything that is not
 * the probe's document comes back as `{ problem }` with a short reason.
 */
export function parseProbeOutput(stdout: string): ParsedProbeOutput {
  const text = stdout.trim();
  if (text === '') return { problem: 'the probe printed nothing' };
  // The whole output should be the document; fall back to its last line in case something
  // (a login banner, a warning) was printed before it.
  const lines = text.split('\n');
  const candidates = lines.length > 1 ? [text, lines[lines.length - 1]!.trim()] : [text];
  let lastProblem = '';
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch (error) {
      lastProblem = `not JSON (${error instanceof Error ? error.message : String(error)}): ${excerpt(text)}`;
      continue;
    }
    const report = toReport(value);
    if (typeof report === 'string') {
      lastProblem = `${report}: ${excerpt(text)}`;
      continue;
    }
    return { report };
  }
  return { problem: lastProblem };
}

function toReport(value: unknown): ProbeReport | string {
  if (!isRecord(value)) return 'not a JSON object';
  if (typeof value.ok !== 'boolean') return 'no boolean "ok" field';
  if (!Array.isArray(value.checks)) return 'no "checks" list';
  const checks: ProbeCheck[] = [];
  for (const item of value.checks) {
    if (!isRecord(item) || typeof item.name !== 'string' || typeof item.ok !== 'boolean') {
      return 'a check without a name or a boolean "ok"';
    }
    checks.push({
      name: item.name,
      kind: typeof item.kind === 'string' ? item.kind : 'unknown',
      ok: item.ok,
      detail: typeof item.detail === 'string' ? item.detail : '',
    });
  }
  return {
    role: typeof value.role === 'string' ? value.role : null,
    check: typeof value.check === 'string' ? value.check : 'unknown',
    ok: value.ok,
    ...(typeof value.elapsedMs === 'number' ? { elapsedMs: value.elapsedMs } : {}),
    checks,
    ...(typeof value.error === 'string' ? { error: value.error } : {}),
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 120 ? `'${flat.slice(0, 120)}…'` : `'${flat}'`;
}
