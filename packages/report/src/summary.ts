import type { Bottleneck, Provenance, ReportRun, ReportThresholds } from './model.js';
import { groupRepetitions, type RepetitionGroup } from './repetitions.js';
import { achievedRatio, fellBehind, resolveThresholds } from './verdicts.js';

/**
 * The flat per-run figures shared by summary.csv, summary.json and the HTML table. Unknown is
 * `null` (an empty CSV cell, "–" on the page), never 0.
 */
export interface SummaryRow {
  run: string;
  repetition: number | null;
  experimentId: string | null;
  workload: string | null;
  messageSize: number | null;
  /** msg/s; 0 = OMB's max-rate search. */
  targetRate: number | null;
  publishRate: number | null;
  consumeRate: number | null;
  achievedRatio: number | null;
  publishMBps: number | null;
  consumeMBps: number | null;
  publishP50Ms: number | null;
  publishP99Ms: number | null;
  publishP999Ms: number | null;
  publishMaxMs: number | null;
  endToEndP50Ms: number | null;
  endToEndP99Ms: number | null;
  endToEndP999Ms: number | null;
  endToEndMaxMs: number | null;
  publishDelayP50Ms: number | null;
  publishDelayP99Ms: number | null;
  publishDelayP999Ms: number | null;
  publishDelayMaxMs: number | null;
  publishErrorRate: number | null;
  backlog: string;
  costPerMillionMessages: number | null;
  /** Why the producer fell behind its schedule; null when it kept up or it is unknown. */
  fellBehind: { reason: string } | null;
  bottleneck: Bottleneck | null;
  warnings: string;
}

const known = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export function summaryRow(run: ReportRun, thresholds: ReportThresholds = {}): SummaryRow {
  const delay = run.publishDelayLatencyMs ?? {};
  return {
    run: run.label,
    repetition: known(run.repetition),
    experimentId: known(run.experimentId),
    workload: known(run.workload),
    messageSize: known(run.messageSize),
    targetRate: known(run.targetRate),
    publishRate: known(run.publishRate),
    consumeRate: known(run.consumeRate),
    achievedRatio: known(achievedRatio(run)),
    publishMBps: known(run.publishMBps),
    consumeMBps: known(run.consumeMBps),
    publishP50Ms: known(run.publishLatencyMs.p50),
    publishP99Ms: known(run.publishLatencyMs.p99),
    publishP999Ms: known(run.publishLatencyMs.p999),
    publishMaxMs: known(run.publishLatencyMs.max),
    endToEndP50Ms: known(run.endToEndLatencyMs.p50),
    endToEndP99Ms: known(run.endToEndLatencyMs.p99),
    endToEndP999Ms: known(run.endToEndLatencyMs.p999),
    endToEndMaxMs: known(run.endToEndLatencyMs.max),
    publishDelayP50Ms: known(delay.p50),
    publishDelayP99Ms: known(delay.p99),
    publishDelayP999Ms: known(delay.p999),
    publishDelayMaxMs: known(delay.max),
    publishErrorRate: known(run.publishErrorRate),
    backlog: run.backlog,
    costPerMillionMessages: known(run.costPerMillionMessages),
    fellBehind: fellBehind(run, thresholds),
    bottleneck: run.bottleneck ?? null,
    warnings: run.warnings.join('; '),
  };
}

const csvCell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(Number(value.toPrecision(10))) : '';
  else if (typeof value === 'object')
    text = 'reason' in value ? String(value.reason) : 'message' in value ? String(value.message) : '';
  else text = String(value);
  return /[",\n\r]/.test(text) || /^[=+\-@\t]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const CSV_COLUMNS = Object.keys(
  summaryRow({
    id: '',
    label: '',
    publishLatencyMs: {},
    endToEndLatencyMs: {},
    backlog: 'unknown',
    warnings: [],
    series: {
      intervalSeconds: 10,
      publishRate: [],
      consumeRate: [],
      backlog: [],
      publishLatencyP99: [],
      endToEndLatencyP99: [],
    },
    quantiles: { publish: [], endToEnd: [] },
  }),
) as Array<keyof SummaryRow>;

/**
 * RFC 4180 CSV, one row per run; unknown values are empty cells; `fellBehind` and `bottleneck`
 * are their sentences; cells that a spreadsheet would run as a formula are quoted.
 */
export function summaryCsv(runs: readonly ReportRun[], thresholds: ReportThresholds = {}): string {
  const rows = runs.map((run) => summaryRow(run, thresholds));
  return `${[CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((key) => csvCell(row[key])).join(','))].join('\r\n')}\r\n`;
}

export interface SummaryJson {
  schemaVersion: 2;
  provenance: Provenance | null;
  thresholds: Required<ReportThresholds>;
  runs: SummaryRow[];
  /** Per label: median, mean with 95 % interval, CV and `unstable` of each metric. */
  repetitions: RepetitionGroup[];
}

/** summary.json: every run's row, the spread across repetitions, provenance and thresholds. */
export function summaryJson(
  runs: readonly ReportRun[],
  options: { provenance?: Provenance; thresholds?: ReportThresholds } = {},
): SummaryJson {
  return {
    schemaVersion: 2,
    provenance: options.provenance ?? null,
    thresholds: resolveThresholds(options.thresholds),
    runs: runs.map((run) => summaryRow(run, options.thresholds)),
    repetitions: groupRepetitions(runs, options.thresholds),
  };
}
