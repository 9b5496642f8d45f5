import { formatPercent } from './format.js';
import type { ReportRun, ReportThresholds } from './model.js';
import { groupRepetitions, type MetricKey, type MetricSpread, REPEATED_METRICS } from './repetitions.js';
import { differenceInterval, type Interval, overlaps } from './stats.js';

/**
 * `within noise`: the two 95 % intervals of the mean overlap. `faster`/`slower`: they do not
 * (faster = higher rate or lower latency). `unknown`: a side lacks the metric or has one run only.
 */
export type ComparisonVerdict = 'within noise' | 'faster' | 'slower' | 'unknown';

export interface MetricComparison {
  metric: MetricKey;
  name: string;
  unit: string;
  base: MetricSpread | null;
  candidate: MetricSpread | null;
  /** candidate mean − base mean. */
  difference: number | undefined;
  /** 95 % interval of the difference (Welch's t). */
  differenceCi95: Interval | undefined;
  /** difference ÷ base mean. */
  relative: number | undefined;
  /** differenceCi95 ÷ base mean (the base mean taken as exact). */
  relativeCi95: Interval | undefined;
  verdict: ComparisonVerdict;
  /** The verdict in words, e.g. "slower by 12.3 % (95 % CI 8.1 % to 16.5 %)". */
  sentence: string;
}

export interface RunComparison {
  label: string;
  metrics: MetricComparison[];
}

/**
 * Compares two sets of runs (e.g. two experiments) label by label, each label's repetitions
 * pooled: per metric the difference of the means with its 95 % interval, and a verdict.
 */
export function compareRuns(
  base: readonly ReportRun[],
  candidate: readonly ReportRun[],
  thresholds: ReportThresholds = {},
): RunComparison[] {
  const strip = (runs: readonly ReportRun[]) => runs.map(({ experimentId: _, ...run }) => run);
  const baseGroups = groupRepetitions(strip(base), thresholds);
  const candidateGroups = groupRepetitions(strip(candidate), thresholds);
  const labels = [...new Set([...baseGroups, ...candidateGroups].map((group) => group.label))];
  return labels.map((label) => {
    const a = baseGroups.find((group) => group.label === label);
    const b = candidateGroups.find((group) => group.label === label);
    return {
      label,
      metrics: REPEATED_METRICS.map((metric) =>
        compareMetric(metric, a?.metrics[metric.key] ?? null, b?.metrics[metric.key] ?? null),
      ),
    };
  });
}

function compareMetric(
  metric: (typeof REPEATED_METRICS)[number],
  base: MetricSpread | null,
  candidate: MetricSpread | null,
): MetricComparison {
  const common = { metric: metric.key, name: metric.name, unit: metric.unit, base, candidate };
  if (base === null || candidate === null) {
    return {
      ...common,
      difference: undefined,
      differenceCi95: undefined,
      relative: undefined,
      relativeCi95: undefined,
      verdict: 'unknown',
      sentence: `not measured on ${base === null ? 'the base' : 'the candidate'} side`,
    };
  }
  const difference = candidate.mean - base.mean;
  const relative = base.mean === 0 ? undefined : difference / base.mean;
  const differenceCi95 = differenceInterval(base, candidate);
  const relativeCi95 =
    differenceCi95 === undefined || base.mean === 0
      ? undefined
      : scaleInterval(differenceCi95, 1 / Math.abs(base.mean));
  const result = { ...common, difference, differenceCi95, relative, relativeCi95 };
  if (base.ci95 === undefined || candidate.ci95 === undefined) {
    return {
      ...result,
      verdict: 'unknown',
      sentence: `${formatPercent(relative, true)}, noise unknown (a single run on ${base.ci95 === undefined ? 'the base' : 'the candidate'} side: repeat the run)`,
    };
  }
  const interval =
    relativeCi95 === undefined
      ? ''
      : ` (95 % CI ${formatPercent(relativeCi95.low, true)} to ${formatPercent(relativeCi95.high, true)})`;
  if (overlaps(base.ci95, candidate.ci95)) {
    return {
      ...result,
      verdict: 'within noise',
      sentence: `within noise: ${formatPercent(relative, true)}${interval}`,
    };
  }
  const faster = metric.higherIsBetter ? difference > 0 : difference < 0;
  const size = relative === undefined ? '' : ` by ${formatPercent(Math.abs(relative))}`;
  return {
    ...result,
    verdict: faster ? 'faster' : 'slower',
    sentence: `${faster ? 'faster' : 'slower'}${size}${interval}`,
  };
}

const scaleInterval = (interval: Interval, factor: number): Interval => ({
  low: interval.low * factor,
  high: interval.high * factor,
});
