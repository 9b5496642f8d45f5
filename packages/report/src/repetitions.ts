import type { ReportRun, ReportThresholds } from './model.js';
import { type Spread, spread } from './stats.js';
import { resolveThresholds } from './verdicts.js';

/** The figures whose spread across repetitions the report shows. */
export const REPEATED_METRICS = [
  { key: 'publishRate', name: 'Publish rate', unit: 'msg/s', higherIsBetter: true },
  { key: 'consumeRate', name: 'Consume rate', unit: 'msg/s', higherIsBetter: true },
  { key: 'publishP50Ms', name: 'Publish p50', unit: 'ms', higherIsBetter: false },
  { key: 'publishP99Ms', name: 'Publish p99', unit: 'ms', higherIsBetter: false },
  { key: 'endToEndP50Ms', name: 'End-to-end p50', unit: 'ms', higherIsBetter: false },
  { key: 'endToEndP99Ms', name: 'End-to-end p99', unit: 'ms', higherIsBetter: false },
  { key: 'publishDelayP99Ms', name: 'Publish-delay p99', unit: 'ms', higherIsBetter: false },
] as const;

export type MetricKey = (typeof REPEATED_METRICS)[number]['key'];

export function metricValue(run: ReportRun, key: MetricKey): number | undefined {
  switch (key) {
    case 'publishRate':
      return run.publishRate;
    case 'consumeRate':
      return run.consumeRate;
    case 'publishP50Ms':
      return run.publishLatencyMs.p50;
    case 'publishP99Ms':
      return run.publishLatencyMs.p99;
    case 'endToEndP50Ms':
      return run.endToEndLatencyMs.p50;
    case 'endToEndP99Ms':
      return run.endToEndLatencyMs.p99;
    case 'publishDelayP99Ms':
      return run.publishDelayLatencyMs?.p99;
  }
}

export interface MetricSpread extends Spread {
  /** The repetitions' values, in repetition order (unknown ones left out). */
  values: number[];
  /** Coefficient of variation above the threshold: the repetitions disagree. */
  unstable: boolean;
}

/** The repetitions of one run (same experiment and label) and the spread of each metric. */
export interface RepetitionGroup {
  label: string;
  experimentId: string | undefined;
  runIds: string[];
  /** Null when no repetition knows the metric. */
  metrics: Record<MetricKey, MetricSpread | null>;
}

const groupKey = (run: ReportRun) => `${run.experimentId ?? ''}\u0000${run.label}`;

/**
 * Groups runs by experiment and label (in the order labels first appear; repetitions by their
 * number) and summarises each metric: median, mean with its 95 % Student-t interval, coefficient
 * of variation, and `unstable` when the CV exceeds `thresholds.maxCv` (default 10 %).
 */
export function groupRepetitions(
  runs: readonly ReportRun[],
  thresholds: ReportThresholds = {},
): RepetitionGroup[] {
  const { maxCv } = resolveThresholds(thresholds);
  const groups = new Map<string, ReportRun[]>();
  for (const run of runs) {
    const members = groups.get(groupKey(run)) ?? [];
    members.push(run);
    groups.set(groupKey(run), members);
  }
  return [...groups.values()].map((members) => {
    const ordered = [...members].sort((a, b) => (a.repetition ?? 0) - (b.repetition ?? 0));
    const metrics = Object.fromEntries(
      REPEATED_METRICS.map(({ key }) => {
        const values = ordered
          .map((run) => metricValue(run, key))
          .filter((value): value is number => value !== undefined && Number.isFinite(value));
        const summary = spread(values);
        return [
          key,
          summary === undefined
            ? null
            : { ...summary, values, unstable: summary.cv !== undefined && summary.cv > maxCv },
        ];
      }),
    ) as Record<MetricKey, MetricSpread | null>;
    return {
      label: ordered[0]!.label,
      experimentId: ordered[0]!.experimentId,
      runIds: ordered.map((run) => run.id),
      metrics,
    };
  });
}
