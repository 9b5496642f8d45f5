import type { ReportRun } from './model.js';

/** The flat per-run figures shared by summary.csv, summary.json and the HTML table. */
export interface SummaryRow {
  run: string;
  experimentId: string;
  workload: string;
  messageSize: number | undefined;
  targetRate: number | undefined;
  publishRate: number;
  consumeRate: number;
  achievedRatio: number | undefined;
  publishMBps: number;
  consumeMBps: number;
  publishP50Ms: number | undefined;
  publishP99Ms: number | undefined;
  publishP999Ms: number | undefined;
  publishMaxMs: number | undefined;
  endToEndP50Ms: number | undefined;
  endToEndP99Ms: number | undefined;
  endToEndP999Ms: number | undefined;
  endToEndMaxMs: number | undefined;
  publishErrorRate: number | undefined;
  backlog: string;
  costPerMillionMessages: number | undefined;
  warnings: string;
}

export function summaryRow(run: ReportRun): SummaryRow {
  const target = run.targetRate !== undefined && run.targetRate > 0 ? run.targetRate : undefined;
  return {
    run: run.label,
    experimentId: run.experimentId ?? '',
    workload: run.workload ?? '',
    messageSize: run.messageSize,
    targetRate: target,
    publishRate: run.publishRate,
    consumeRate: run.consumeRate,
    achievedRatio: target === undefined ? undefined : run.publishRate / target,
    publishMBps: run.publishMBps,
    consumeMBps: run.consumeMBps,
    publishP50Ms: run.publishLatencyMs.p50,
    publishP99Ms: run.publishLatencyMs.p99,
    publishP999Ms: run.publishLatencyMs.p999,
    publishMaxMs: run.publishLatencyMs.max,
    endToEndP50Ms: run.endToEndLatencyMs.p50,
    endToEndP99Ms: run.endToEndLatencyMs.p99,
    endToEndP999Ms: run.endToEndLatencyMs.p999,
    endToEndMaxMs: run.endToEndLatencyMs.max,
    publishErrorRate: run.publishErrorRate,
    backlog: run.backlog,
    costPerMillionMessages: run.costPerMillionMessages,
    warnings: run.warnings.join('; '),
  };
}

const csvCell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? String(Number(value.toPrecision(10))) : String(value);
  return /[",\n\r]/.test(text) || /^[=+\-@\t]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** RFC 4180 CSV, one row per run; cells that a spreadsheet would run as a formula are quoted. */
export function summaryCsv(runs: readonly ReportRun[]): string {
  const rows = runs.map(summaryRow);
  const header = Object.keys(summaryRow(emptyRun())) as Array<keyof SummaryRow>;
  return `${[header.join(','), ...rows.map((row) => header.map((key) => csvCell(row[key])).join(','))].join('\r\n')}\r\n`;
}

export function summaryJson(runs: readonly ReportRun[]): { schemaVersion: 1; runs: SummaryRow[] } {
  return { schemaVersion: 1, runs: runs.map(summaryRow) };
}

function emptyRun(): ReportRun {
  return {
    id: '',
    label: '',
    publishRate: 0,
    consumeRate: 0,
    publishMBps: 0,
    consumeMBps: 0,
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
  };
}
